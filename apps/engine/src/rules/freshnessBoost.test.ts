import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { freshnessBoost, freshnessDelta } from "./freshnessBoost.ts";

describe("freshness boost", () => {
  it("halves every half-life", () => {
    const weight = 0.8;
    const halfLife = 12;
    expect(freshnessDelta(0, halfLife, weight)).toBeCloseTo(weight, 12);
    expect(freshnessDelta(halfLife, halfLife, weight)).toBeCloseTo(weight / 2, 12);
    expect(freshnessDelta(3 * halfLife, halfLife, weight)).toBeCloseTo(weight / 8, 12);
    expect(freshnessDelta(5, halfLife, weight) / freshnessDelta(5 + halfLife, halfLife, weight)).toBeCloseTo(2, 12);
  });

  it("treats future items as brand new and unknown ages as no boost", () => {
    expect(freshnessDelta(-3, 10, 1)).toBe(1);
    expect(freshnessDelta(Number.NaN, 10, 1)).toBe(0);
  });

  it("adds the delta to the score, records it under the rule id, and re-sorts", () => {
    const items = [
      candidate("old", { score: 1, ageHours: 100 }),
      candidate("fresh", { score: 0.9, ageHours: 0 }),
      candidate("unknown", { score: 0.5, hydrated: false }),
    ];
    const rule = freshnessBoost({ id: "fresh", halfLifeHours: 10, weight: 0.2 });
    const result = rule.apply(query(), items);
    expect(ids(result.items)).toEqual(["fresh", "old", "unknown"]);
    const fresh = result.items[0]!;
    expect(fresh.scores.fresh).toBeCloseTo(0.2, 9);
    expect(fresh.score).toBeCloseTo(1.1, 9);
    expect(result.effects.map((effect) => [effect.itemId, effect.kind])).toEqual([
      ["old", "boosted"],
      ["fresh", "boosted"],
    ]);
  });

  it("without explaining (summary traces) changes the same scores and order but reports no boosts", () => {
    const items = () => [candidate("old", { score: 1, ageHours: 100 }), candidate("fresh", { score: 0.9, ageHours: 0 })];
    const rule = freshnessBoost({ id: "fresh", halfLifeHours: 10, weight: 0.2 });
    const explained = rule.apply(query(), items());
    const quiet = rule.apply(query(), items(), { explain: false });
    expect(quiet.items).toStrictEqual(explained.items);
    expect(explained.effects).toHaveLength(2);
    expect(quiet.effects).toEqual([]);
  });
});
