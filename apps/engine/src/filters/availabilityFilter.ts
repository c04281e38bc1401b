// Drops items marked unavailable, and fails closed: an item whose attributes were not hydrated
// (lookup timed out or failed, unknown item) is dropped too, since it may be unavailable.
import type { Filter } from "../funnel/components.ts";
import { filterWithKnownAttributes } from "./attributesUnavailable.ts";

export function availabilityFilter(id = "availability"): Filter {
  return {
    id,
    apply(_query, candidates) {
      return filterWithKnownAttributes(candidates, (candidate) => (candidate.item.available ? null : "unavailable"));
    },
  };
}
