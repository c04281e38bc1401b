// Item → category, needed by the user × category affinity (when writing and when reading). Comes
// from the catalogue (items table) through a bounded, expiring in-process cache: one query per batch
// for the ids it has not seen lately, none for the rest.
//
// Both paths use the item's *current* category; a re-categorised item moves its future engagement
// to the new category and its past engagement stays where it was counted online, while an offline
// recomputation counts the past under the new one. The skew report shows such drift.
import type { Database } from "@cascade/db";

export interface ItemCategoryLookup {
  /** Category per known item id; unknown ids are absent. */
  categoriesOf(itemIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

export type ItemCategoryCacheOptions = {
  /** Entries kept (the oldest are evicted first). */
  maxEntries?: number;
  /** How long a category (or "unknown item") is trusted before it is read again. */
  ttlMs?: number;
  now?: () => number;
};

/** Reads the category of each id found in the catalogue (a Prisma client, or a plain query for processes without one). */
export type ItemCategorySource = Database | ((itemIds: string[]) => Promise<{ id: string; category: string }[]>);

export function createItemCategoryCache(source: ItemCategorySource, options: ItemCategoryCacheOptions = {}): ItemCategoryLookup {
  const query =
    typeof source === "function"
      ? source
      : (ids: string[]) => source.$queryRaw<{ id: string; category: string }[]>`SELECT id, category FROM items WHERE id = ANY(${ids}::text[])`;
  const maxEntries = options.maxEntries ?? 200_000;
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { category: string | null; expiresAt: number }>();

  return {
    async categoriesOf(itemIds) {
      const at = now();
      const result = new Map<string, string>();
      const missing = new Set<string>();
      for (const itemId of itemIds) {
        const cached = cache.get(itemId);
        if (cached && cached.expiresAt > at) {
          if (cached.category !== null) result.set(itemId, cached.category);
        } else {
          missing.add(itemId);
        }
      }
      if (missing.size === 0) return result;
      const ids = [...missing];
      const rows = await query(ids);
      const found = new Map(rows.map((row) => [row.id, row.category]));
      for (const itemId of ids) {
        const category = found.get(itemId) ?? null;
        cache.delete(itemId); // re-insert at the end: Map order is the eviction order
        cache.set(itemId, { category, expiresAt: at + ttlMs });
        if (category !== null) result.set(itemId, category);
      }
      for (const oldest of cache.keys()) {
        if (cache.size <= maxEntries) break;
        cache.delete(oldest);
      }
      return result;
    },
  };
}

/** A fixed map (tests, or callers that already know the categories). */
export function fixedItemCategories(categories: Readonly<Record<string, string>> | ReadonlyMap<string, string>): ItemCategoryLookup {
  const map = categories instanceof Map ? categories : new Map(Object.entries(categories));
  return {
    async categoriesOf(itemIds) {
      const result = new Map<string, string>();
      for (const itemId of itemIds) {
        const category = map.get(itemId);
        if (category !== undefined) result.set(itemId, category);
      }
      return result;
    },
  };
}

const NO_CATEGORIES = fixedItemCategories(new Map());
let processDefault: ItemCategoryLookup | null = null;

/**
 * Boot calls this once with the database, so `applyEventsToOnlineStore` / `readOnlineFeatures`
 * callers that pass no lookup (the stream consumer, the recommender) share one cache.
 */
export function useItemCategoriesFrom(source: ItemCategorySource, options?: ItemCategoryCacheOptions): ItemCategoryLookup {
  processDefault = createItemCategoryCache(source, options);
  return processDefault;
}

/** The process-wide lookup; before boot configured one, every item's category is unknown. */
export function defaultItemCategories(): ItemCategoryLookup {
  return processDefault ?? NO_CATEGORIES;
}

export function isItemCategoriesConfigured(): boolean {
  return processDefault !== null;
}
