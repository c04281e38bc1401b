// The feed debugger's input: `asOf` is optional, must name a real instant with a zone, may not be
// more than a minute in the future, and is normalised for the engine; refusals name the field.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { feedPreviewInputSchema, parseVariantParam } from "./feed-preview-input.ts";

const NOW = Date.parse("2026-12-06T02:30:00.000Z");
const base = { userId: "user-00003", surface: "home" };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

function refusal(asOf: string): { path: PropertyKey[]; message: string } {
  const parsed = feedPreviewInputSchema.safeParse({ ...base, asOf });
  expect(parsed.success, `${asOf} should be refused`).toBe(false);
  const issue = parsed.error!.issues[0]!;
  return { path: issue.path, message: issue.message };
}

describe("feedPreviewInputSchema asOf", () => {
  it("is optional: without it the engine runs on its own clock", () => {
    const parsed = feedPreviewInputSchema.parse(base);
    expect(parsed).toEqual({ ...base, count: 20, useDraft: false });
    expect("asOf" in parsed).toBe(false);
  });

  it("normalises an instant to the engine's form (seconds, milliseconds, Z)", () => {
    expect(feedPreviewInputSchema.parse({ ...base, asOf: "2026-11-22T02:00Z" }).asOf).toBe("2026-11-22T02:00:00.000Z");
    expect(feedPreviewInputSchema.parse({ ...base, asOf: " 2026-11-22T03:00:05+01:00 " }).asOf).toBe("2026-11-22T02:00:05.000Z");
    expect(feedPreviewInputSchema.parse({ ...base, asOf: "2024-02-29T12:00:00.250Z" }).asOf).toBe("2024-02-29T12:00:00.250Z");
  });

  it("refuses what is not an instant, naming the field", () => {
    for (const asOf of ["last tuesday", "2026-11-22", "2026-11-22T02:00", "2026-02-30T00:00Z", "2026-13-01T00:00Z", "2026-11-22T24:00Z", ""]) {
      const { path, message } = refusal(asOf);
      expect(path).toEqual(["asOf"]);
      expect(message).toContain("asOf (As of) must be an ISO-8601 date and time");
    }
  });

  it("accepts up to a minute past the clock and refuses later times as in the future", () => {
    expect(feedPreviewInputSchema.parse({ ...base, asOf: "2026-12-06T02:31:00Z" }).asOf).toBe("2026-12-06T02:31:00.000Z");
    const { path, message } = refusal("2026-12-06T02:31:01Z");
    expect(path).toEqual(["asOf"]);
    expect(message).toBe("asOf (As of) is in the future (2026-12-06 02:31:01 UTC); pick a time up to now");
  });
});

describe("the variant parameter", () => {
  it("reads ?variant=<experiment key>:<variant key> and passes it on", () => {
    expect(parseVariantParam("bigger-pool:treatment")).toEqual({ experiment: "bigger-pool", variant: "treatment" });
    expect(parseVariantParam("no-colon")).toBeNull();
    expect(parseVariantParam("a:b:c")).toBeNull();
    expect(parseVariantParam(undefined)).toBeNull();
    expect(feedPreviewInputSchema.parse({ ...base, variant: { experiment: "e", variant: "v" } }).variant).toEqual({ experiment: "e", variant: "v" });
  });
});
