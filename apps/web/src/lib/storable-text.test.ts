import { describe, expect, it } from "vitest";
import { hasLoneSurrogate, holdsUnstorableText, isStorableText } from "./storable-text.ts";

describe("storable text", () => {
  it("refuses NUL and lone surrogates, keeps paired surrogates and other text", () => {
    expect(isStorableText("plain, accentué, 😀")).toBe(true);
    expect(isStorableText("a\u0000b")).toBe(false);
    expect(isStorableText("\uD800")).toBe(false);
    expect(isStorableText("x\uDFFF")).toBe(false);
    expect(hasLoneSurrogate("😀")).toBe(false);
    expect(hasLoneSurrogate("\uD83D")).toBe(true);
  });

  it("finds unstorable text in nested values and keys, not elsewhere", () => {
    expect(holdsUnstorableText({ a: [1, { b: "ok" }], c: null })).toBe(false);
    expect(holdsUnstorableText({ a: [1, { b: "x\u0000" }] })).toBe(true);
    expect(holdsUnstorableText({ ["k\uD800"]: 1 })).toBe(true);
    expect(holdsUnstorableText(42)).toBe(false);
  });
});
