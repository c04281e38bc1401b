// In-process OnlineStore for embedded mode (no REDIS_URL): the same semantics as the Redis
// implementation, proven by the shared contract suite. State lives in this process only, so it
// fits one engine replica; several replicas need Redis.
import {
  assertCount,
  assertEntityUpdate,
  assertFiniteNumbers,
  assertTtl,
  changedEntities,
  firstKeyOf,
  incrementCreatedField,
  OnlineStoreError,
  type ApplyUpdatesOptions,
  assertEntitiesRead,
  entitiesBatchRead,
  type EntitiesRead,
  type BatchRead,
  type BatchReadResult,
  type CappedListPush,
  type ChangeWatch,
  type EntityChangeListener,
  type EntityUpdate,
  type HashIncrement,
  type HashWrite,
  type NumericHash,
  type OnlineStore,
  type ScoredMember,
  type SortedSetIncrement,
  type StoreKey,
  type UpdateOutcome,
} from "./onlineStore.ts";

type Entry =
  | { kind: "hash"; fields: Map<string, number>; expiresAt: number | null }
  | { kind: "sortedSet"; scores: Map<string, number>; expiresAt: number | null }
  | { kind: "list"; values: string[]; expiresAt: number | null };

type EntryKind = Entry["kind"];
type EntryOf<K extends EntryKind> = Extract<Entry, { kind: K }>;

export type MemoryOnlineStoreOptions = {
  /** Clock, injectable for tests. */
  now?: () => number;
  /** How often expired keys nobody reads again are swept out (expiry is also checked on every access). */
  sweepIntervalMs?: number;
};

/** One key of the store as plain data, for snapshots (stores/onlineStoreSnapshot.ts). */
export type StoredEntry = { key: string; expiresAt: number | null } & (
  { kind: "hash"; fields: [string, number][] } | { kind: "sortedSet"; scores: [string, number][] } | { kind: "list"; values: string[] }
);

/** The in-process store, plus what persisting it needs. */
export interface MemoryOnlineStore extends OnlineStore {
  /**
   * Every live key, copied, one by one. Consume it without awaiting in between: the store changes
   * only between synchronous steps, so one uninterrupted loop sees a single point in time.
   */
  exportEntries(): Generator<StoredEntry>;
  /** Replaces the whole contents (expired entries are dropped). */
  importEntries(entries: Iterable<StoredEntry>): void;
  /** Live keys right now. */
  size(): number;
}

export function createMemoryOnlineStore(options: MemoryOnlineStoreOptions = {}): MemoryOnlineStore {
  return new InProcessOnlineStore(options);
}

class InProcessOnlineStore implements MemoryOnlineStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;
  /** watchChanges' listeners by entity kind. */
  private readonly watchers = new Map<string, Set<EntityChangeListener>>();

  constructor(options: MemoryOnlineStoreOptions) {
    this.now = options.now ?? Date.now;
    this.sweepTimer = setInterval(() => this.sweepExpired(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.entries.clear();
    this.watchers.clear();
  }

  async watchChanges(kind: string, listener: EntityChangeListener): Promise<ChangeWatch> {
    this.assertOpen();
    let listeners = this.watchers.get(kind);
    if (!listeners) this.watchers.set(kind, (listeners = new Set()));
    listeners.add(listener);
    // Writes report synchronously, in this process: live from the start.
    listener.live(true);
    return {
      close: async () => {
        listeners.delete(listener);
        if (listeners.size === 0 && this.watchers.get(kind) === listeners) this.watchers.delete(kind);
      },
    };
  }

  /** Tells the watchers of their kinds which entities `keys` belong to (after the write). */
  private announce(keys: Iterable<StoreKey | "">): void {
    if (this.watchers.size === 0) return;
    for (const [kind, ids] of changedEntities(keys)) for (const listener of this.watchers.get(kind) ?? []) listener.changed(ids);
  }

  async readHashes(keys: readonly StoreKey[], fields?: readonly string[]): Promise<NumericHash[]> {
    this.assertOpen();
    if (fields?.length === 0) return keys.map(() => ({}));
    return this.eachKey(keys, (key) => {
      const hash = this.read(key, "hash");
      const result: NumericHash = {};
      if (!hash) return result;
      for (const field of fields ?? hash.fields.keys()) {
        const value = hash.fields.get(field);
        if (value !== undefined) result[field] = value;
      }
      return result;
    });
  }

  async writeHashes(writes: readonly HashWrite[]): Promise<void> {
    this.assertOpen();
    for (const write of writes) {
      assertFiniteNumbers(write.values, "hash values");
      assertTtl(write.ttlMs);
    }
    this.eachWrite(
      writes,
      (write) => write.key,
      (write) => {
        const fields = Object.entries(write.values);
        if (fields.length === 0) return;
        const hash = this.readOrCreate(write.key, "hash");
        for (const [field, value] of fields) hash.fields.set(field, value);
        this.applyTtl(write.key, write.ttlMs);
      },
    );
  }

  async incrementHashes(increments: readonly HashIncrement[]): Promise<NumericHash[]> {
    this.assertOpen();
    for (const increment of increments) {
      assertFiniteNumbers(increment.increments, "hash increments");
      assertTtl(increment.ttlMs);
    }
    return this.eachWrite(
      increments,
      (increment) => increment.key,
      (increment) => {
        const result: NumericHash = {};
        const fields = Object.entries(increment.increments);
        if (fields.length === 0) return result;
        const hash = this.readOrCreate(increment.key, "hash");
        for (const [field, by] of fields) {
          const value = (hash.fields.get(field) ?? 0) + by;
          hash.fields.set(field, value);
          result[field] = value;
        }
        this.applyTtl(increment.key, increment.ttlMs);
        return result;
      },
    );
  }

  async incrementSortedSets(increments: readonly SortedSetIncrement[]): Promise<number[]> {
    this.assertOpen();
    for (const increment of increments) {
      assertFiniteNumbers(increment.by, "sorted set increments");
      assertTtl(increment.ttlMs);
    }
    return this.eachWrite(
      increments,
      (increment) => increment.key,
      (increment) => {
        const set = this.readOrCreate(increment.key, "sortedSet");
        const score = (set.scores.get(increment.member) ?? 0) + increment.by;
        set.scores.set(increment.member, score);
        this.applyTtl(increment.key, increment.ttlMs);
        return score;
      },
    );
  }

  async topOfSortedSet(key: StoreKey, limit: number): Promise<ScoredMember[]> {
    this.assertOpen();
    assertCount(limit, "limit", 0);
    const set = this.read(key, "sortedSet");
    if (!set || limit === 0) return [];
    return ascendingMembers(set).reverse().slice(0, limit);
  }

  async sortedSetScores(key: StoreKey, members: readonly string[]): Promise<(number | null)[]> {
    this.assertOpen();
    const set = this.read(key, "sortedSet");
    return members.map((member) => set?.scores.get(member) ?? null);
  }

  async trimSortedSet(key: StoreKey, keep: number): Promise<void> {
    this.assertOpen();
    assertCount(keep, "keep", 0);
    const set = this.read(key, "sortedSet");
    if (!set || set.scores.size <= keep) return;
    const ascending = ascendingMembers(set);
    for (const { member } of ascending.slice(0, ascending.length - keep)) set.scores.delete(member);
    if (set.scores.size === 0) this.entries.delete(key);
    this.announce([key]);
  }

  async pushToCappedLists(pushes: readonly CappedListPush[]): Promise<void> {
    this.assertOpen();
    for (const push of pushes) {
      assertCount(push.maxLength, "maxLength", 1);
      assertTtl(push.ttlMs);
    }
    this.eachWrite(
      pushes,
      (push) => push.key,
      (push) => {
        if (push.values.length === 0) return;
        const list = this.readOrCreate(push.key, "list");
        list.values.unshift(...[...push.values].reverse());
        if (list.values.length > push.maxLength) list.values.length = push.maxLength;
        this.applyTtl(push.key, push.ttlMs);
      },
    );
  }

  async readLists(keys: readonly StoreKey[], limit: number): Promise<string[][]> {
    this.assertOpen();
    assertCount(limit, "limit", 0);
    return this.eachKey(keys, (key) => this.read(key, "list")?.values.slice(0, limit) ?? []);
  }

  async applyUpdates(updates: readonly EntityUpdate[], options: ApplyUpdatesOptions = {}): Promise<UpdateOutcome[]> {
    this.assertOpen();
    if (!options.validated) updates.forEach(assertEntityUpdate);
    // Each update runs to completion before the next (this is one synchronous step), which is what
    // makes it atomic here; the Redis store gets the same guarantee from a Lua script.
    return this.eachWrite(updates, firstKeyOf, (update) => this.applyUpdate(update));
  }

  async readBatch(read: BatchRead): Promise<BatchReadResult> {
    this.assertOpen();
    for (const { limit } of read.sortedSets) assertCount(limit, "limit", 0);
    const hashes = this.eachKey(read.hashes, (key) => Object.fromEntries(this.read(key, "hash")?.fields ?? []));
    const sortedSets = this.eachKey(read.sortedSets, ({ key, limit }) => {
      const set = this.read(key, "sortedSet");
      return set && limit > 0 ? ascendingMembers(set).reverse().slice(0, limit) : [];
    });
    return { hashes, sortedSets };
  }

  async readEntities(read: EntitiesRead): Promise<BatchReadResult> {
    this.assertOpen();
    assertEntitiesRead(read);
    return this.readBatch(entitiesBatchRead(read));
  }

  async expire(key: StoreKey, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    assertTtl(ttlMs);
    const entry = this.live(key);
    if (!entry) return false;
    entry.expiresAt = this.now() + ttlMs;
    return true;
  }

  async ttl(key: StoreKey): Promise<number | null> {
    this.assertOpen();
    const expiresAt = this.live(key)?.expiresAt;
    return expiresAt == null ? null : Math.max(0, expiresAt - this.now());
  }

  async delete(keys: readonly StoreKey[]): Promise<number> {
    this.assertOpen();
    let removed = 0;
    for (const key of keys) {
      if (this.live(key)) {
        this.entries.delete(key);
        removed += 1;
      }
    }
    this.announce(keys);
    return removed;
  }

  *exportEntries(): Generator<StoredEntry> {
    this.assertOpen();
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) continue;
      const { expiresAt } = entry;
      switch (entry.kind) {
        case "hash":
          yield { key, expiresAt, kind: "hash", fields: [...entry.fields] };
          break;
        case "sortedSet":
          yield { key, expiresAt, kind: "sortedSet", scores: [...entry.scores] };
          break;
        case "list":
          yield { key, expiresAt, kind: "list", values: [...entry.values] };
          break;
      }
    }
  }

  importEntries(entries: Iterable<StoredEntry>): void {
    this.assertOpen();
    this.entries.clear();
    const now = this.now();
    for (const stored of entries) {
      if (stored.expiresAt !== null && stored.expiresAt <= now) continue;
      const { expiresAt } = stored;
      switch (stored.kind) {
        case "hash":
          this.entries.set(stored.key, { kind: "hash", fields: new Map(stored.fields), expiresAt });
          break;
        case "sortedSet":
          this.entries.set(stored.key, { kind: "sortedSet", scores: new Map(stored.scores), expiresAt });
          break;
        case "list":
          this.entries.set(stored.key, { kind: "list", values: [...stored.values], expiresAt });
          break;
      }
    }
    // Any entity may have changed: watchers drop what they kept (not live, then live again).
    for (const listeners of this.watchers.values())
      for (const listener of listeners) {
        listener.live(false);
        listener.live(true);
      }
  }

  size(): number {
    this.sweepExpired();
    return this.entries.size;
  }

  private applyUpdate(update: EntityUpdate): UpdateOutcome {
    if (update.ledger) {
      const { key, ids, atMs, retentionMs, maintain } = update.ledger;
      const ledger = this.readOrCreate(key, "sortedSet");
      const seen = ids.filter((id) => ledger.scores.has(id)).length;
      if (seen === ids.length) return "duplicate";
      if (seen > 0) return "partial";
      for (const id of ids) ledger.scores.set(id, atMs);
      if (maintain ?? true) {
        for (const [member, score] of ledger.scores) if (score < atMs - retentionMs) ledger.scores.delete(member);
        this.applyTtl(key, retentionMs);
      }
    }
    for (const { key, fields } of update.hashDeletes ?? []) {
      const hash = this.read(key, "hash");
      if (!hash) continue;
      for (const field of fields) hash.fields.delete(field);
      if (hash.fields.size === 0) this.entries.delete(key);
    }
    for (const { key, increments, ttlMs, expireWhen, clearWhenCreated } of update.hashIncrements ?? []) {
      const fields = Object.entries(increments);
      if (fields.length === 0) continue;
      const hash = this.readOrCreate(key, "hash");
      let created = false;
      for (const [field, by] of fields) {
        const value = (hash.fields.get(field) ?? 0) + by;
        hash.fields.set(field, value);
        if (incrementCreatedField(value, by)) {
          created = true;
          for (const cleared of clearWhenCreated?.[field] ?? []) hash.fields.delete(cleared);
        }
      }
      if (expireWhen !== "created" || created) this.applyTtl(key, ttlMs);
    }
    for (const { key, member, score, keep, ttlMs } of update.sortedSetMaxes ?? []) {
      const set = this.readOrCreate(key, "sortedSet");
      const current = set.scores.get(member);
      if (current === undefined || score > current) set.scores.set(member, score);
      // As ZADD GT + trim-when-added on Redis: the set only grows when a member is added.
      if (current === undefined && set.scores.size > keep) {
        const ascending = ascendingMembers(set);
        for (const { member: dropped } of ascending.slice(0, ascending.length - keep)) set.scores.delete(dropped);
      }
      this.applyTtl(key, ttlMs);
    }
    return "applied";
  }

  private assertOpen(): void {
    if (this.closed) throw new OnlineStoreError("online store is closed");
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private read<K extends EntryKind>(key: string, kind: K): EntryOf<K> | undefined {
    const entry = this.live(key);
    if (!entry) return undefined;
    if (entry.kind !== kind) throw wrongType(key, entry.kind, kind);
    return entry as EntryOf<K>;
  }

  private readOrCreate<K extends EntryKind>(key: string, kind: K): EntryOf<K> {
    const existing = this.read(key, kind);
    if (existing) return existing;
    const created = emptyEntry(kind) as EntryOf<K>;
    this.entries.set(key, created);
    return created;
  }

  private applyTtl(key: string, ttlMs: number | undefined): void {
    const entry = this.entries.get(key);
    if (entry && ttlMs !== undefined) entry.expiresAt = this.now() + ttlMs;
  }

  /**
   * Runs one step per key like a Redis pipeline: a failing key (wrong type) does not stop the
   * others, and the first failure is thrown once all ran.
   */
  private eachKey<T, R>(inputs: readonly T[], step: (input: T) => R): R[] {
    const results: R[] = [];
    let firstError: unknown;
    for (const input of inputs) {
      try {
        results.push(step(input));
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
    return results;
  }

  /** eachKey for writes: the entities of every input are announced to the watchers, even when some step failed (the others' writes stand). */
  private eachWrite<T, R>(inputs: readonly T[], keyOf: (input: T) => StoreKey | "", step: (input: T) => R): R[] {
    try {
      return this.eachKey(inputs, step);
    } finally {
      // No key list built without watchers (training's feature replays write millions of updates here).
      if (this.watchers.size > 0) this.announce(inputs.map(keyOf));
    }
  }

  private sweepExpired(): void {
    for (const key of this.entries.keys()) this.live(key);
  }
}

function emptyEntry(kind: EntryKind): Entry {
  switch (kind) {
    case "hash":
      return { kind, fields: new Map(), expiresAt: null };
    case "sortedSet":
      return { kind, scores: new Map(), expiresAt: null };
    case "list":
      return { kind, values: [], expiresAt: null };
  }
}

function wrongType(key: string, actual: EntryKind, wanted: EntryKind): OnlineStoreError {
  return new OnlineStoreError(`WRONGTYPE key ${key} holds a ${actual}, not a ${wanted}`);
}

/** Redis order: ascending score, equal scores by member bytes (memcmp of UTF-8). */
function ascendingMembers(set: EntryOf<"sortedSet">): ScoredMember[] {
  return [...set.scores].map(([member, score]) => ({ member, score })).sort((a, b) => a.score - b.score || compareUtf8(a.member, b.member));
}

/** Code-point order equals UTF-8 byte order (plain `<` compares UTF-16 units, which differs for astral characters). */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const difference = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
}
