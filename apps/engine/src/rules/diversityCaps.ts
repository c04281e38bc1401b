// Diversity caps, all of a surface's at once (category, creator, …): the config's diversity rules
// are one published constraint, so one selection pass satisfies them jointly. Running them one
// after the other let the second undo the first (categoryDiversity after creatorDiversity put
// same-creator items side by side).
//
// Greedy, order-preserving: each position takes the best remaining item that breaks no cap in
// any window (see diversityWindows.ts), searching the whole remaining list. A cap is never relaxed:
// when no remaining item fits a position, the list ends there and the items that could not be
// placed are removed (a shorter page only when nothing else fits). Items without the attribute
// (no creator) are never capped; items whose attributes are unknown cannot be checked and are not
// placed inside a cap's depth. Positions past the deepest cap keep their order.
import type { Candidate } from "../funnel/candidate.ts";
import type { Rule } from "../funnel/components.ts";
import type { RuleEffect } from "../funnel/trace.ts";
import { cappedValue, describeCap, type DiversityCap } from "./diversityWindows.ts";

/** valueIds entries: not looked up yet, no value (never capped), attributes unknown (cannot be checked). */
const UNSEEN = -3;
const UNCAPPED = -2;
const UNKNOWN = -1;

/**
 * One cap's sliding counts over the last window − 1 placed positions, by value id (each distinct
 * value numbered on first sight), so the greedy pass does integer lookups, not string Map updates.
 */
class WindowCounts {
  private readonly ids = new Map<string, number>();
  private counts = new Int32Array(16);
  /** The value id of every item (placed ones first, then candidates), filled on first look. */
  private readonly valueIds: Int32Array;

  constructor(
    readonly cap: DiversityCap,
    private readonly items: readonly Candidate[],
  ) {
    this.valueIds = new Int32Array(items.length).fill(UNSEEN);
  }

  valueOf(index: number): number {
    let id = this.valueIds[index]!;
    if (id !== UNSEEN) return id;
    const value = cappedValue(this.items[index]!, this.cap.attribute);
    if (value === undefined) id = UNKNOWN;
    else if (value === null) id = UNCAPPED;
    else {
      id = this.ids.get(value) ?? this.ids.size;
      if (id === this.ids.size) {
        this.ids.set(value, id);
        if (id === this.counts.length) {
          const grown = new Int32Array(2 * id);
          grown.set(this.counts);
          this.counts = grown;
        }
      }
    }
    this.valueIds[index] = id;
    return id;
  }

  allows(index: number, position: number): boolean {
    if (position >= this.cap.depth) return true;
    const id = this.valueOf(index);
    if (id === UNKNOWN) return false;
    return id === UNCAPPED || this.counts[id]! < this.cap.maxPerWindow;
  }

  /** `placed` holds the item indices of the list so far, `length` of them; the last one was just placed. */
  place(placed: Int32Array, length: number): void {
    this.adjust(placed[length - 1]!, 1);
    const leaving = length - this.cap.window;
    if (leaving >= 0) this.adjust(placed[leaving]!, -1);
  }

  private adjust(index: number, delta: number): void {
    const id = this.valueOf(index);
    if (id >= 0) this.counts[id]! += delta;
  }
}

/**
 * The greedy pass: arranges `candidates` to follow `placed` (items already on the page, fixed) so
 * that every cap holds over the whole list. Returns the arranged candidates (without `placed`).
 */
export function arrangeUnderCaps(
  caps: readonly DiversityCap[],
  candidates: readonly Candidate[],
  placed: readonly Candidate[] = [],
): { items: Candidate[]; effects: RuleEffect[] } {
  const depth = Math.max(0, ...caps.map((cap) => cap.depth));
  // Items by index: `placed` first, then `candidates`; the list is kept as indices.
  const all = placed.length === 0 ? candidates : [...placed, ...candidates];
  const windows = caps.map((cap) => new WindowCounts(cap, all));
  const list = new Int32Array(all.length);
  let listed = 0;
  for (let index = 0; index < placed.length; index++) {
    list[listed++] = index;
    for (const window of windows) window.place(list, listed);
  }
  // Remaining candidates in order: the ones not taken yet, from the first untaken one on.
  const taken = new Uint8Array(all.length);
  let firstUntaken = placed.length;
  let left = candidates.length;
  const arranged: Candidate[] = [];
  const effects: RuleEffect[] = [];
  while (listed < depth && left > 0) {
    const position = listed;
    let pick = -1;
    for (let index = firstUntaken; index < all.length && pick < 0; index++) {
      if (taken[index] === 1) continue;
      let fits = true;
      for (let w = 0; w < windows.length && fits; w++) fits = windows[w]!.allows(index, position);
      if (fits) pick = index;
    }
    if (pick < 0) {
      const rules = caps.map(describeCap).join("; ");
      for (let index = firstUntaken; index < all.length; index++) {
        if (taken[index] === 1) continue;
        const candidate = all[index]!;
        effects.push({
          itemId: candidate.itemId,
          kind: "removed",
          reason: candidate.item ? `no position left where it keeps the caps (${rules})` : "attributes-unavailable: the caps cannot be checked",
        });
      }
      return { items: arranged, effects };
    }
    taken[pick] = 1;
    left -= 1;
    while (firstUntaken < all.length && taken[firstUntaken] === 1) firstUntaken++;
    arranged.push(all[pick]!);
    list[listed++] = pick;
    for (const window of windows) window.place(list, listed);
  }
  for (let index = firstUntaken; index < all.length; index++) if (taken[index] === 0) arranged.push(all[index]!);
  return { items: arranged, effects };
}

export function diversityCaps(caps: readonly DiversityCap[], id = caps.map((cap) => cap.id).join("+")): Rule {
  return {
    id,
    apply(_query, candidates) {
      return arrangeUnderCaps(caps, candidates);
    },
  };
}
