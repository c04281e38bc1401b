import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COPY_NULL,
  copyBoolean,
  copyJson,
  copyLine,
  copyNullableText,
  copyNumber,
  copyText,
  copyTextArray,
  copyTimestamp,
  createOrderedTimestampFormatter,
} from "./copyFormat.ts";

/** What PostgreSQL's COPY text reader does with an escaped field (the subset we produce). */
function unescapeCopy(field: string): string {
  return field.replace(/\\(.)/g, (_, char: string) => (char === "t" ? "\t" : char === "n" ? "\n" : char === "r" ? "\r" : char));
}

describe("COPY text format", () => {
  it("escapes backslash, tab, newline and carriage return, and nothing else", () => {
    expect(copyText("plain text, with \"quotes\" and 'apostrophes'")).toBe("plain text, with \"quotes\" and 'apostrophes'");
    expect(copyText("a\\b\tc\nd\re")).toBe("a\\\\b\\tc\\nd\\re");
  });

  it("round-trips any string through escaping", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const escaped = copyText(value);
        expect(escaped).not.toMatch(/[\t\n\r]/);
        expect(unescapeCopy(escaped)).toBe(value);
      }),
    );
  });

  it("writes NULLs, numbers, booleans and JSON", () => {
    expect(copyNullableText(null)).toBe(COPY_NULL);
    expect(copyNullableText(undefined)).toBe(COPY_NULL);
    expect(copyNumber(null)).toBe(COPY_NULL);
    expect(copyNumber(12.5)).toBe("12.5");
    expect(() => copyNumber(Number.NaN)).toThrow(/non-finite/);
    expect(copyBoolean(true)).toBe("t");
    expect(copyBoolean(false)).toBe("f");
    expect(copyJson(null)).toBe(COPY_NULL);
    expect(copyJson({ note: "tab\there", path: "a\\b" })).toBe('{"note":"tab\\\\there","path":"a\\\\\\\\b"}');
    expect(JSON.parse(unescapeCopy(copyJson({ note: "tab\there", path: "a\\b" })))).toEqual({ note: "tab\there", path: "a\\b" });
  });

  it("writes text[] literals with every element quoted", () => {
    expect(copyTextArray([])).toBe("{}");
    expect(copyTextArray(["music", "long-form"])).toBe('{"music","long-form"}');
    expect(unescapeCopy(copyTextArray(['say "hi"', "back\\slash"]))).toBe('{"say \\"hi\\"","back\\\\slash"}');
  });

  it("joins a line with tabs and ends it with a newline", () => {
    expect(copyLine(["a", COPY_NULL, "c"])).toBe("a\t\\N\tc\n");
  });

  it("formats timestamps like toISOString, also through the ordered cache", () => {
    expect(copyTimestamp(0)).toBe("1970-01-01T00:00:00.000Z");
    const format = createOrderedTimestampFormatter();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (epochMs) => {
        expect(format(epochMs)).toBe(new Date(epochMs).toISOString());
        expect(format(epochMs + 7)).toBe(new Date(epochMs + 7).toISOString());
      }),
    );
  });
});
