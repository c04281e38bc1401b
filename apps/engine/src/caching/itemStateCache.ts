// In-process cache of the items' raw online-store state (the counters' hashes of every item the
// registry reads), so a request reads from Redis only the candidates it has not seen in the last
// `ttlMs` — not 2 HGETALLs × 500 candidates per request.
//
// What is cached is the STATE, never a feature value: features are still computed per request by
// the registry's own compute functions at the request time, so decayed counters (trending, CTR)
// decay arithmetically at read time and a cached state gives exactly the value the registry gives
// for that state. The only difference from an uncached read is staleness: events applied within
// the last `ttlMs` are not yet seen (item counters move slowly: half-lives of hours to days).
// Items with no state at all (most of a large catalogue) are cached too, as empty state.
//
// With a change feed (watchChanges on the online store, listened to through `changeListener`) an
// unchanged item's state is kept for `watchedTtlMs` (10 min) instead of `ttlMs`: the feed names
// every item a write changes, and a change brings the item's state back to the `ttlMs` rule (kept
// until `ttlMs` after it was read). So a change is seen within `ttlMs`, as without a feed, while
// the items nobody wrote to (most of a large catalogue, at any moment) are not read again every
// `ttlMs`. What the feed cannot vouch for is kept `ttlMs` only: a state whose read started before
// a change of its item arrived (the read may predate the write), everything read while the feed
// is not live, and, when the feed stops being live, everything kept on its word (cut back to
// `ttlMs` after its read). Key expiry is not a change the feed reports; the item counters' expiry
// never changes what they read (decayedSum.ts: a hash expires only once no field of it is read).
//
// Storage: by item slot (itemSlots.ts, shared with the item attribute cache by the serving stack):
// the state and its expiry per slot (slotTable.ts), no entry object per item. Expired states are
// released by a sweep that each store advances over a bounded chunk of slots, so what is held is
// about what was stored within the TTL, without deleting keys from a Map (generationalMap.ts). When
// the registry starts a new generation, the whole table is dropped (itemSlots.ts).
import type { Counter, EntityState } from "../features/counters/counter.ts";
import { DEFAULT_MAX_ITEM_SLOTS, ItemSlots, NO_SLOT } from "./itemSlots.ts";
import { ShapedMap } from "./shapedMap.ts";
import { grownTimes, NEVER, SlotTable } from "./slotTable.ts";
import type { EntityChangeListener, NumericHash, ScoredMember } from "../stores/onlineStore.ts";

export type ItemStateCacheOptions = {
  /** How long a state is kept without a live change feed, and at most after its item changed (default 10 s). */
  ttlMs?: number;
  /** How long an unchanged item's state is kept while the change feed is live (default 10 min; at least ttlMs). */
  watchedTtlMs?: number;
  /** The slot registry (shared with the item attribute cache by the serving stack); omitted: a registry of its own. */
  slots?: ItemSlots;
  /** Ids per generation of its own registry (without `slots`): when a new id finds it full, every state held is dropped and the cache refills (itemSlots.ts). */
  maxSlotsPerGeneration?: number;
  now?: () => number;
};

/**
 * Slots the expiry sweep visits per state stored (at least SWEEP_MIN_SLOTS per store): with ~120
 * misses a request, ~2k slots (~2 µs: a scan of a Float64Array) and a full pass over 1M slots every
 * ~500 requests (a few seconds at 200 requests/s). Proportional to the stores, so what is held
 * stays about what was stored within the TTL plus one pass, at no pause on the request thread.
 */
const SWEEP_SLOTS_PER_STATE = 16;
const SWEEP_MIN_SLOTS = 1_024;

/** Which keys one entity needs at a time: hash names and sorted-set reads of its counters (user or item). */
export type CounterReadShape = { hashNames: readonly string[]; sortedSets: readonly { name: string; limit: number }[] };

export function counterReadShape(counters: readonly Counter[], atMs: number): CounterReadShape {
  const hashNames = new Set<string>();
  const sortedSets = new Map<string, number>();
  for (const counter of counters) {
    const reads = counter.reads(atMs);
    for (const name of reads.hashes) hashNames.add(name);
    for (const { name, limit } of reads.sortedSets) sortedSets.set(name, Math.max(limit, sortedSets.get(name) ?? 0));
  }
  return { hashNames: [...hashNames], sortedSets: [...sortedSets].map(([name, limit]) => ({ name, limit })) };
}

/** The states of `itemIds` from a batch's results, starting at the given offsets (readEntities' order: item by item, each item's hashes and sorted sets in the shape's order). */
export function itemStatesFrom(
  shape: CounterReadShape,
  itemIds: readonly string[],
  hashes: readonly NumericHash[],
  hashOffset: number,
  sortedSets: readonly (readonly ScoredMember[])[],
  sortedSetOffset: number,
): EntityState[] {
  const states: EntityState[] = [];
  let h = hashOffset;
  let s = sortedSetOffset;
  // Most items of a large catalogue have no state at all: they share one (read-only) empty state.
  const empty = emptyStateOf(shape);
  const setNames = shape.sortedSets.map(({ name }) => name);
  for (let index = 0; index < itemIds.length; index += 1) {
    let hasData = false;
    for (let k = 0; k < shape.hashNames.length && !hasData; k += 1) for (const _field in hashes[h + k]!) hasData = true;
    for (let k = 0; k < shape.sortedSets.length && !hasData; k += 1) hasData = sortedSets[s + k]!.length > 0;
    if (!hasData) {
      states.push(empty);
      h += shape.hashNames.length;
      s += shape.sortedSets.length;
      continue;
    }
    // Maps over the shape's shared names (shapedMap.ts), not a Map each: a cached state lives for seconds, long enough to be promoted.
    const ownHashes = new ShapedMap(shape.hashNames, hashes.slice(h, (h += shape.hashNames.length)));
    const ownSortedSets = setNames.length === 0 ? NO_SORTED_SETS : new ShapedMap(setNames, sortedSets.slice(s, (s += setNames.length)));
    states.push({ hashes: ownHashes, sortedSets: ownSortedSets });
  }
  return states;
}

/** The sorted sets of a state whose shape reads none (every item counter today): one shared empty map. */
const NO_SORTED_SETS = new ShapedMap<readonly ScoredMember[]>([], []);

/**
 * The read-only empty state of a read shape, one per shape's key names for the process (a few):
 * shared by every item without state in every batch, so reading such items (most candidates of a
 * large catalogue) touches the same few objects, not a copy per batch scattered over the heap.
 */
const emptyStates = new Map<string, EntityState>();

function emptyStateOf(shape: CounterReadShape): EntityState {
  const key = `${shape.hashNames.join("\u0001")}\u0000${shape.sortedSets.map(({ name }) => name).join("\u0001")}`;
  let empty = emptyStates.get(key);
  if (empty === undefined) {
    empty = {
      hashes: new Map(shape.hashNames.map((name) => [name, Object.freeze({}) as NumericHash])),
      sortedSets: new Map(shape.sortedSets.map(({ name }) => [name, Object.freeze([]) as readonly ScoredMember[]])),
    };
    // Bounded: shapes change only with the registry's counters (windowed ones roll their key names; none read items today).
    if (emptyStates.size >= 64) emptyStates.clear();
    emptyStates.set(key, empty);
  }
  return empty;
}

/** What a lookup by slots of another epoch reads: nothing held. */
const EMPTY_TABLE = new SlotTable<EntityState>();

export class ItemStateCache {
  readonly slots: ItemSlots;
  /** By slot: the state and when it expires (NEVER: nothing held). */
  private readonly table = new SlotTable<EntityState>();
  /** States held (stored and not yet released by the sweep). */
  private held = 0;
  /** Where the expiry sweep goes on. */
  private sweepFrom = 0;
  readonly ttlMs: number;
  readonly watchedTtlMs: number;
  private readonly now: () => number;
  /** Since when the change feed is live (NaN: it is not). */
  private feedLiveSince = Number.NaN;
  /** By slot: when the feed last named the slot's item (NEVER: not since the table started). */
  private changedAt: Float64Array = new Float64Array(0);
  /** By slot: when the read of a state kept on the feed's word started (NEVER: the state held, if any, is kept by the `ttlMs` rule). */
  private watchedReadAt: Float64Array = new Float64Array(0);

  constructor(options: ItemStateCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.watchedTtlMs = Math.max(this.ttlMs, options.watchedTtlMs ?? 600_000);
    this.slots = options.slots ?? new ItemSlots({ maxSlots: options.maxSlotsPerGeneration ?? DEFAULT_MAX_ITEM_SLOTS });
    this.now = options.now ?? Date.now;
    this.slots.onNewGeneration(() => this.clear());
  }

  /** States held (some may have expired since the sweep last passed them). */
  get size(): number {
    return this.held;
  }

  /** The cached state of each id (undefined where missing or expired). */
  lookup(itemIds: readonly string[]): (EntityState | undefined)[] {
    const states = new Array<EntityState | undefined>(itemIds.length);
    this.lookupSlots(this.slots.slotsOf(itemIds), this.slots.epoch, states);
    return states;
  }

  /** `lookup` for each candidate's item, into `states` by candidate index; returns how many missed. */
  lookupItems(items: readonly { readonly itemId: string }[], states: (EntityState | undefined)[]): number {
    return this.lookupSlots(this.slots.slotsOfCandidates(items), this.slots.epoch, states);
  }

  /** The cached state of each slot of `epoch` (undefined where missing or expired; all of them for another epoch's slots) into `states` by index; returns how many missed. */
  lookupSlots(slots: Int32Array, epoch: number, states: (EntityState | undefined)[]): number {
    const at = this.now();
    // Another generation's slots name other items now: nothing of theirs is held.
    const { values, times } = epoch === this.slots.epoch ? this.table : EMPTY_TABLE;
    let misses = 0;
    for (let index = 0; index < slots.length; index += 1) {
      const slot = slots[index]!;
      if (slot !== NO_SLOT && slot < times.length && times[slot]! > at) states[index] = values[slot];
      else {
        states[index] = undefined;
        misses += 1;
      }
    }
    return misses;
  }

  /** Keeps states for `ttlMs` (storeSlots, with the slots taken before the read, may keep them longer). */
  store(itemIds: readonly string[], states: readonly EntityState[]): void {
    if (this.ttlMs <= 0) return;
    this.storeSlots(this.slots.slotsOf(itemIds), this.slots.epoch, states);
  }

  /** The time to pass to storeSlots for states read from the store from now on. */
  readStarted(): number {
    return this.now();
  }

  /**
   * Keeps `states[i]` for slot `slots[i]` of `epoch` (a slot NO_SLOT, or slots of another epoch,
   * read before a new generation started: not kept): for `watchedTtlMs` after `readStartedAt`
   * (readStarted() before the read) when the change feed was live all along and did not name the
   * item since, else for `ttlMs`. The slots must be taken before the read starts: the feed's news
   * of an item without a slot is not kept.
   */
  storeSlots(slots: ArrayLike<number>, epoch: number, states: readonly EntityState[], readStartedAt?: number): void {
    if (this.ttlMs <= 0 || epoch !== this.slots.epoch) return;
    const at = this.now();
    const expiresAt = at + this.ttlMs;
    // NaN (no feed) compares false: nothing is watched. Strictly before: in the millisecond the feed
    // came up, the read may have started before it (as with a change in the read's millisecond).
    const watched = readStartedAt !== undefined && this.feedLiveSince < readStartedAt && this.watchedTtlMs > this.ttlMs;
    // A read slower than watchedTtlMs - ttlMs: the `ttlMs` rule keeps it longer, and does.
    const onFeedsWord = watched && readStartedAt + this.watchedTtlMs > expiresAt;
    const changedAt = this.changedAt;
    for (let index = 0; index < slots.length; index += 1) {
      const slot = slots[index]!;
      if (slot === NO_SLOT) continue;
      if (this.table.timeAt(slot) === NEVER) this.held += 1;
      // NEVER (-Infinity) past the column's end too: compared as "not changed since".
      const unchanged = onFeedsWord && !((slot < changedAt.length ? changedAt[slot]! : NEVER) >= readStartedAt);
      this.table.set(slot, states[index]!, unchanged ? readStartedAt + this.watchedTtlMs : expiresAt);
      if (unchanged) {
        if (slot >= this.watchedReadAt.length) this.watchedReadAt = grownTimes(this.watchedReadAt, slot + 1);
        this.watchedReadAt[slot] = readStartedAt;
      } else if (slot < this.watchedReadAt.length) this.watchedReadAt[slot] = NEVER;
    }
    this.sweep(at, Math.max(SWEEP_MIN_SLOTS, slots.length * SWEEP_SLOTS_PER_STATE));
  }

  /** What the online store's watchChanges reports to (the item kind's changes): see the file header. */
  readonly changeListener: EntityChangeListener = {
    changed: (itemIds) => {
      const at = this.now();
      for (const itemId of itemIds) {
        const slot = this.slots.existingSlotOf(itemId);
        if (slot === NO_SLOT) continue;
        if (slot >= this.changedAt.length) this.changedAt = grownTimes(this.changedAt, slot + 1);
        this.changedAt[slot] = at;
        if (slot < this.watchedReadAt.length) this.backToTtl(slot);
      }
    },
    live: (isLive) => {
      if (isLive) {
        if (Number.isNaN(this.feedLiveSince)) this.feedLiveSince = this.now();
        return;
      }
      this.feedLiveSince = Number.NaN;
      // Changes may have gone unreported: every state kept on the feed's word falls back to the `ttlMs` rule.
      for (let slot = 0; slot < this.watchedReadAt.length; slot += 1) this.backToTtl(slot);
    },
  };

  /** A state kept on the feed's word at `slot` (if any) is kept until `ttlMs` after its read, at the latest. */
  private backToTtl(slot: number): void {
    const readAt = this.watchedReadAt[slot]!;
    if (readAt === NEVER) return;
    this.watchedReadAt[slot] = NEVER;
    const times = this.table.times;
    if (slot < times.length && times[slot]! > readAt + this.ttlMs) times[slot] = readAt + this.ttlMs;
  }

  /** Releases the expired states of the next `count` slots (see SWEEP_SLOTS_PER_STATE). */
  private sweep(at: number, count: number): void {
    const times = this.table.times;
    const end = Math.min(times.length, this.sweepFrom + count);
    for (let slot = this.sweepFrom; slot < end; slot += 1) {
      const expiresAt = times[slot]!;
      if (expiresAt <= at && expiresAt !== NEVER) {
        this.table.release(slot);
        this.held -= 1;
      }
    }
    this.sweepFrom = end >= times.length ? 0 : end;
  }

  clear(): void {
    this.table.clear();
    this.changedAt = new Float64Array(0);
    this.watchedReadAt = new Float64Array(0);
    this.held = 0;
    this.sweepFrom = 0;
  }
}
