import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { thompsonExplorer, type ThompsonOptions } from "./thompsonSampling.ts";

// Ranked list of 10; with count 6 and slots [2, 4] the pool starts at position 4.
const counts: Record<string, [number, number]> = { i4: [100, 10], i5: [10, 1], i6: [0, 0], i7: [400, 60], i8: [50, 0] };
const ranked = () =>
  Array.from({ length: 10 }, (_, i) => {
    const [impressions, clicks] = counts[`i${i}`] ?? [0, 0];
    return candidate(`i${i}`, { score: 10 - i, features: { imps: impressions, clicks } });
  });

const options = (overrides: Partial<ThompsonOptions> = {}): ThompsonOptions => ({
  slots: [2, 4],
  poolSize: 5,
  prior: { alpha: 1, beta: 10 },
  impressionsField: "imps",
  clicksField: "clicks",
  replays: 400,
  ...overrides,
});

describe("Thompson-sampling exploration", () => {
  it("fills the slots from the pool, the other positions with the greedy prefix at propensity 1", () => {
    const { page, effects } = thompsonExplorer(options()).select(query(), ranked(), 6);
    expect(page.map((item) => item.slot)).toEqual(["ranked", "ranked", "explore", "ranked", "explore", "ranked"]);
    expect(ids(page.filter((item) => item.slot === "ranked"))).toEqual(["i0", "i1", "i2", "i3"]);
    expect(page.filter((item) => item.slot === "ranked").every((item) => item.propensity === 1)).toBe(true);
    expect(new Set(ids(page)).size).toBe(6);
    expect(effects.map((effect) => effect.to)).toEqual([2, 4]);
    for (const item of page.filter((served) => served.slot === "explore")) expect(item.propensity).toBeGreaterThan(0);
  });

  it("an item whose posterior dominates gets propensity close to 1 for the first slot", () => {
    const winner = ranked().map((item) => (item.itemId === "i9" ? { ...item, features: { imps: 1000, clicks: 900 } } : item));
    const { page } = thompsonExplorer(options({ poolSize: 6 })).select(query(), winner, 6);
    expect(page[2]!.itemId).toBe("i9");
    expect(page[2]!.propensity).toBeGreaterThan(0.95);
  });

  it("Monte Carlo: placement frequency over many seeded runs matches the logged (replayed) propensity", () => {
    const runs = 1500;
    const replays = 400;
    const explorer = thompsonExplorer(options({ replays }));
    const frequency = new Map<string, number>();
    const loggedSum = new Map<string, number>();
    for (let seed = 0; seed < runs; seed++) {
      for (const item of explorer.select(query({ seed }), ranked(), 6).page) {
        if (item.slot !== "explore") continue;
        const key = `${item.itemId}@${item.position}`;
        frequency.set(key, (frequency.get(key) ?? 0) + 1);
        loggedSum.set(key, (loggedSum.get(key) ?? 0) + item.propensity);
      }
    }
    expect(frequency.size).toBeGreaterThan(3);
    for (const [key, hits] of frequency) {
      const empirical = hits / runs;
      const logged = loggedSum.get(key)! / hits;
      const spread = Math.sqrt(logged * (1 - logged));
      // Sampling error of the empirical frequency, of a replay estimate, and the estimator's bias ≤ 1/(R+1).
      const tolerance = (4 * spread) / Math.sqrt(runs) + (4 * spread) / Math.sqrt(replays) + 1 / (replays + 1);
      expect(Math.abs(empirical - logged), key).toBeLessThanOrEqual(tolerance);
    }
  });

  it("is reproducible for a seed and uses fewer slots than configured when the pool is small", () => {
    const explorer = thompsonExplorer(options({ poolSize: 1 }));
    const first = explorer.select(query({ seed: 5 }), ranked(), 6);
    expect(ids(first.page)).toEqual(ids(explorer.select(query({ seed: 5 }), ranked(), 6).page));
    expect(first.page.filter((item) => item.slot === "explore").map((item) => item.position)).toEqual([2]);
    expect(first.page).toHaveLength(6);
  });
});
