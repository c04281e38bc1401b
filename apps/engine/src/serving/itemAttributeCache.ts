// Catalogue attributes (category, creator, tags, publication time, availability, numeric
// attributes) of candidate items, for filters, rules and the item features: a bounded, expiring
// in-process cache in front of ONE Postgres query per request for the ids it has not seen lately.
// Items change rarely and a minute of staleness is acceptable for availability (the source of a
// removal still reaches every replica within ttlMs).
import type { Database } from "@cascade/db";
import type { ItemCategoryLookup } from "../features/itemCategories.ts";
import type { ItemAttributes } from "../funnel/index.ts";

export type ItemAttributeCacheOptions = { maxEntries?: number; ttlMs?: number; now?: () => number };

type Row = { id: string; category: string; creatorId: string | null; tags: string[]; publishedAt: Date; available: boolean; attributes: unknown };

function numbersOf(attributes: unknown): Record<string, number> | undefined {
  if (typeof attributes !== "object" || attributes === null) return undefined;
  let numbers: Record<string, number> | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "number" && Number.isFinite(value)) (numbers ??= {})[key] = value;
  }
  return numbers;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

export class ItemAttributeCache {
  /** One string per distinct category / creator id instead of one per cached item (memory at 1M items). */
  private readonly interned = new Map<string, string>();
  private readonly cache = new Map<string, { item: ItemAttributes | null; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly pending = new Map<string, Promise<ItemAttributes | null>>();

  constructor(
    private readonly db: Database,
    options: ItemAttributeCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 200_000;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Attributes per known item id; unknown ids are absent. */
  async attributesOf(itemIds: readonly string[]): Promise<Map<string, ItemAttributes>> {
    const at = this.now();
    const result = new Map<string, ItemAttributes>();
    const missing: string[] = [];
    const waiting: Promise<void>[] = [];
    for (const itemId of itemIds) {
      const cached = this.cache.get(itemId);
      if (cached && cached.expiresAt > at) {
        if (cached.item) result.set(itemId, cached.item);
        continue;
      }
      // Another hydrator of the same request may be reading it right now: share that query.
      const pending = this.pending.get(itemId);
      if (pending) {
        waiting.push(
          pending.then((item) => {
            if (item) result.set(itemId, item);
          }),
        );
      } else missing.push(itemId);
    }
    if (missing.length > 0) {
      const read = this.read(missing, at);
      // A waiter sees a failed read as "no attributes" (its own caller is the one that fails); the
      // catch also keeps a failed read from becoming an unhandled rejection when nobody waits.
      for (const itemId of missing) this.pending.set(itemId, read.then((found) => found.get(itemId) ?? null).catch(() => null));
      try {
        const found = await read;
        for (const [itemId, item] of found) result.set(itemId, item);
      } finally {
        for (const itemId of missing) this.pending.delete(itemId);
      }
    }
    await Promise.all(waiting);
    return result;
  }

  /** Category per known item (features/itemCategories.ts's interface), from the same cache. */
  categoryLookup(): ItemCategoryLookup {
    return {
      categoriesOf: async (itemIds) => new Map([...(await this.attributesOf(itemIds))].map(([itemId, item]) => [itemId, item.category])),
    };
  }

  private intern(value: string): string {
    const known = this.interned.get(value);
    if (known !== undefined) return known;
    // Bounded: past 100k distinct values (an unusual catalogue), stop interning rather than grow.
    if (this.interned.size < 100_000) this.interned.set(value, value);
    return value;
  }

  private async read(missing: readonly string[], at: number): Promise<Map<string, ItemAttributes>> {
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT id, category, creator_id AS "creatorId", tags, published_at AS "publishedAt", available, attributes
      FROM items WHERE id = ANY(${missing}::text[])`;
    const found = new Map<string, ItemAttributes>();
    for (const row of rows) {
      const numbers = numbersOf(row.attributes);
      const tags = row.tags.length === 0 ? NO_TAGS : row.tags;
      const creatorId = row.creatorId === null ? null : this.intern(row.creatorId);
      found.set(row.id, { category: this.intern(row.category), creatorId, tags, publishedAtMs: row.publishedAt.getTime(), available: row.available, ...(numbers ? { numbers } : {}) });
    }
    for (const itemId of missing) {
      const item = found.get(itemId) ?? null;
      this.cache.delete(itemId);
      this.cache.set(itemId, { item, expiresAt: at + this.ttlMs });
    }
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.maxEntries) break;
      this.cache.delete(oldest);
    }
    return found;
  }
}
