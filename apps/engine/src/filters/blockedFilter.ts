// Blocked items, categories and creators from the surface's rule set. Blocked item ids need no
// attributes; when categories or creators are blocked, an item whose attributes could not be read
// is dropped (fail closed: it may be in a blocked category).
import type { Filter } from "../funnel/components.ts";
import { filterWithKnownAttributes } from "./attributesUnavailable.ts";

export type BlockList = { itemIds: readonly string[]; categories: readonly string[]; creators: readonly string[] };

export function blockedFilter(blocked: BlockList, id = "blocked"): Filter {
  const items = new Set(blocked.itemIds);
  const categories = new Set(blocked.categories);
  const creators = new Set(blocked.creators);
  const needsAttributes = categories.size + creators.size > 0;
  return {
    id,
    apply(_query, candidates) {
      const notBlockedById = [];
      const removed = [];
      for (const candidate of candidates) {
        if (items.has(candidate.itemId)) removed.push({ itemId: candidate.itemId, reason: "blocked item" });
        else notBlockedById.push(candidate);
      }
      if (!needsAttributes) return { kept: notBlockedById, removed };
      const byAttributes = filterWithKnownAttributes(notBlockedById, ({ item }) => {
        if (categories.has(item.category)) return `blocked category "${item.category}"`;
        if (item.creatorId !== null && creators.has(item.creatorId)) return `blocked creator "${item.creatorId}"`;
        return null;
      });
      return { ...byAttributes, removed: [...removed, ...byAttributes.removed] };
    },
  };
}
