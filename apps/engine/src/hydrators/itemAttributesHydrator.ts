// Candidate hydrator `itemAttributes`: catalogue attributes for every merged candidate in one
// cached batch (itemAttributeCache.ts). A candidate not in the catalogue keeps no attributes; the
// `knownItems` filter (rerank) drops it.
import type { Filter, Scorer, ScoreUpdate } from "../funnel/index.ts";
import type { ItemAttributeCache } from "../caching/itemAttributeCache.ts";

export function itemAttributesHydrator(cache: ItemAttributeCache, budgetMs: number): Scorer {
  return {
    id: "itemAttributes",
    budgetMs,
    writes: ["item"],
    async score(_query, candidates): Promise<ScoreUpdate[]> {
      // By candidate index (the list's slots, shared with `onlineFeatures`): no lookup by id here.
      const attributes = await cache.attributesOfCandidateRows(candidates);
      const updates = new Array<ScoreUpdate>(candidates.length);
      for (let row = 0; row < candidates.length; row += 1) {
        const item = attributes[row];
        updates[row] = item ? { item } : {};
      }
      return updates;
    },
  };
}

/** Drops candidates the catalogue does not know (only meaningful after itemAttributes ran). */
export function knownItemsFilter(): Filter {
  return {
    id: "knownItems",
    apply(_query, candidates) {
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        if (candidate.item) kept.push(candidate);
        else removed.push({ itemId: candidate.itemId, reason: "not in the catalogue (or its attributes could not be read)" });
      }
      return { kept, removed };
    },
  };
}
