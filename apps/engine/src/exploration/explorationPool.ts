// Which candidates an exploration policy may show, and the ranked list it exploits.
//
// The pool is deterministic given the ranked list: the first `size` candidates at or after
// `from` (the end of the part of the page the greedy ranking is sure to fill) for which the
// optional expression holds, e.g. `age_hours < 72` (fresh) or `item_impressions_3d < 200`
// (uncertain). The exploited list is the ranked list without the pool items, so an item can
// never be served twice.
import type { ItemPredicate } from "@cascade/core";
import type { Candidate } from "../funnel/candidate.ts";
import { toFilterableItem } from "../funnel/filterableItem.ts";

export type PoolOptions = { size: number; when?: ItemPredicate };

export function splitExplorationPool(
  ranked: readonly Candidate[],
  from: number,
  options: PoolOptions,
  nowMs: number,
): { pool: Candidate[]; exploit: Candidate[] } {
  const pool: Candidate[] = [];
  const poolPositions: number[] = [];
  for (let i = Math.max(0, from); i < ranked.length && pool.length < options.size; i++) {
    const candidate = ranked[i]!;
    if (!options.when || options.when(toFilterableItem(candidate, nowMs))) {
      pool.push(candidate);
      poolPositions.push(i);
    }
  }
  // The ranked list without the pool's positions, built at its final length: no Set of the pool
  // and no array grown by filter() (the ranked list never holds one candidate twice: merge dedupes).
  const exploit = new Array<Candidate>(ranked.length - pool.length);
  let kept = 0;
  let nextPoolPosition = 0;
  for (let i = 0; i < ranked.length; i++) {
    if (i === poolPositions[nextPoolPosition]) nextPoolPosition++;
    else exploit[kept++] = ranked[i]!;
  }
  return { pool, exploit };
}

/** The slot positions that can be used: inside the page, at most one per pool item (first ones win). */
export function usableSlots(slots: readonly number[], pageLength: number, poolSize: number): number[] {
  return slots.filter((slot) => slot < pageLength).slice(0, poolSize);
}
