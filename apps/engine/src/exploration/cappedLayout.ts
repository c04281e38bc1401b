// Lays out an exploring page so that explored items keep the surface's diversity caps.
//
// The exploited items (the ranked list's prefix, already arranged by the joint diversity rule)
// keep their order; putting items between them only moves them apart, so they keep the caps among
// themselves. Each exploring slot, in order, takes the pool item `pick` chooses among those that
// fit there (diversityWindows.ts: checked against every item before and after it on the page).
// When none fits, the slot is given back to the ranked list and the layout starts again without
// it: giving a slot back shifts the later exploited items, which could move one next to an item
// already explored, so the whole page is laid out again.
import type { Candidate } from "../funnel/candidate.ts";
import { fitsAt, type DiversityCap } from "../rules/diversityWindows.ts";

/** What a page position holds: a pool item (by index in the pool) or an exploited item (by rank in the exploited list). */
export type PageSlot = { pool: number } | { rank: number };

/** Chooses the pool index for `slot` among those `fits` accepts (unused and keeping the caps), or −1 when none does. */
export type PoolPick = (slot: number, fits: (poolIndex: number) => boolean) => number;

export function layOutPage(
  exploit: readonly Candidate[],
  pool: readonly Candidate[],
  pageLength: number,
  caps: readonly DiversityCap[],
  exploring: readonly number[],
  pick: PoolPick,
): PageSlot[] {
  let active = exploring.filter((slot) => slot < pageLength);
  for (;;) {
    const activeSet = new Set(active);
    const page: (Candidate | undefined)[] = new Array<Candidate | undefined>(pageLength);
    const slots: PageSlot[] = new Array<PageSlot>(pageLength);
    let rank = 0;
    for (let position = 0; position < pageLength; position++) {
      if (activeSet.has(position)) continue;
      slots[position] = { rank };
      page[position] = exploit[rank++];
    }
    const used = new Set<number>();
    let refused = -1;
    for (const slot of active) {
      const chosen = pick(slot, (index) => !used.has(index) && fitsAt(page, slot, pool[index]!, caps));
      if (chosen < 0) {
        refused = slot;
        break;
      }
      used.add(chosen);
      page[slot] = pool[chosen];
      slots[slot] = { pool: chosen };
    }
    if (refused < 0) return slots;
    active = active.filter((slot) => slot !== refused);
  }
}

export function samePageSlot(a: PageSlot, b: PageSlot): boolean {
  return "pool" in a ? "pool" in b && a.pool === b.pool : "rank" in b && a.rank === b.rank;
}

/**
 * Propensity of every served position, estimated by replaying the policy: p̂ = (hits + 1) / (R + 1),
 * where hits counts the R replays (`replay()` lays out the page again on its own random stream)
 * that put the same item at the same position, and the served layout counts as one more sample.
 * Never 0; standard error ≈ √(p(1−p)/R); upward bias at most 1/(R + 1). Exactly 1 for a position
 * every replay fills the same way.
 */
export function replayedPropensities(served: readonly PageSlot[], replays: number, replay: () => PageSlot[]): number[] {
  const hits = new Array<number>(served.length).fill(0);
  for (let r = 0; r < replays; r++) {
    const layout = replay();
    for (let position = 0; position < served.length; position++) if (samePageSlot(layout[position]!, served[position]!)) hits[position]!++;
  }
  return hits.map((count) => (count + 1) / (replays + 1));
}
