// The online store: low-latency state the engine reads on the request path and the real-time
// consumers write (per-user counter hashes, per-item decayed counters in sorted sets, capped
// recent-item lists). Two implementations with identical semantics (memory, Redis) are held to
// one contract suite (onlineStoreContract.ts).
//
// Every batch method takes many keys and costs one round trip. Keys are built by `storeKey`, which
// groups all keys of one entity under one hash tag, so on Redis Cluster a request touches one
// shard per entity.

declare const storeKeyBrand: unique symbol;

/** A key built by `storeKey`; the brand keeps raw strings (without a hash tag) out. */
export type StoreKey = string & { readonly [storeKeyBrand]: true };

/**
 * `storeKey("u:123", "recent")` → `{u:123}:recent`. The entity (type prefix + id) is the hash tag:
 * it must not contain braces, or Redis Cluster would hash a different part of the key.
 */
export function storeKey(entity: string, name: string): StoreKey {
  if (entity.length === 0 || /[{}]/.test(entity)) {
    throw new TypeError(`store key entity must be non-empty and free of braces: ${JSON.stringify(entity)}`);
  }
  if (name.length === 0) throw new TypeError("store key name must be non-empty");
  return `{${entity}}:${name}` as StoreKey;
}

/**
 * The hash tag of a key built by `storeKey` (`{u:123}:recent` → `u:123`). Keys with one tag live on
 * one Redis Cluster slot, so a script may touch them together.
 */
export function hashTagOf(key: StoreKey): string {
  const end = key.indexOf("}");
  return key.slice(1, end);
}

/** Field → number. Counters are the only values hashes hold. */
export type NumericHash = Record<string, number>;

export type ScoredMember = { member: string; score: number };

/** What was read for one entity, by key name (missing keys read as {} / []). */
export type EntityState = {
  hashes: ReadonlyMap<string, NumericHash>;
  sortedSets: ReadonlyMap<string, readonly ScoredMember[]>;
};

/** Expiry, in milliseconds, (re)set after the write; omitted → an existing expiry is kept. */
type WithTtl = { ttlMs?: number };

export type HashWrite = WithTtl & { key: StoreKey; values: NumericHash };
export type HashIncrement = WithTtl & { key: StoreKey; increments: NumericHash };
export type SortedSetIncrement = WithTtl & { key: StoreKey; member: string; by: number };
/** `values` in chronological order: the last one ends at the head of the list. */
export type CappedListPush = WithTtl & { key: StoreKey; values: readonly string[]; maxLength: number };

/** ZADD GT + trim: the member's score only ever rises; the `keep` highest members survive. */
export type SortedSetMaxWrite = WithTtl & { key: StoreKey; member: string; score: number; keep: number };
export type HashFieldDelete = { key: StoreKey; fields: readonly string[] };

/**
 * An increment inside an EntityUpdate. Besides adding to fields it can, per field, react to the
 * field being *created* by this increment (its new value equals the amount added: it was absent,
 * or held 0 up to rounding):
 * - `expireWhen: "created"` sets `ttlMs` only when some field of this increment was created
 *   (default "always": on every increment). Right for keys whose expiry is an absolute instant
 *   fixed by the data (a window bucket), where repeating the same expiry on every write is waste;
 * - `clearWhenCreated[field]` lists other fields of the same hash deleted when `field` is created
 *   (a decayed counter dropping eras it will never read again, once per new era).
 */
export type EntityHashIncrement = HashIncrement & {
  expireWhen?: "always" | "created";
  clearWhenCreated?: Readonly<Record<string, readonly string[]>>;
};

/**
 * Changes to one entity's keys, applied atomically (all or nothing visible to readers). Every key
 * must share one hash tag (the entity's), so Redis can run it as one script on one Cluster slot.
 * Inside an update, deletes run first, then increments, then sorted-set writes. A sorted-set write
 * trims the set to its `keep` highest members when it adds a member.
 */
export type EntityUpdate = {
  /**
   * Makes the update idempotent: the store remembers every id in `ids` in the sorted set `key`
   * (score `atMs`) and applies the update only when none of them was seen before ("applied"); when
   * all were seen it changes nothing ("duplicate"); when only some were, it also changes nothing
   * and answers "partial" (the caller splits the update by id and sends the parts again).
   * With `maintain` (default true) the store also forgets ids scored below `atMs - retentionMs`
   * and sets the ledger's expiry to `retentionMs`; a caller may skip that for a ledger it
   * maintained lately (it only bounds the ledger's size). Omitted → applied unconditionally.
   */
  ledger?: { key: StoreKey; ids: readonly string[]; atMs: number; retentionMs: number; maintain?: boolean };
  hashDeletes?: readonly HashFieldDelete[];
  hashIncrements?: readonly EntityHashIncrement[];
  sortedSetMaxes?: readonly SortedSetMaxWrite[];
};

export type ApplyUpdatesOptions = {
  /**
   * The caller vouches that every update passes assertEntityUpdate (the feature writer checks its
   * numbers as it builds the updates, and gives all keys of one the same hash tag): the store skips
   * those checks (about a tenth of the writer's CPU per event). Default false.
   */
  validated?: boolean;
};

/** What became of one EntityUpdate (see EntityUpdate.ledger). */
export type UpdateOutcome = "applied" | "duplicate" | "partial";

/**
 * True when an increment of `by` that left the field at `value` created it (the field was absent
 * or ~0 before). Both stores use this same test, so they expire and clear identically.
 */
export function incrementCreatedField(value: number, by: number): boolean {
  return Math.abs(value - by) <= 1e-9 * Math.abs(by);
}

export type SortedSetRead = { key: StoreKey; limit: number };
/** Whole hashes and the top of sorted sets, fetched together. */
export type BatchRead = { hashes: readonly StoreKey[]; sortedSets: readonly SortedSetRead[] };
export type BatchReadResult = { hashes: NumericHash[]; sortedSets: ScoredMember[][] };
/**
 * The same keys of many entities of one kind: for each id, the hashes `{tagPrefix + id}:name` of
 * `hashNames` and the tops of the sorted sets `{tagPrefix + id}:name` of `sortedSets`, e.g. the
 * counter keys of a request's ~120 uncached candidate items. Said this way, not as a key list, so a
 * store can send the ids and names once instead of every key (see batchReadScript.ts).
 */
export type EntitiesRead = {
  tagPrefix: string;
  ids: readonly string[];
  hashNames: readonly string[];
  sortedSets: readonly { name: string; limit: number }[];
};

/** `read` as the BatchRead of its keys, in readEntities' result order (id by id; each id's keys in the order of the names). */
export function entitiesBatchRead(read: EntitiesRead): BatchRead {
  const hashes: StoreKey[] = [];
  const sortedSets: SortedSetRead[] = [];
  for (const id of read.ids) {
    const tag = read.tagPrefix + id;
    for (const name of read.hashNames) hashes.push(storeKey(tag, name));
    for (const { name, limit } of read.sortedSets) sortedSets.push({ key: storeKey(tag, name), limit });
  }
  return { hashes, sortedSets };
}

/** The checks storeKey and readBatch would make of `read`'s keys, without building them. */
export function assertEntitiesRead(read: EntitiesRead): void {
  for (const { limit } of read.sortedSets) assertCount(limit, "limit", 0);
  for (const name of read.hashNames) if (name.length === 0) throw new TypeError("store key name must be non-empty");
  for (const { name } of read.sortedSets) if (name.length === 0) throw new TypeError("store key name must be non-empty");
  const prefixBraced = read.tagPrefix.includes("{") || read.tagPrefix.includes("}");
  for (const id of read.ids) {
    if (prefixBraced || read.tagPrefix.length + id.length === 0 || id.includes("{") || id.includes("}")) {
      throw new TypeError(`store key entity must be non-empty and free of braces: ${JSON.stringify(read.tagPrefix + id)}`);
    }
  }
}

/**
 * Told which entities later writes changed (see OnlineStore.watchChanges): what lets a cache of
 * store state keep an entity's state for long, yet drop it soon after it changes.
 */
export type EntityChangeListener = {
  /**
   * Entities of the watched kind whose keys a write (of any process) changed, by id (their hash tag
   * after `<kind>:`), called after the write is visible to reads. May name entities a write left
   * as they were (a duplicate update), and an entity more than once; never leaves one out while live.
   */
  changed(ids: readonly string[]): void;
  /**
   * true: every change from now on will be reported. false: changes may go unreported (the feed's
   * connection was lost) until `live(true)` again; what a cache kept on the feed's word is suspect.
   */
  live(isLive: boolean): void;
};

export type ChangeWatch = { close(): Promise<void> };

/** The first key an update touches (every key of one update shares its hash tag); "" for an update with no keys. */
export function firstKeyOf(update: EntityUpdate): StoreKey | "" {
  return update.ledger?.key ?? update.hashDeletes?.[0]?.key ?? update.hashIncrements?.[0]?.key ?? update.sortedSetMaxes?.[0]?.key ?? "";
}

/** The entities `keys` belong to, by kind (entityKindOf), each id once: what a write reports to watchers. */
export function changedEntities(keys: Iterable<StoreKey | "">): Map<string, string[]> {
  const byKind = new Map<string, Set<string>>();
  for (const key of keys) {
    if (key === "") continue;
    const tag = hashTagOf(key);
    const kind = entityKindOf(tag);
    let ids = byKind.get(kind);
    if (!ids) byKind.set(kind, (ids = new Set()));
    ids.add(tag.slice(kind.length + 1));
  }
  return new Map([...byKind].map(([kind, ids]) => [kind, [...ids]]));
}

/** The entity kind of a hash tag: its part before the first `:` (`i:7` → `i`), the whole tag without one. */
export function entityKindOf(tag: string): string {
  const colon = tag.indexOf(":");
  return colon < 0 ? tag : tag.slice(0, colon);
}

export interface OnlineStore {
  /** Resolves when the store answers; rejects with OnlineStoreError otherwise. */
  ping(): Promise<void>;
  /** Releases connections and timers; every later call rejects with OnlineStoreError. */
  close(): Promise<void>;

  /** Whole hashes, or only `fields` when given (absent fields are left out); a missing key reads as {}. */
  readHashes(keys: readonly StoreKey[], fields?: readonly string[]): Promise<NumericHash[]>;
  /** Sets the given fields; other fields of the hash are kept. */
  writeHashes(writes: readonly HashWrite[]): Promise<void>;
  /** Adds to fields (missing fields start at 0); returns the new value of every incremented field. */
  incrementHashes(increments: readonly HashIncrement[]): Promise<NumericHash[]>;

  /** Adds to members' scores (missing members start at 0); returns the new scores. */
  incrementSortedSets(increments: readonly SortedSetIncrement[]): Promise<number[]>;
  /** Highest scores first; equal scores in descending member order (Redis ZREVRANGE). */
  topOfSortedSet(key: StoreKey, limit: number): Promise<ScoredMember[]>;
  /** Score per member, null for members not in the set. */
  sortedSetScores(key: StoreKey, members: readonly string[]): Promise<(number | null)[]>;
  /** Keeps the `keep` highest members and removes the rest (bounds per-item counter sets). */
  trimSortedSet(key: StoreKey, keep: number): Promise<void>;

  /** Prepends values and trims each list to its `maxLength` newest entries. */
  pushToCappedLists(pushes: readonly CappedListPush[]): Promise<void>;
  /** The first `limit` entries (newest first) of each list; a missing key reads as []. */
  readLists(keys: readonly StoreKey[], limit: number): Promise<string[][]>;

  /**
   * Applies each update atomically and at most once per ledger id, all in one round trip.
   * Resolves to one outcome per update (see EntityUpdate.ledger).
   */
  applyUpdates(updates: readonly EntityUpdate[], options?: ApplyUpdatesOptions): Promise<UpdateOutcome[]>;
  /** Whole hashes (missing → {}) and sorted-set tops (as `topOfSortedSet`), in one round trip. */
  readBatch(read: BatchRead): Promise<BatchReadResult>;
  /**
   * readBatch of `entitiesBatchRead(read)`'s keys, in one round trip: the hashes and the sorted sets
   * id by id, each id's in the order of their names.
   */
  readEntities(read: EntitiesRead): Promise<BatchReadResult>;

  /** Sets an expiry; false when the key does not exist. */
  expire(key: StoreKey, ttlMs: number): Promise<boolean>;
  /** Milliseconds left; null when the key does not exist or never expires. */
  ttl(key: StoreKey): Promise<number | null>;
  /** Removes keys; returns how many existed. */
  delete(keys: readonly StoreKey[]): Promise<number>;

  /**
   * Reports to `listener` the entities of `kind` (hash tags `<kind>:<id>`) that writes through any
   * store on the same data change from now on — the memory store its own writes, the Redis store
   * every process's (published after each write). `listener.live(true)` once the feed is up;
   * resolves with the watch to close.
   */
  watchChanges(kind: string, listener: EntityChangeListener): Promise<ChangeWatch>;
}

/** The store could not answer (unreachable, timed out, closed, wrong key type). Callers may catch it and fail open. */
export class OnlineStoreError extends Error {
  override readonly name = "OnlineStoreError";
}

// Argument checks shared by both implementations, so bad input fails the same way in each (and
// before any write, instead of half-way through a Redis pipeline).

export function assertFiniteNumbers(values: NumericHash | number, what: string): void {
  const numbers = typeof values === "number" ? [values] : Object.values(values);
  for (const value of numbers) {
    if (!Number.isFinite(value)) throw new RangeError(`${what} must be finite numbers, got ${value}`);
  }
}

export function assertTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}

export function assertCount(value: number, what: string, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) throw new RangeError(`${what} must be an integer >= ${minimum}, got ${value}`);
}

/** Checks shared by both implementations: finite numbers, sane counts, and one hash tag per update. */
export function assertEntityUpdate(update: EntityUpdate): void {
  if (update.ledger) {
    assertFiniteNumbers(update.ledger.atMs, "ledger atMs");
    assertTtl(update.ledger.retentionMs);
    if (update.ledger.ids.length === 0) throw new RangeError("a ledger needs at least one id");
  }
  for (const increment of update.hashIncrements ?? []) {
    for (const field in increment.increments) {
      const value = increment.increments[field]!;
      if (!Number.isFinite(value)) throw new RangeError(`hash increments must be finite numbers, got ${value}`);
    }
    assertTtl(increment.ttlMs);
  }
  for (const write of update.sortedSetMaxes ?? []) {
    assertFiniteNumbers(write.score, "sorted set scores");
    assertCount(write.keep, "keep", 1);
    assertTtl(write.ttlMs);
  }
  // Every key must carry the first key's hash tag (compared as the `{tag}` prefix).
  let first: StoreKey | undefined;
  let tagEnd = 0;
  let prefix = "";
  const check = (key: StoreKey): void => {
    if (first === undefined) {
      first = key;
      tagEnd = key.indexOf("}");
      prefix = key.slice(0, tagEnd + 1);
      return;
    }
    if (key.indexOf("}") !== tagEnd || !key.startsWith(prefix)) {
      throw new TypeError(`an entity update must touch one hash tag, got ${hashTagOf(first)}, ${hashTagOf(key)}`);
    }
  };
  if (update.ledger) check(update.ledger.key);
  for (const increment of update.hashIncrements ?? []) check(increment.key);
  for (const write of update.sortedSetMaxes ?? []) check(write.key);
  for (const remove of update.hashDeletes ?? []) check(remove.key);
}
