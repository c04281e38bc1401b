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

/** Positions and pool items of a layout, reused across layouts (a request lays out its page once, then hundreds of times for the propensities). */
export class PageLayouter {
  private readonly page: (Candidate | undefined)[];
  private readonly codes: Int32Array;
  /** The layout when no slot explores: every position keeps its exploited item (most of an ε-greedy request's replays). */
  readonly greedyCodes: Int32Array;
  private readonly exploringFlags: Uint8Array;
  private readonly used: Uint8Array;
  private readonly usedList: number[] = [];
  private readonly active: number[] = [];
  private slot = 0;
  /** One closure for every slot (the slot is a field): `pick`'s `fits`. */
  private readonly fits = (index: number): boolean => this.used[index] === 0 && fitsAt(this.page, this.slot, this.pool[index]!, this.caps);

  constructor(
    private readonly exploit: readonly Candidate[],
    private readonly pool: readonly Candidate[],
    private readonly pageLength: number,
    private readonly caps: readonly DiversityCap[],
  ) {
    this.page = new Array<Candidate | undefined>(pageLength);
    this.codes = new Int32Array(pageLength);
    this.greedyCodes = new Int32Array(pageLength);
    for (let position = 0; position < pageLength; position++) this.greedyCodes[position] = position;
    this.exploringFlags = new Uint8Array(pageLength);
    this.used = new Uint8Array(pool.length);
  }

  /**
   * The layout (header) as one code per position: the exploited item of rank r → r, the pool item
   * of index i → −1 − i. The array returned is overwritten by the next call and must not be written to.
   * `exploring` may be a reused buffer: only its first `count` slots are read.
   */
  layOut(exploring: ArrayLike<number>, pick: PoolPick, count = exploring.length): Int32Array {
    // Counters over reused buffers rather than `length = 0` and fill(): this runs once per
    // propensity replay, hundreds of times per request.
    const { page, codes, exploringFlags, used, usedList, active, exploit, pool, pageLength } = this;
    let activeCount = 0;
    for (let i = 0; i < count; i++) {
      const slot = exploring[i]!;
      if (slot < pageLength) active[activeCount++] = slot;
    }
    for (;;) {
      // No exploring slot (left): the exploited items in order, with no pick to make.
      if (activeCount === 0) return this.greedyCodes;
      for (let i = 0; i < activeCount; i++) exploringFlags[active[i]!] = 1;
      let rank = 0;
      for (let position = 0; position < pageLength; position++) {
        if (exploringFlags[position] === 1) {
          page[position] = undefined;
          continue;
        }
        codes[position] = rank;
        page[position] = exploit[rank++];
      }
      for (let i = 0; i < activeCount; i++) exploringFlags[active[i]!] = 0;
      // `used` is all zero here, and is cleared again below from the list of what this layout used.
      let usedCount = 0;
      let refused = -1;
      for (let i = 0; i < activeCount; i++) {
        const slot = active[i]!;
        this.slot = slot;
        const chosen = pick(slot, this.fits);
        if (chosen < 0) {
          refused = slot;
          break;
        }
        used[chosen] = 1;
        usedList[usedCount++] = chosen;
        page[slot] = pool[chosen];
        codes[slot] = -1 - chosen;
      }
      for (let i = 0; i < usedCount; i++) used[usedList[i]!] = 0;
      if (refused < 0) return codes;
      let kept = 0;
      for (let i = 0; i < activeCount; i++) if (active[i] !== refused) active[kept++] = active[i]!;
      activeCount = kept;
    }
  }
}

export function pageSlotsOf(codes: ArrayLike<number>): PageSlot[] {
  return Array.from(codes, (code) => (code < 0 ? { pool: -1 - code } : { rank: code }));
}

function codeOf(slot: PageSlot): number {
  return "pool" in slot ? -1 - slot.pool : slot.rank;
}

export function layOutPage(
  exploit: readonly Candidate[],
  pool: readonly Candidate[],
  pageLength: number,
  caps: readonly DiversityCap[],
  exploring: readonly number[],
  pick: PoolPick,
): PageSlot[] {
  return pageSlotsOf(new PageLayouter(exploit, pool, pageLength, caps).layOut(exploring, pick));
}

export function samePageSlot(a: PageSlot, b: PageSlot): boolean {
  return "pool" in a ? "pool" in b && a.pool === b.pool : "rank" in b && a.rank === b.rank;
}

/**
 * Propensity of every served position, estimated by replaying the policy: p̂ = (hits + 1) / (R + 1),
 * where hits counts the R replays (`replay()` lays out the page again on its own random stream)
 * that put the same item at the same position, and the served layout counts as one more sample.
 * `replay()` returns the layout as codes (PageLayouter.layOut), so replays allocate nothing per position.
 * Never 0; standard error ≈ √(p(1−p)/R); upward bias at most 1/(R + 1). Exactly 1 for a position
 * every replay fills the same way.
 */
export function replayedPropensities(
  served: readonly PageSlot[],
  replays: number,
  replay: () => ArrayLike<number>,
  /** A layout object replay() returns unchanged whenever it applies (PageLayouter.greedyCodes): counted, then compared once. */
  fixed?: ArrayLike<number>,
): number[] {
  const servedCodes = Int32Array.from(served, codeOf);
  const positions = servedCodes.length;
  const hits = new Int32Array(positions);
  let fixedReplays = 0;
  for (let r = 0; r < replays; r++) {
    // Codes (PageLayouter.layOut): the same slot is the same code.
    const layout = replay();
    if (layout === fixed) fixedReplays++;
    else for (let position = 0; position < positions; position++) if (layout[position] === servedCodes[position]) hits[position]!++;
  }
  if (fixed !== undefined && fixedReplays > 0)
    for (let position = 0; position < positions; position++) if (fixed[position] === servedCodes[position]) hits[position]! += fixedReplays;
  return Array.from(hits, (count) => (count + 1) / (replays + 1));
}
