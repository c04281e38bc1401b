// The shape shared by the filters that drop a set of item ids: the request's exclusions, and the
// per-user sets a query hydrator reads into the query (hidden, consumed). When such a set could not
// be read, no candidate can be shown not to be in it, so all are removed and the page is marked
// degraded (the fallback list then faces the same check); a filter that throws fails closed too
// (serving/failurePolicy.ts).
import type { Candidate, Filter, FilterOutcome, FunnelQuery } from "../funnel/index.ts";

/** Keeps the candidates not in `items`; the others are removed with `reason`. */
export function removeItemsIn(candidates: readonly Candidate[], items: ReadonlySet<string>, reason: string): FilterOutcome {
  // Most requests remove nothing here: find the first item to remove before building anything, so
  // that case costs one exact-size copy instead of growing `kept` by push.
  let first = 0;
  while (first < candidates.length && !items.has(candidates[first]!.itemId)) first++;
  if (first === candidates.length) return { kept: candidates.slice(), removed: [] };
  const kept = candidates.slice(0, first);
  const removed = [];
  for (let i = first; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (items.has(candidate.itemId)) removed.push({ itemId: candidate.itemId, reason });
    else kept.push(candidate);
  }
  return { kept, removed };
}

export type UserItemSetFilterOptions = {
  id: string;
  /** The set as the query hydrator left it in the query; undefined when it could not be read. */
  itemsOf(query: FunnelQuery): ReadonlySet<string> | undefined;
  /** Why an item in the set is removed ("consumed by the user"). */
  removedReason: string;
  /** What could not be read, for the degraded cause ("the user's consumed items"). */
  unreadable: string;
  /** The removal reason when the set is missing (a stable code: "consumed-items-unavailable"). */
  unavailableCode: string;
};

export function userItemSetFilter(options: UserItemSetFilterOptions): Filter {
  return {
    id: options.id,
    apply(query, candidates) {
      const items = options.itemsOf(query);
      if (items) return removeItemsIn(candidates, items, options.removedReason);
      return {
        kept: [],
        removed: candidates.map((candidate) => ({ itemId: candidate.itemId, reason: options.unavailableCode })),
        ...(candidates.length > 0
          ? { degraded: `${options.unreadable} could not be read: ${candidates.length} candidates removed (${options.unavailableCode})` }
          : {}),
      };
    },
  };
}
