import { describe, expect, it } from "vitest";
import { defaultPositiveFor, formatPositiveSpec, isPositive, parsePositiveSpec, positiveDataKinds, positiveSpecSchema } from "./positiveSpec.ts";

describe("positive specs", () => {
  it("parses the CLI forms", () => {
    expect(parsePositiveSpec("rating")).toEqual({ kind: "anyRating" });
    expect(parsePositiveSpec(" rating >= 4 ")).toEqual({ kind: "ratingAtLeast", threshold: 4 });
    expect(parsePositiveSpec("rating>=3.5")).toEqual({ kind: "ratingAtLeast", threshold: 3.5 });
    expect(parsePositiveSpec("weight>=2")).toEqual({ kind: "weightAtLeast", threshold: 2 });
    expect(parsePositiveSpec("types:click, like,click")).toEqual({ kind: "eventTypes", types: ["click", "like"] });
  });

  it("names what it did not understand", () => {
    expect(() => parsePositiveSpec("stars>=4")).toThrow(/rating, rating>=N, weight>=N or types:/);
    expect(() => parsePositiveSpec("rating>4")).toThrow(/not understood/);
    expect(() => parsePositiveSpec("types:click,teleport")).toThrow(/unknown event type "teleport"/);
    expect(() => parsePositiveSpec("types:")).toThrow(/at least one/);
  });

  it("formats back to the same spec, and every default is valid", () => {
    for (const kind of positiveDataKinds) {
      const spec = defaultPositiveFor(kind);
      expect(positiveSpecSchema.parse(spec)).toEqual(spec);
      expect(parsePositiveSpec(formatPositiveSpec(spec))).toEqual(spec);
    }
    expect(formatPositiveSpec({ kind: "ratingAtLeast", threshold: 4 })).toBe("rating>=4");
  });

  it("has the documented default per kind of data", () => {
    expect(defaultPositiveFor("movielens")).toEqual({ kind: "anyRating" });
    expect(defaultPositiveFor("recbole")).toEqual({ kind: "anyRating" });
    expect(defaultPositiveFor("weights")).toEqual({ kind: "weightAtLeast", threshold: 1 });
    expect(defaultPositiveFor("events")).toEqual({ kind: "eventTypes", types: ["click", "like", "share", "watch", "purchase"] });
  });

  it("judges stored events by the field each kind reads", () => {
    const rating = (value: number) => ({ type: "rating", value });
    expect(isPositive({ kind: "anyRating" }, rating(1))).toBe(true);
    expect(isPositive({ kind: "anyRating" }, { type: "click" })).toBe(false);
    expect([3.5, 4].map((stars) => isPositive({ kind: "ratingAtLeast", threshold: 4 }, rating(stars)))).toEqual([false, true]);
    expect(isPositive({ kind: "weightAtLeast", threshold: 2 }, { type: "click", context: { weight: 2 } })).toBe(true);
    expect(isPositive({ kind: "weightAtLeast", threshold: 2 }, { type: "click", context: { weight: 1 } })).toBe(false);
    expect(isPositive({ kind: "weightAtLeast", threshold: 1 }, { type: "click" })).toBe(false);
    expect(isPositive({ kind: "eventTypes", types: ["like"] }, { type: "like" })).toBe(true);
    expect(isPositive({ kind: "eventTypes", types: ["like"] }, { type: "impression" })).toBe(false);
  });
});
