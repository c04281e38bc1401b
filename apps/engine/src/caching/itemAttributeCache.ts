// Catalogue attributes (category, creator, tags, publication time, availability, numeric
// attributes) of candidate items, for filters, rules and the item features: a bounded in-process
// cache in front of ONE Postgres query per request for the ids it does not hold.
//
// Freshness: an entry is good for `ttlMs` (a minute) after it was read. With change polling on
// (startChangePolling; the serving stack runs it every 10 s) it stays good while the polls keep
// succeeding: each poll reads the items whose updated_at moved since the previous one (every
// catalogue write sets it: ingest/catalogWrites.ts, Prisma's @updatedAt) and replaces the cached
// ones, so a removal reaches the cache within a poll interval, and the request path stops
// re-reading hundreds of unchanged items a minute after they were cached (at 1M items, most
// candidates of a request). If the polls fail for longer than `ttlMs`, entries fall back to
// expiring `ttlMs` after their read. A backstop `maxAgeMs` (10 min) re-reads an entry anyway, for
// edits that bypass updated_at (hand-written SQL) and deleted rows.
//
// Storage: by item slot (itemSlots.ts; the registry the serving stack shares with the item state
// cache), column by column (attributeColumns.ts: no object per cached item for the GC to mark),
// with one read time per slot. The candidate path reads by the candidate list's slots, computed once per list
// for both hydrators, and answers by candidate index (attributesByRow): no per-id Map lookup, no
// result Map. Nothing is evicted one by one: the whole catalogue fits (servingStack.ts preloads it);
// when the registry starts a new generation (its bound of distinct ids reached: catalogue churn),
// the whole table is dropped and refills on demand (itemSlots.ts).
import type { Candidate, ItemAttributes } from "../funnel/index.ts";
import { ItemSlots, NO_SLOT, type ListSlots } from "./itemSlots.ts";
import { NEVER } from "./slotTable.ts";
import { AttributeColumns, NO_TAGS } from "./attributeColumns.ts";
import type { ServingSql } from "../postgres/servingSql.ts";

export type ItemAttributeCacheOptions = {
  /** The slot registry (shared with the item state cache by the serving stack); a registry of its own when omitted. */
  slots?: ItemSlots;
  ttlMs?: number;
  maxAgeMs?: number;
  now?: () => number;
};

/** Changes are re-read this far back on every poll: a write transaction that committed after the previous poll with an earlier updated_at (its start) is still seen. */
export const CHANGE_POLL_OVERLAP_MS = 30_000;

/**
 * At most this many changed rows per poll. A bulk catalogue load changes every row at once: read
 * whole, a poll after loading 1M items parsed them all on the request thread (a 200k-item load
 * stalled requests for over a second). Past the bound the poll reads nothing and the entries held
 * so far lose the poll's extension: they expire a TTL after their read, as without polling.
 */
export const CHANGE_POLL_MAX_ROWS = 5_000;

type Row = { id: string; category: string; creatorId: string | null; tags: string[]; publishedAtMs: number; available: boolean; attributes: unknown };

function numbersOf(attributes: unknown): Record<string, number> | undefined {
  if (typeof attributes !== "object" || attributes === null) return undefined;
  let numbers: Record<string, number> | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "number" && Number.isFinite(value)) (numbers ??= {})[key] = value;
  }
  return numbers;
}

/** Rows per preload statement: taking one chunk into the cache costs ~30 ms on the request thread (≈2.9 µs per row), which requests served while a whole-catalogue preload runs wait behind. */
const PRELOAD_CHUNK = 10_000;

// Publication time as epoch milliseconds (exact: the column keeps milliseconds), not a Date parsed
// from text and then converted, for a few hundred rows per request.
const COLUMNS = `id, category, creator_id AS "creatorId", tags, (extract(epoch FROM published_at) * 1000)::float8 AS "publishedAtMs", available, attributes`;

/** Categories of one request's candidates, looked up from the candidate list itself (see attributesOfCandidates). */
export type CandidateCategoryLookup = { categoriesOfCandidates(candidates: readonly Candidate[]): Promise<{ get(itemId: string): string | undefined }> };

/** The same by candidate index (what the `onlineFeatures` hydrator reads: no lookup by id per candidate). */
export type CandidateCategoryRows = {
  categoryRowsOfCandidates(candidates: readonly Candidate[]): Promise<readonly ({ readonly category: string } | undefined)[]>;
};

export class ItemAttributeCache {
  readonly slots: ItemSlots;
  /** By slot: the attributes (null: not in the catalogue) and when they were read (engine clock). */
  private readonly columns = new AttributeColumns();
  private readonly ttlMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** When the last successful change poll started (engine clock); entries outlive ttlMs only while it is recent. */
  private syncedAt = Number.NEGATIVE_INFINITY;
  /** Entries read before this (engine clock) are not covered by the polls: a poll found more changes than it reads. */
  private syncFloor = Number.NEGATIVE_INFINITY;
  /** Lower bound (database clock, ms) of the next poll's updated_at; from the cache's creation at first. */
  private changesSinceMs: number;
  private polling: NodeJS.Timeout | undefined;
  private pollInFlight: Promise<number> | undefined;
  /** Item id → the read (one per batch, shared by its ids) that is fetching it right now. */
  private readonly pending = new Map<string, Promise<Map<string, ItemAttributes>>>();
  /** Per candidate list: the registry's slots of it when looked up (the same object while the list holds the same ids: the rows are by index) and the lookup. */
  private readonly byCandidateList = new WeakMap<readonly Candidate[], { list: ListSlots; found: Promise<(ItemAttributes | undefined)[]> }>();

  constructor(
    private readonly sql: ServingSql,
    options: ItemAttributeCacheOptions = {},
  ) {
    this.slots = options.slots ?? new ItemSlots();
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxAgeMs = Math.max(options.maxAgeMs ?? 10 * 60_000, this.ttlMs);
    this.now = options.now ?? Date.now;
    this.changesSinceMs = this.now() - CHANGE_POLL_OVERLAP_MS;
    this.slots.onNewGeneration(() => this.columns.clear());
  }

  /** Whether an entry read at `loadedAt` may be served at `at` (see the file's comment); never for NEVER (nothing held). */
  private isFresh(loadedAt: number, at: number): boolean {
    if (loadedAt > at - this.ttlMs) return true;
    return this.syncedAt > at - this.ttlMs && loadedAt >= this.syncFloor && loadedAt > at - this.maxAgeMs;
  }

  /**
   * Keeps a read unless the cache holds a newer read of the same item (a poll and a request read can
   * cross); ids without a slot are not kept, nor slots of another epoch (a read that started before
   * a new generation: its slots name other items now).
   */
  private store(slot: number, epoch: number, item: ItemAttributes | null, loadedAt: number): void {
    if (slot !== NO_SLOT && epoch === this.slots.epoch && this.columns.timeAt(slot) <= loadedAt) this.columns.set(slot, item, loadedAt);
  }

  /**
   * Reads the items changed since the previous poll and replaces the cached ones (items not cached
   * are left to be read on demand). Returns how many cached entries it replaced. A failure leaves
   * the next poll to cover the same changes.
   */
  pollChanges(): Promise<number> {
    this.pollInFlight ??= this.readChanges().finally(() => (this.pollInFlight = undefined));
    return this.pollInFlight;
  }

  private async readChanges(): Promise<number> {
    const startedAt = this.now();
    // One row even when nothing changed, to carry the database's now (the next poll's bound, on the clock updated_at is written by).
    const rows = await this.sql.rows<Partial<Row> & { dbNowMs: number }>(
      `SELECT (extract(epoch FROM t.now) * 1000)::float8 AS "dbNowMs", ${COLUMNS}
       FROM (SELECT now() AS now) t LEFT JOIN LATERAL (SELECT * FROM items WHERE updated_at >= $1::timestamptz LIMIT $2) items ON true`,
      [new Date(this.changesSinceMs).toISOString(), CHANGE_POLL_MAX_ROWS + 1],
    );
    const dbNowMs = rows[0]?.dbNowMs;
    let replaced = 0;
    // A bulk change: what is held now may be stale beyond the poll's reach, so it expires by TTL.
    if (rows.length > CHANGE_POLL_MAX_ROWS) this.syncFloor = startedAt;
    else {
      for (const row of rows) {
        if (row.id === undefined || row.id === null) continue;
        // Only items held (existingSlotOf: no slot given out for the ids of a poll).
        const slot = this.slots.existingSlotOf(row.id);
        if (slot === NO_SLOT || this.columns.timeAt(slot) === NEVER) continue;
        this.store(slot, this.slots.epoch, this.toAttributes(row as Row), startedAt);
        replaced += 1;
      }
    }
    if (dbNowMs !== undefined) this.changesSinceMs = dbNowMs - CHANGE_POLL_OVERLAP_MS;
    this.syncedAt = startedAt;
    return replaced;
  }

  /** Polls changes every `intervalMs` (must be well under ttlMs to matter) until stopChangePolling; failures go to `onError`. */
  startChangePolling(intervalMs: number, onError: (error: unknown) => void): void {
    if (this.polling) return;
    const poll = () => void this.pollChanges().catch(onError);
    poll();
    this.polling = setInterval(poll, intervalMs);
    this.polling.unref();
  }

  stopChangePolling(): void {
    clearInterval(this.polling);
    this.polling = undefined;
  }

  /** Attributes per known item id; unknown ids are absent. */
  async attributesOf(itemIds: readonly string[]): Promise<Map<string, ItemAttributes>> {
    const rows = await this.attributesByRow(itemIds, this.slots.slotsOf(itemIds));
    const result = new Map<string, ItemAttributes>();
    for (let row = 0; row < rows.length; row += 1) {
      const item = rows[row];
      if (item !== undefined) result.set(itemIds[row]!, item);
    }
    return result;
  }

  /**
   * The attributes of each id by index (undefined where unknown), given the ids' slots: the fresh
   * ones from memory (an array read by slot), the rest in ONE catalogue query, sharing the reads
   * other callers have in flight.
   */
  private async attributesByRow(itemIds: readonly string[], slots: Int32Array): Promise<(ItemAttributes | undefined)[]> {
    const at = this.now();
    const result = new Array<ItemAttributes | undefined>(itemIds.length).fill(undefined);
    const columns = this.columns;
    const times = columns.times;
    const missing: string[] = [];
    const missingRows: number[] = [];
    const waiting: Promise<void>[] = [];
    for (let row = 0; row < itemIds.length; row += 1) {
      const slot = slots[row]!;
      if (slot !== NO_SLOT && slot < times.length && this.isFresh(times[slot]!, at)) {
        result[row] = columns.read(slot) ?? undefined;
        continue;
      }
      const itemId = itemIds[row]!;
      // Another hydrator of the same request may be reading it right now: share that query.
      const pending = this.pending.get(itemId);
      if (pending) {
        // A waiter sees a failed read as "no attributes" (its own caller is the one that fails).
        waiting.push(
          pending.then(
            (found) => {
              result[row] = found.get(itemId);
            },
            () => undefined,
          ),
        );
      } else {
        missing.push(itemId);
        missingRows.push(row);
      }
    }
    if (missing.length > 0) {
      // The batch's one promise for all its ids (no promise per id: a few hundred misses per request
      // at 1M items); a failure is handled by the await below, and by each waiter.
      const read = this.read(missing, missingRows, slots, this.slots.epoch, at);
      for (const itemId of missing) this.pending.set(itemId, read);
      try {
        const found = await read;
        for (let k = 0; k < missing.length; k += 1) result[missingRows[k]!] = found.get(missing[k]!);
      } finally {
        for (const itemId of missing) this.pending.delete(itemId);
      }
    }
    await Promise.all(waiting);
    return result;
  }

  /**
   * Each candidate's attributes by candidate index (undefined where unknown), looked up once per
   * candidate list: the `itemAttributes` and `onlineFeatures` hydrators run concurrently over the
   * same list, from the list's slots (ItemSlots.slotsOfCandidates, shared with the item state cache).
   * The answer is by row: a list reordered or changed in place since its lookup (its ids checked
   * row by row) is looked up again.
   */
  attributesOfCandidateRows(candidates: readonly Candidate[]): Promise<readonly (ItemAttributes | undefined)[]> {
    // The registry checks the list's ids once for both hydrators (and a new generation gives a new object).
    const list = this.slots.listSlotsOf(candidates);
    const known = this.byCandidateList.get(candidates);
    if (known !== undefined && known.list === list) return known.found;
    const found = this.attributesByRow(list.itemIds, list.slots);
    const entry = { list, found };
    this.byCandidateList.set(candidates, entry);
    // A failed lookup is the caller's to handle, and not to be shared with a later caller.
    found.catch(() => {
      if (this.byCandidateList.get(candidates) === entry) this.byCandidateList.delete(candidates);
    });
    return found;
  }

  /** attributesOfCandidateRows by item id (callers that look up by id; the hydrators read by row). */
  async attributesOfCandidates(candidates: readonly Candidate[]): Promise<Map<string, ItemAttributes>> {
    const rows = await this.attributesOfCandidateRows(candidates);
    const result = new Map<string, ItemAttributes>();
    for (let row = 0; row < rows.length; row += 1) {
      const item = rows[row];
      if (item !== undefined) result.set(candidates[row]!.itemId, item);
    }
    return result;
  }

  /** Categories for the `onlineFeatures` hydrator from the same per-list lookup (by row; by id for other callers). */
  candidateCategories(): CandidateCategoryLookup & CandidateCategoryRows {
    return {
      categoryRowsOfCandidates: (candidates) => this.attributesOfCandidateRows(candidates),
      categoriesOfCandidates: async (candidates) => {
        const attributes = await this.attributesOfCandidates(candidates);
        return { get: (itemId) => attributes.get(itemId)?.category };
      },
    };
  }

  /**
   * Reads up to `limit` items (newest first) into the cache, so the first requests after a start do
   * not pay a cold catalogue read inside the safety budget (past it their items would be dropped).
   * Read in chunks (bounded memory per statement); `onChunk` hears how many are in after each. Once
   * `signal` fires it stops before the next chunk and returns what it loaded.
   */
  async preload(limit: number, chunkSize = PRELOAD_CHUNK, onChunk?: (loaded: number) => void, signal?: AbortSignal): Promise<number> {
    const at = this.now();
    const chunk = Math.max(1, Math.min(limit, chunkSize));
    let loaded = 0;
    let after: { publishedAtMs: number; id: string } | null = null;
    // Stopped between chunks (the serving stack's stop): no statement is issued once `signal` fired.
    while (loaded < limit && !signal?.aborted) {
      const size = Math.min(chunk, limit - loaded);
      const rows: Row[] = after
        ? await this.sql.rows<Row>(
            `SELECT ${COLUMNS} FROM items WHERE (published_at, id) < (to_timestamp($1::float8 / 1000), $2::text) ORDER BY published_at DESC, id DESC LIMIT $3::int`,
            [after.publishedAtMs, after.id, size],
          )
        : await this.sql.rows<Row>(`SELECT ${COLUMNS} FROM items ORDER BY published_at DESC, id DESC LIMIT $1::int`, [size]);
      for (const row of rows) {
        const slot = this.slots.slotOf(row.id);
        this.store(slot, this.slots.epoch, this.toAttributes(row), at);
      }
      loaded += rows.length;
      onChunk?.(loaded);
      if (rows.length < size) break;
      const last = rows[rows.length - 1]!;
      after = { publishedAtMs: last.publishedAtMs, id: last.id };
    }
    return loaded;
  }

  private toAttributes(row: Row): ItemAttributes {
    const numbers = numbersOf(row.attributes);
    const tags = row.tags.length === 0 ? NO_TAGS : row.tags;
    return {
      category: row.category,
      creatorId: row.creatorId,
      tags,
      publishedAtMs: row.publishedAtMs,
      available: row.available,
      ...(numbers ? { numbers } : {}),
    };
  }

  /** Reads `missing` (rows `missingRows` of a lookup whose slots are `slots`) and keeps what it read, "not in the catalogue" too. */
  private async read(
    missing: readonly string[],
    missingRows: readonly number[],
    slots: Int32Array,
    slotsEpoch: number,
    at: number,
  ): Promise<Map<string, ItemAttributes>> {
    const rows = await this.sql.rows<Row>(`SELECT ${COLUMNS} FROM items WHERE id = ANY($1::text[])`, [missing]);
    const found = new Map<string, ItemAttributes>();
    for (const row of rows) found.set(row.id, this.toAttributes(row));
    for (let k = 0; k < missing.length; k += 1) this.store(slots[missingRows[k]!]!, slotsEpoch, found.get(missing[k]!) ?? null, at);
    return found;
  }
}
