// Diversity caps: at most `maxPerWindow` items sharing a category (or creator) in any `window`
// consecutive positions of the first `depth` positions.
//
// Greedy, order-preserving: each position takes the best remaining item whose value appears
// fewer than maxPerWindow times among the previous window−1 positions. Checking every position
// that way covers every window of `window` positions. When no remaining item fits (say every
// candidate is "news"), the best remaining item is placed anyway and the effect says the cap was
// relaxed: a short page would be worse than a repetitive one. Items without the attribute are
// never capped. Positions past `depth` keep their order.
import type { Candidate } from "../funnel/candidate.ts";
import type { Rule } from "../funnel/components.ts";
import type { RuleEffect } from "../funnel/trace.ts";

export type DiversityOptions = { id: string; attribute: "category" | "creator"; maxPerWindow: number; window: number; depth: number };

function valueOf(candidate: Candidate, attribute: DiversityOptions["attribute"]): string | null {
  if (!candidate.item) return null;
  return attribute === "category" ? candidate.item.category : candidate.item.creatorId;
}

export function diversityCap(options: DiversityOptions): Rule {
  const { attribute, maxPerWindow, window } = options;
  return {
    id: options.id,
    apply(_query, candidates) {
      const remaining = [...candidates];
      const placed: Candidate[] = [];
      const effects: RuleEffect[] = [];
      const inWindow = new Map<string, number>();
      const limit = Math.min(options.depth, candidates.length);
      while (placed.length < limit) {
        let pick = remaining.findIndex((candidate) => {
          const value = valueOf(candidate, attribute);
          return value === null || (inWindow.get(value) ?? 0) < maxPerWindow;
        });
        if (pick < 0) {
          pick = 0;
          effects.push({ itemId: remaining[0]!.itemId, kind: "moved", to: placed.length, reason: `no candidate fits the ${attribute} cap; cap relaxed` });
        }
        const [chosen] = remaining.splice(pick, 1);
        placed.push(chosen!);
        const value = valueOf(chosen!, attribute);
        if (value !== null) inWindow.set(value, (inWindow.get(value) ?? 0) + 1);
        // Slide the window: the item leaving the last window−1 positions no longer counts.
        const leaving = placed.length - window;
        if (leaving >= 0) {
          const left = valueOf(placed[leaving]!, attribute);
          if (left !== null) inWindow.set(left, inWindow.get(left)! - 1);
        }
      }
      return { items: [...placed, ...remaining], effects };
    },
  };
}
