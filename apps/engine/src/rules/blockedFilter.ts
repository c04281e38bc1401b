// Blocked items, categories and creators from the surface's rule set.
import type { Filter } from "../funnel/components.ts";

export type BlockList = { itemIds: readonly string[]; categories: readonly string[]; creators: readonly string[] };

export function blockedFilter(blocked: BlockList, id = "blocked"): Filter {
  const items = new Set(blocked.itemIds);
  const categories = new Set(blocked.categories);
  const creators = new Set(blocked.creators);
  return {
    id,
    apply(_query, candidates) {
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        const category = candidate.item?.category;
        const creator = candidate.item?.creatorId;
        let reason: string | null = null;
        if (items.has(candidate.itemId)) reason = "blocked item";
        else if (category !== undefined && categories.has(category)) reason = `blocked category "${category}"`;
        else if (creator != null && creators.has(creator)) reason = `blocked creator "${creator}"`;
        if (reason) removed.push({ itemId: candidate.itemId, reason });
        else kept.push(candidate);
      }
      return { kept, removed };
    },
  };
}
