// Drops the request's `excludeItemIds` (client-side exclusions and items served on earlier pages).
import type { Filter } from "../funnel/components.ts";
import { removeItemsIn } from "./itemSetFilter.ts";

export function excludedItemsFilter(id = "excluded"): Filter {
  return {
    id,
    apply(query, candidates) {
      if (query.excludeItemIds.length === 0) return { kept: [...candidates], removed: [] };
      return removeItemsIn(candidates, new Set(query.excludeItemIds), "excluded by the request");
    },
  };
}
