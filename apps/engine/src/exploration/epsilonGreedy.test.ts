import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { epsilonGreedyExplorer, exploitedPropensity } from "./epsilonGreedy.ts";

const ranked = () => Array.from({ length: 12 }, (_, i) => candidate(`i${i}`, { score: 12 - i, ageHours: i % 2 === 0 ? 1 : 500 }));

describe("epsilon-greedy exploration", () => {
  it("ε = 0 serves the ranked order with propensity 1", () => {
    const { page, effects } = epsilonGreedyExplorer({ epsilon: 0, slots: [1, 3], poolSize: 4 }).select(query(), ranked(), 6);
    expect(ids(page)).toEqual(ids(ranked()).slice(0, 6));
    expect(page.every((item) => item.propensity === 1 && item.slot === "ranked")).toBe(true);
    expect(effects).toEqual([]);
  });

  it("ε = 1 fills every usable slot from the pool, which the expression narrows", () => {
    const fresh = (item: { ageHours: number }) => item.ageHours < 24;
    const { page, effects } = epsilonGreedyExplorer({ epsilon: 1, slots: [1, 3, 40], poolSize: 2, poolWhen: fresh }).select(query(), ranked(), 6);
    // Pool: the first 2 fresh items after the page (i6, i8); slot 40 is outside the page.
    expect(page.filter((item) => item.slot === "explore").map((item) => item.position)).toEqual([1, 3]);
    expect(ids(page.filter((item) => item.slot === "explore")).sort()).toEqual(["i6", "i8"]);
    expect(ids(page.filter((item) => item.slot === "ranked"))).toEqual(["i0", "i1", "i2", "i3"]);
    expect(page.filter((item) => item.slot === "explore").every((item) => item.propensity === 1 / 2)).toBe(true);
    expect(effects.map((effect) => effect.kind)).toEqual(["explored", "explored"]);
  });

  it("propensities at each position sum to 1 over every item that could be there", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 5 }), (epsilon, rawSlots) => {
        const slots = [...rawSlots].sort((a, b) => a - b);
        for (let position = 0; position < 10; position++) {
          let total = slots.includes(position) ? epsilon : 0; // m pool items × ε/m
          for (let rank = 0; rank < 10; rank++) total += exploitedPropensity(rank, position, slots, epsilon);
          expect(total).toBeCloseTo(1, 9);
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it("Monte Carlo: how often each item lands at each position over many seeds matches its logged propensity", () => {
    const runs = 4000;
    const explorer = epsilonGreedyExplorer({ epsilon: 0.3, slots: [1, 3], poolSize: 4 });
    const frequency = new Map<string, number>();
    const logged = new Map<string, number>();
    for (let seed = 0; seed < runs; seed++) {
      for (const item of explorer.select(query({ seed }), ranked(), 6).page) {
        const key = `${item.itemId}@${item.position}`;
        frequency.set(key, (frequency.get(key) ?? 0) + 1);
        if (logged.has(key)) expect(item.propensity).toBe(logged.get(key));
        logged.set(key, item.propensity);
      }
    }
    expect(logged.size).toBeGreaterThan(10);
    for (const [key, propensity] of logged) {
      const tolerance = 4 * Math.sqrt((propensity * (1 - propensity)) / runs) + 1e-9;
      expect(Math.abs(frequency.get(key)! / runs - propensity), key).toBeLessThanOrEqual(tolerance);
    }
  });

  it("is reproducible for a seed", () => {
    const explorer = epsilonGreedyExplorer({ epsilon: 0.5, slots: [0, 2, 4], poolSize: 5 });
    expect(ids(explorer.select(query({ seed: 9 }), ranked(), 6).page)).toEqual(ids(explorer.select(query({ seed: 9 }), ranked(), 6).page));
  });
});
