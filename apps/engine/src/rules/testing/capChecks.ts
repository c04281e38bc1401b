// Test support: an independent check of diversity caps over a served list (every window of every
// cap, brute force), so the rule and the explorers are not checked with their own code.
import type { Candidate } from "../../funnel/candidate.ts";
import type { DiversityCap } from "../diversityWindows.ts";

/** Every violation as "capId@start": a window of `window` positions inside the cap's depth holding more than maxPerWindow of one value. */
export function capViolations(list: readonly Candidate[], caps: readonly DiversityCap[]): string[] {
  const violations: string[] = [];
  for (const cap of caps) {
    const end = Math.min(list.length, cap.depth);
    for (let start = 0; start < end; start++) {
      const counts = new Map<string, number>();
      for (let i = start; i < Math.min(start + cap.window, end); i++) {
        const item = list[i]!.item;
        const value = item ? (cap.attribute === "category" ? item.category : item.creatorId) : `unknown:${list[i]!.itemId}`;
        if (value === null) continue;
        counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      if ([...counts.values()].some((count) => count > cap.maxPerWindow)) violations.push(`${cap.id}@${start}`);
    }
  }
  return violations;
}
