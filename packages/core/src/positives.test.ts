import { describe, expect, it } from "vitest";
import { describePositiveSpec, formatPositiveSpec, isPositive, parsePositiveSpec, weightOf } from "./positives.ts";

describe("positive specs", () => {
  it("reads event types, rating and weight thresholds, and any", () => {
    expect(parsePositiveSpec("rating")).toEqual({ eventTypes: ["rating"], minRating: null, minWeight: null });
    expect(parsePositiveSpec("rating>=8")).toEqual({ eventTypes: ["rating"], minRating: 8, minWeight: null });
    expect(parsePositiveSpec(" like, click ,rating >= 7.5")).toEqual({ eventTypes: ["click", "like", "rating"], minRating: 7.5, minWeight: null });
    expect(parsePositiveSpec("weight>=2")).toEqual({ eventTypes: ["click", "like", "share", "watch", "purchase"], minRating: null, minWeight: 2 });
    expect(parsePositiveSpec("any").eventTypes).toEqual(["click", "like", "share", "watch", "purchase", "rating"]);
  });

  it("names what it does not understand", () => {
    expect(() => parsePositiveSpec("klick")).toThrow(/"klick" not understood/);
    expect(() => parsePositiveSpec("impression")).toThrow(/not understood/);
    expect(() => parsePositiveSpec("rating>=11")).toThrow(/0–10 scale/);
    expect(() => parsePositiveSpec(" , ")).toThrow(/at least one/);
  });

  it("round-trips through the text form and describes itself", () => {
    for (const text of ["rating", "rating>=8", "click,like,purchase", "watch,rating>=6,weight>=3"]) {
      const spec = parsePositiveSpec(text);
      expect(parsePositiveSpec(formatPositiveSpec(spec))).toEqual(spec);
    }
    expect(describePositiveSpec(parsePositiveSpec("click,rating>=8,weight>=1"))).toBe("click, rating ≥ 8 with weight ≥ 1");
  });

  it("judges events by type, rating and weight", () => {
    const spec = parsePositiveSpec("click,rating>=8");
    expect(isPositive(spec, { type: "click" })).toBe(true);
    expect(isPositive(spec, { type: "impression" })).toBe(false);
    expect(isPositive(spec, { type: "rating", value: 8 })).toBe(true);
    expect(isPositive(spec, { type: "rating", value: 7.9 })).toBe(false);
    expect(isPositive(spec, { type: "rating", value: null })).toBe(false);
    const plays = parsePositiveSpec("weight>=2");
    expect(isPositive(plays, { type: "click", weight: 2 })).toBe(true);
    expect(isPositive(plays, { type: "click", weight: 1 })).toBe(false);
    expect(isPositive(plays, { type: "click" })).toBe(false);
    expect(weightOf({ weight: 3 })).toBe(3);
    expect(weightOf({ weight: "3" })).toBeNull();
    expect(weightOf(null)).toBeNull();
  });
});
