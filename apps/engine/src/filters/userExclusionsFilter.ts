// Items the user hid, disliked or bought are never shown again. The `userExclusions` query
// hydrator (hydrators/userExclusions.ts) reads them into the query as `hiddenItemIds`; this filter
// drops them, and fails closed when they could not be read (itemSetFilter.ts).
import type { Filter } from "../funnel/index.ts";
import { userItemSetFilter } from "./itemSetFilter.ts";

export const EXCLUSIONS_UNAVAILABLE = "exclusions-unavailable";

export function userExclusionsFilter(): Filter {
  return userItemSetFilter({
    id: "userExclusions",
    itemsOf: (query) => query.hiddenItemIds,
    removedReason: "the user hid, disliked or bought it",
    unreadable: "the user's hidden, disliked and bought items",
    unavailableCode: EXCLUSIONS_UNAVAILABLE,
  });
}
