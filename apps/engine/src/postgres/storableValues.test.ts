import { describe, expect, it } from "vitest";
import { findUnstorableStrings, timestampProblem, toStorableJson } from "./storableValues.ts";

describe("findUnstorableStrings", () => {
  it("finds NUL characters and unpaired surrogates anywhere, keys included", () => {
    const issues = findUnstorableStrings({ title: "ok", tags: ["fine", "nul\u0000"], attributes: { "k\u0000": "v", note: "half \uD83D" } });
    expect(issues.map((issue) => issue.path)).toEqual(["tags.1", "attributes.k\u0000", "attributes.note"]);
    expect(issues[0]!.message).toContain("NUL");
    expect(issues[2]!.message).toContain("surrogate");
  });

  it("accepts ordinary text, emoji included", () => {
    expect(findUnstorableStrings({ title: "Ünïcödé 😀", n: 1, b: true, none: null })).toEqual([]);
  });
});

describe("timestampProblem", () => {
  it("flags ISO timestamps PostgreSQL refuses", () => {
    expect(timestampProblem("0000-01-01T00:00:00Z")).toMatch(/year/);
    expect(timestampProblem("2026-01-01T00:00:00+16:00")).toMatch(/offset/);
    expect(timestampProblem("2026-01-01T00:00:00+15:59")).toBeNull();
    expect(timestampProblem("2026-01-01T00:00:00.123Z")).toBeNull();
  });
});

describe("toStorableJson", () => {
  it("replaces what jsonb refuses and keeps everything else", () => {
    expect(toStorableJson({ "a\u0000": ["x\u0000", 1, null, { b: "\uDC00" }], c: "fine" })).toEqual({
      "a\uFFFD": ["x\uFFFD", 1, null, { b: "\uFFFD" }],
      c: "fine",
    });
  });
});
