// Drops the request's `excludeItemIds` (client-side exclusions and items served on earlier pages).
import type { Filter } from "../funnel/components.ts";

export function excludedItemsFilter(id = "excluded"): Filter {
  return {
    id,
    failClosed: true,
    apply(query, candidates) {
      if (query.excludeItemIds.length === 0) return { kept: [...candidates], removed: [] };
      const excluded = new Set(query.excludeItemIds);
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        if (excluded.has(candidate.itemId)) removed.push({ itemId: candidate.itemId, reason: "excluded by the request" });
        else kept.push(candidate);
      }
      return { kept, removed };
    },
  };
}
