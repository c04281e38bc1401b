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

/** Sliding counts of one cap's values over the last window − 1 placed positions. */
class WindowCounts {
  private readonly counts = new Map<string, number>();
  constructor(readonly cap: DiversityCap) {}

  allows(candidate: Candidate, position: number): boolean {
    if (position >= this.cap.depth) return true;
    const value = cappedValue(candidate, this.cap.attribute);
    if (value === undefined) return false;
    return value === null || (this.counts.get(value) ?? 0) < this.cap.maxPerWindow;
  }

  place(placed: readonly Candidate[]): void {
    this.adjust(placed[placed.length - 1]!, 1);
    const leaving = placed.length - this.cap.window;
    if (leaving >= 0) this.adjust(placed[leaving]!, -1);
  }

  private adjust(candidate: Candidate, delta: number): void {
    const value = cappedValue(candidate, this.cap.attribute);
    if (value != null) this.counts.set(value, (this.counts.get(value) ?? 0) + delta);
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
  const windows = caps.map((cap) => new WindowCounts(cap));
  const list: Candidate[] = [];
  for (const candidate of placed) {
    list.push(candidate);
    for (const window of windows) window.place(list);
  }
  const remaining = [...candidates];
  const effects: RuleEffect[] = [];
  while (list.length < depth && remaining.length > 0) {
    const position = list.length;
    const pick = remaining.findIndex((candidate) => windows.every((window) => window.allows(candidate, position)));
    if (pick < 0) {
      const rules = caps.map(describeCap).join("; ");
      for (const candidate of remaining) {
        effects.push({
          itemId: candidate.itemId,
          kind: "removed",
          reason: candidate.item ? `no position left where it keeps the caps (${rules})` : "attributes-unavailable: the caps cannot be checked",
        });
      }
      return { items: list.slice(placed.length), effects };
    }
    const [chosen] = remaining.splice(pick, 1);
    list.push(chosen!);
    for (const window of windows) window.place(list);
  }
  return { items: [...list.slice(placed.length), ...remaining], effects };
}

export function diversityCaps(caps: readonly DiversityCap[], id = caps.map((cap) => cap.id).join("+")): Rule {
  return {
    id,
    apply(_query, candidates) {
      return arrangeUnderCaps(caps, candidates);
    },
  };
}
