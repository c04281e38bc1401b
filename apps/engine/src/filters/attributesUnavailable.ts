// Safety filters fail closed: an item whose catalogue attributes could not be read (the lookup
// timed out or failed, or the catalogue does not know the item) cannot be shown to pass the
// availability, blocked or expression rules, so it is removed, never served.
import type { Candidate } from "../funnel/candidate.ts";
import type { FilterOutcome } from "../funnel/components.ts";

export const ATTRIBUTES_UNAVAILABLE = "attributes-unavailable";

/** The `degraded` note of a filter outcome that removed `count` items for want of attributes. */
export function attributesUnavailableNote(count: number): string {
  return `${count} candidate${count === 1 ? "" : "s"} removed because their attributes could not be read (${ATTRIBUTES_UNAVAILABLE})`;
}

/** Splits candidates by a per-item rule; items without attributes are removed with ATTRIBUTES_UNAVAILABLE. */
export function filterWithKnownAttributes(
  candidates: readonly Candidate[],
  reasonToRemove: (candidate: Candidate & { item: NonNullable<Candidate["item"]> }) => string | null,
): FilterOutcome {
  // `kept` presized (most filters keep nearly everything) rather than grown by push, then cut to length.
  const kept = new Array<Candidate>(candidates.length);
  let keptCount = 0;
  const removed: FilterOutcome["removed"] = [];
  let unknown = 0;
  for (const candidate of candidates) {
    if (!candidate.item) {
      unknown += 1;
      removed.push({ itemId: candidate.itemId, reason: ATTRIBUTES_UNAVAILABLE });
      continue;
    }
    const reason = reasonToRemove(candidate as Candidate & { item: NonNullable<Candidate["item"]> });
    if (reason) removed.push({ itemId: candidate.itemId, reason });
    else kept[keptCount++] = candidate;
  }
  kept.length = keptCount;
  return unknown > 0 ? { kept, removed, degraded: attributesUnavailableNote(unknown) } : { kept, removed };
}
