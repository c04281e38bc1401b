// Catalogue attributes (category, creator, tags, publication time, availability, numeric
// attributes) of candidate items, for filters, rules and the item features: a bounded, expiring
// in-process cache in front of ONE Postgres query per request for the ids it has not seen lately.
// Items change rarely and a minute of staleness is acceptable for availability (the source of a
// removal still reaches every replica within ttlMs).
import type { Candidate, ItemAttributes } from "../funnel/index.ts";
import { GenerationalMap } from "./generationalMap.ts";
import type { ServingSql } from "../postgres/servingSql.ts";

export type ItemAttributeCacheOptions = { maxEntries?: number; ttlMs?: number; now?: () => number };

type Row = { id: string; category: string; creatorId: string | null; tags: string[]; publishedAtMs: number; available: boolean; attributes: unknown };

function numbersOf(attributes: unknown): Record<string, number> | undefined {
  if (typeof attributes !== "object" || attributes === null) return undefined;
  let numbers: Record<string, number> | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "number" && Number.isFinite(value)) (numbers ??= {})[key] = value;
  }
  return numbers;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

// Publication time as epoch milliseconds (exact: the column keeps milliseconds), not a Date parsed
// from text and then converted, for a few hundred rows per request.
const COLUMNS = `id, category, creator_id AS "creatorId", tags, (extract(epoch FROM published_at) * 1000)::float8 AS "publishedAtMs", available, attributes`;

/** Categories of one request's candidates, looked up from the candidate list itself (see attributesOfCandidates). */
export type CandidateCategoryLookup = { categoriesOfCandidates(candidates: readonly Candidate[]): Promise<{ get(itemId: string): string | undefined }> };

export class ItemAttributeCache {
  /** One string per distinct category / creator id instead of one per cached item (memory at 1M items). */
  private readonly interned = new Map<string, string>();
  /** Never deletes a key (see generationalMap.ts): a Map compacting its deleted slots stalled requests. */
  private readonly cache: GenerationalMap<{ item: ItemAttributes | null; expiresAt: number }>;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Item id → the read (one per batch, shared by its ids) that is fetching it right now. */
  private readonly pending = new Map<string, Promise<Map<string, ItemAttributes>>>();
  private readonly byCandidateList = new WeakMap<readonly Candidate[], Promise<Map<string, ItemAttributes>>>();

  constructor(
    private readonly sql: ServingSql,
    options: ItemAttributeCacheOptions = {},
  ) {
    this.cache = new GenerationalMap(options.maxEntries ?? 200_000);
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
        // A waiter sees a failed read as "no attributes" (its own caller is the one that fails).
        waiting.push(
          pending.then(
            (found) => {
              const item = found.get(itemId);
              if (item) result.set(itemId, item);
            },
            () => undefined,
          ),
        );
      } else missing.push(itemId);
    }
    if (missing.length > 0) {
      // The batch's one promise for all its ids (no promise per id: a few hundred misses per request
      // at 1M items); a failure is handled by the await below, and by each waiter.
      const read = this.read(missing, at);
      for (const itemId of missing) this.pending.set(itemId, read);
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

  /**
   * attributesOf the candidates' ids, looked up once per candidate list: the `itemAttributes` and
   * `onlineFeatures` hydrators run concurrently over the same list, and each lookup of ~500 ids in
   * a catalogue-sized map costs a few hundred microseconds.
   */
  attributesOfCandidates(candidates: readonly Candidate[]): Promise<Map<string, ItemAttributes>> {
    let found = this.byCandidateList.get(candidates);
    if (!found) {
      found = this.attributesOf(candidates.map((candidate) => candidate.itemId));
      this.byCandidateList.set(candidates, found);
      // A failed lookup is the caller's to handle, and not to be shared with a later caller.
      found.catch(() => this.byCandidateList.delete(candidates));
    }
    return found;
  }

  /** Categories for the `onlineFeatures` hydrator from the same per-list lookup. */
  candidateCategories(): CandidateCategoryLookup {
    return {
      categoriesOfCandidates: async (candidates) => {
        const attributes = await this.attributesOfCandidates(candidates);
        return { get: (itemId) => attributes.get(itemId)?.category };
      },
    };
  }

  private intern(value: string): string {
    const known = this.interned.get(value);
    if (known !== undefined) return known;
    // Bounded: past 100k distinct values (an unusual catalogue), stop interning rather than grow.
    if (this.interned.size < 100_000) this.interned.set(value, value);
    return value;
  }

  /**
   * Reads up to `limit` items (newest first) into the cache, so the first requests after a start do
   * not pay a cold catalogue read inside the safety budget (past it their items would be dropped).
   */
  async preload(limit: number): Promise<number> {
    const at = this.now();
    const rows = await this.sql.rows<Row>(`SELECT ${COLUMNS} FROM items ORDER BY published_at DESC LIMIT $1::int`, [limit]);
    for (const row of rows) this.cache.set(row.id, { item: this.toAttributes(row), expiresAt: at + this.ttlMs });
    return rows.length;
  }

  private toAttributes(row: Row): ItemAttributes {
    const numbers = numbersOf(row.attributes);
    const tags = row.tags.length === 0 ? NO_TAGS : row.tags;
    const creatorId = row.creatorId === null ? null : this.intern(row.creatorId);
    return {
      category: this.intern(row.category),
      creatorId,
      tags,
      publishedAtMs: row.publishedAtMs,
      available: row.available,
      ...(numbers ? { numbers } : {}),
    };
  }

  private async read(missing: readonly string[], at: number): Promise<Map<string, ItemAttributes>> {
    const rows = await this.sql.rows<Row>(`SELECT ${COLUMNS} FROM items WHERE id = ANY($1::text[])`, [missing]);
    const found = new Map<string, ItemAttributes>();
    for (const row of rows) found.set(row.id, this.toAttributes(row));
    for (const itemId of missing) {
      const item = found.get(itemId) ?? null;
      this.cache.set(itemId, { item, expiresAt: at + this.ttlMs });
    }
    return found;
  }
}
