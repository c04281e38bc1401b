// Drops the items the user consumed (purchased, rated, watched to the end, … per the surface's
// `filters.consumed`), from the set a query hydrator read from the event log. Fails closed
// (itemSetFilter.ts).
import type { Filter } from "../funnel/components.ts";
import { userItemSetFilter } from "./itemSetFilter.ts";

export const CONSUMED_UNAVAILABLE = "consumed-items-unavailable";

export function consumedFilter(id = "consumed"): Filter {
  return userItemSetFilter({
    id,
    itemsOf: (query) => query.consumedItemIds,
    removedReason: "consumed by the user",
    unreadable: "the user's consumed items",
    unavailableCode: CONSUMED_UNAVAILABLE,
  });
}
