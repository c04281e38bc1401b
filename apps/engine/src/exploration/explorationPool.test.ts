import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate } from "../funnel/candidate.ts";
import { candidate, ids, NOW_MS } from "../funnel/testing/funnelFixtures.ts";
import { splitExplorationPool, type PoolOptions } from "./explorationPool.ts";

/** The pool and exploited list written the plain way (a Set of the pool, the ranked list filtered by it), to pin the fast one. */
function referenceSplit(ranked: readonly Candidate[], from: number, options: PoolOptions) {
  const pool: Candidate[] = [];
  for (const candidate of ranked.slice(Math.max(0, from))) {
    if (pool.length >= options.size) break;
    if (
      !options.when ||
      options.when({ id: candidate.itemId, category: "", creator: null, tags: [], ageHours: 0, available: true, numbers: candidate.features })
    )
      pool.push(candidate);
  }
  const inPool = new Set(pool);
  return { pool, exploit: ranked.filter((candidate) => !inPool.has(candidate)) };
}

describe("splitExplorationPool", () => {
  it("property: the pool and the ranked list without it, as the plain Set-and-filter split gives", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.integer({ min: -3, max: 70 }),
        fc.integer({ min: 0, max: 70 }),
        fc.boolean(),
        (eligible, from, size, filtered) => {
          const ranked = eligible.map((ok, i) => candidate(`i${i}`, { features: { ok: ok ? 1 : 0 } }));
          const options: PoolOptions = filtered ? { size, when: (item) => item.numbers.ok === 1 } : { size };
          const split = splitExplorationPool(ranked, from, options, NOW_MS);
          const reference = referenceSplit(ranked, from, options);
          expect(ids(split.pool)).toEqual(ids(reference.pool));
          expect(ids(split.exploit)).toEqual(ids(reference.exploit));
          expect(split.exploit.length).toBe(ranked.length - split.pool.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
