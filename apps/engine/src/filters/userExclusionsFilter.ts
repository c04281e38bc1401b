// Items the user hid, disliked or bought are never shown again. The `userExclusions` query
// hydrator (hydrators/userExclusions.ts) reads them into the query as `hiddenItemIds`; this filter
// drops them. Without them (the read failed or overran the safety budget) no candidate can be shown
// not to be hidden, so it fails closed: all are removed (and the safe fallback faces the same check).
import type { Filter } from "../funnel/index.ts";

export const EXCLUSIONS_UNAVAILABLE = "exclusions-unavailable";

export function userExclusionsFilter(): Filter {
  return {
    id: "userExclusions",
    failClosed: true,
    apply(query, candidates) {
      const hidden = query.hiddenItemIds;
      if (!hidden) {
        return {
          kept: [],
          removed: candidates.map((candidate) => ({ itemId: candidate.itemId, reason: EXCLUSIONS_UNAVAILABLE })),
          ...(candidates.length > 0
            ? {
                degraded: `the user's hidden, disliked and bought items could not be read: ${candidates.length} candidates removed (${EXCLUSIONS_UNAVAILABLE})`,
              }
            : {}),
        };
      }
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        if (hidden.has(candidate.itemId)) removed.push({ itemId: candidate.itemId, reason: "the user hid, disliked or bought it" });
        else kept.push(candidate);
      }
      return { kept, removed };
    },
  };
}
