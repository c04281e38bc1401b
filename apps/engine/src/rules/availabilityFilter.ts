// Drops items marked unavailable. An item whose attributes were not hydrated is kept (fail open:
// the catalogue lookup failing must not empty the feed).
import type { Filter } from "../funnel/components.ts";

export function availabilityFilter(id = "availability"): Filter {
  return {
    id,
    apply(_query, candidates) {
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        if (candidate.item?.available === false) removed.push({ itemId: candidate.itemId, reason: "unavailable" });
        else kept.push(candidate);
      }
      return { kept, removed };
    },
  };
}
