// Exploration under the surface's diversity caps: an explored item only goes where it breaks no
// cap, and the propensities logged for every served slot match how often the policy really puts
// that item there.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate } from "../funnel/candidate.ts";
import type { Explorer } from "../funnel/components.ts";
import { candidate, query } from "../funnel/testing/funnelFixtures.ts";
import { diversityCaps } from "../rules/diversityCaps.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";
import { capViolations } from "../rules/testing/capChecks.ts";
import { epsilonGreedyExplorer } from "./epsilonGreedy.ts";
import { thompsonExplorer } from "./thompsonSampling.ts";

const caps: DiversityCap[] = [
  { id: "creatorDiversity", attribute: "creator", maxPerWindow: 1, window: 3, depth: 100 },
  { id: "categoryDiversity", attribute: "category", maxPerWindow: 2, window: 4, depth: 100 },
];

/** A ranked list arranged by the joint caps, as the funnel hands it to the explorer. */
function rankedUnderCaps(specs: { category: string; creator: string | null }[]): Candidate[] {
  const items = specs.map((spec, i) => candidate(`i${i}`, { ...spec, score: specs.length - i, features: { imps: (i * 37) % 50, clicks: (i * 7) % 5 } }));
  return diversityCaps(caps).apply(query(), items).items;
}

const explorers: Record<string, (replays: number) => Explorer> = {
  epsilonGreedy: (replays) => epsilonGreedyExplorer({ epsilon: 0.5, slots: [1, 3, 4], poolSize: 8, caps, replays }),
  thompson: (replays) =>
    thompsonExplorer({ slots: [1, 3, 4], poolSize: 8, prior: { alpha: 1, beta: 5 }, impressionsField: "imps", clicksField: "clicks", replays, caps }),
};

// A pool full of one creator and category, and a page whose neighbours share them: many slots have no fitting item.
const crowded = () =>
  rankedUnderCaps([
    ...Array.from({ length: 8 }, (_, i) => ({ category: ["a", "b", "c", "d"][i % 4]!, creator: `c${i}` })),
    ...Array.from({ length: 10 }, (_, i) => ({ category: i % 3 === 0 ? "a" : "e", creator: i % 2 === 0 ? "c1" : "c9" })),
  ]);

describe.each(Object.entries(explorers))("%s under diversity caps", (_name, explorerOf) => {
  it("property: no served page breaks a cap, whatever the list and the seed", () => {
    const explorer = explorerOf(100);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ category: fc.constantFrom("a", "b", "c", "d", "e"), creator: fc.option(fc.constantFrom("p", "q", "r", "s", "t", "u"), { nil: null }) }),
          { minLength: 4, maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 2, max: 10 }),
        (specs, seed, count) => {
          const ranked = rankedUnderCaps(specs);
          const { page } = explorer.select(query({ seed }), ranked, count);
          expect(capViolations(page, caps)).toEqual([]);
          expect(new Set(page.map((item) => item.itemId)).size).toBe(page.length);
          expect(page.map((item) => item.position)).toEqual(page.map((_, i) => i));
          for (const item of page) {
            expect(item.propensity).toBeGreaterThan(0);
            expect(item.propensity).toBeLessThanOrEqual(1);
          }
        },
      ),
      { seed: 7, numRuns: 150 },
    );
  });

  it("gives a slot back to the ranked list when no pool item fits there: the page is the ranked prefix, with propensity 1", () => {
    // Creators cycle A, B, C: any pool item put between them would sit within 3 positions of its creator's ranked item.
    const ranked = rankedUnderCaps(Array.from({ length: 24 }, (_, i) => ({ category: `k${i % 8}`, creator: "ABC"[i % 3]! })));
    const explorer = explorerOf(100);
    for (let seed = 0; seed < 20; seed++) {
      const { page, effects } = explorer.select(query({ seed }), ranked, 6);
      expect(page.map((item) => item.itemId)).toEqual(ranked.slice(0, 6).map((item) => item.itemId));
      expect(page.every((item) => item.slot === "ranked" && item.propensity === 1)).toBe(true);
      expect(effects).toEqual([]);
    }
  });

  it("Monte Carlo: placement frequency over many seeds matches the logged (replayed) propensity of every slot", { timeout: 30_000 }, () => {
    const runs = 1200;
    const replays = 300;
    const explorer = explorerOf(replays);
    const frequency = new Map<string, number>();
    const loggedSum = new Map<string, number>();
    for (let seed = 0; seed < runs; seed++) {
      for (const item of explorer.select(query({ seed }), crowded(), 6).page) {
        const key = `${item.itemId}@${item.position}`;
        frequency.set(key, (frequency.get(key) ?? 0) + 1);
        loggedSum.set(key, (loggedSum.get(key) ?? 0) + item.propensity);
      }
    }
    expect(frequency.size).toBeGreaterThan(8);
    for (const [key, hits] of frequency) {
      const empirical = hits / runs;
      const logged = loggedSum.get(key)! / hits;
      const spread = Math.sqrt(logged * (1 - logged));
      // Sampling error of the empirical frequency and of a replay estimate, plus the estimator's bias ≤ 1/(R+1).
      const tolerance = (4 * spread) / Math.sqrt(runs) + (4 * spread) / Math.sqrt(replays) + 1 / (replays + 1);
      expect(Math.abs(empirical - logged), key).toBeLessThanOrEqual(tolerance);
    }
  });
});
