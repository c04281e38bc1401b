// Drops the items the user consumed (purchased, rated, watched to the end, … per the surface's
// `filters.consumed`), from the set a query hydrator read from the event log. Fails closed: when
// that set could not be read, no candidate can be shown not to be consumed, so all are removed
// (the fallback list then faces the same check).
import type { Filter } from "../funnel/components.ts";

export const CONSUMED_UNAVAILABLE = "consumed-items-unavailable";

export function consumedFilter(id = "consumed"): Filter {
  return {
    id,
    failClosed: true,
    apply(query, candidates) {
      const consumed = query.consumedItemIds;
      if (!consumed) {
        return {
          kept: [],
          removed: candidates.map((candidate) => ({ itemId: candidate.itemId, reason: CONSUMED_UNAVAILABLE })),
          ...(candidates.length > 0
            ? { degraded: `the user's consumed items could not be read: ${candidates.length} candidates removed (${CONSUMED_UNAVAILABLE})` }
            : {}),
        };
      }
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        if (consumed.has(candidate.itemId)) removed.push({ itemId: candidate.itemId, reason: "consumed by the user" });
        else kept.push(candidate);
      }
      return { kept, removed };
    },
  };
}
