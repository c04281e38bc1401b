// Diversity caps as windows: "at most maxPerWindow items sharing a category (or creator) in any
// `window` consecutive positions among the first `depth`". Shared by the joint diversity rule
// (diversityCaps.ts), which arranges the ranked list, and by the exploration policies, which may
// only put an explored item where it breaks no cap.
import type { Candidate } from "../funnel/candidate.ts";

export type DiversityCap = { id: string; attribute: "category" | "creator"; maxPerWindow: number; window: number; depth: number };

/**
 * The capped value of an item: null when the item has no value for the attribute (no creator),
 * which is never capped; undefined when its attributes are unknown, which no cap can be checked on.
 */
export function cappedValue(candidate: Candidate, attribute: DiversityCap["attribute"]): string | null | undefined {
  if (!candidate.item) return undefined;
  return attribute === "category" ? candidate.item.category : candidate.item.creatorId;
}

export function describeCap(cap: DiversityCap): string {
  return `${cap.id}: at most ${cap.maxPerWindow} per ${cap.window} positions by ${cap.attribute}`;
}

/**
 * Whether `candidate` at `position` keeps every cap, given the other positions of `layout`
 * (`undefined` = not decided yet, counts as nothing). Checks every window of each cap that contains
 * the position and ends inside the cap's depth; O(window) per cap.
 */
let sameScratch = new Uint8Array(64);

export function fitsAt(layout: readonly (Candidate | undefined)[], position: number, candidate: Candidate, caps: readonly DiversityCap[]): boolean {
  for (const cap of caps) {
    if (position >= cap.depth) continue;
    const value = cappedValue(candidate, cap.attribute);
    if (value === undefined) return false;
    if (value === null) continue;
    const first = Math.max(0, position - cap.window + 1);
    const last = Math.min(position + cap.window - 1, cap.depth - 1, layout.length - 1);
    // same[i - first] = 1 when position i holds the value (the candidate itself at `position`).
    // One buffer for every call (fitsAt runs thousands of times per request in exploration replays).
    if (sameScratch.length < last - first + 1) sameScratch = new Uint8Array(2 * (last - first + 1));
    const same = sameScratch;
    for (let i = first; i <= last; i++) {
      const other = i === position ? candidate : layout[i];
      same[i - first] = other !== undefined && cappedValue(other, cap.attribute) === value ? 1 : 0;
    }
    // Windows [end − window + 1, end] for every end from `position` to `last`.
    for (let end = position; end <= last; end++) {
      let count = 0;
      for (let i = Math.max(first, end - cap.window + 1); i <= end; i++) count += same[i - first]!;
      if (count > cap.maxPerWindow) return false;
    }
  }
  return true;
}
