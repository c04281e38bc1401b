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
import type { Counter, EntityState } from "../features/counters/counter.ts";
import { entityKey } from "../features/featureKeys.ts";
import { GenerationalMap } from "./generationalMap.ts";
import type { NumericHash, ScoredMember, StoreKey } from "../stores/onlineStore.ts";

export type ItemStateCacheOptions = { ttlMs?: number; maxEntries?: number; now?: () => number };

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

/** The store keys of many items, appended to a batch read (the caller adds its own keys too). */
export function appendItemKeys(shape: CounterReadShape, itemIds: readonly string[], hashes: StoreKey[], sortedSets: { key: StoreKey; limit: number }[]): void {
  for (const itemId of itemIds) {
    for (const name of shape.hashNames) hashes.push(entityKey("item", itemId, name));
    for (const { name, limit } of shape.sortedSets) sortedSets.push({ key: entityKey("item", itemId, name), limit });
  }
}

/** The states of `itemIds` from a batch's results, starting at the given offsets (appendItemKeys' order). */
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
    const hashMap = new Map<string, NumericHash>();
    for (const name of shape.hashNames) hashMap.set(name, hashes[h++]!);
    const setMap = new Map<string, readonly ScoredMember[]>();
    for (const { name } of shape.sortedSets) setMap.set(name, sortedSets[s++]!);
    states.push({ hashes: hashMap, sortedSets: setMap });
  }
  return states;
}

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

/** No field in any hash and no member in any sorted set (what itemStatesFrom shares between items). */
function isEmpty(state: EntityState): boolean {
  for (const hash of state.hashes.values()) for (const _field in hash) return false;
  for (const members of state.sortedSets.values()) if (members.length > 0) return false;
  return true;
}

export class ItemStateCache {
  /** Never deletes a key (see generationalMap.ts): a Map compacting its deleted slots stalled requests. */
  private readonly entries: GenerationalMap<{ state: EntityState; expiresAt: number }>;
  readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: ItemStateCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.entries = new GenerationalMap(options.maxEntries ?? 500_000);
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached state of each id (undefined where missing or expired). */
  lookup(itemIds: readonly string[]): (EntityState | undefined)[] {
    const at = this.now();
    return itemIds.map((itemId) => {
      const entry = this.entries.get(itemId);
      return entry && entry.expiresAt > at ? entry.state : undefined;
    });
  }

  /** `lookup` for each candidate's item, into `states` by candidate index; returns how many missed. */
  lookupItems(items: readonly { readonly itemId: string }[], states: (EntityState | undefined)[]): number {
    const at = this.now();
    let misses = 0;
    for (let index = 0; index < items.length; index += 1) {
      const entry = this.entries.get(items[index]!.itemId);
      if (entry !== undefined && entry.expiresAt > at) states[index] = entry.state;
      else {
        states[index] = undefined;
        misses += 1;
      }
    }
    return misses;
  }

  store(itemIds: readonly string[], states: readonly EntityState[]): void {
    if (this.ttlMs <= 0) return;
    const expiresAt = this.now() + this.ttlMs;
    // Items without state share one state object per batch (itemStatesFrom), so they share one
    // entry too: most of a large catalogue's candidates, and long-lived objects cost every GC.
    let emptyState: EntityState | undefined;
    let emptyEntry: { state: EntityState; expiresAt: number } | undefined;
    for (let index = 0; index < itemIds.length; index += 1) {
      const itemId = itemIds[index]!;
      const state = states[index]!;
      let entry: { state: EntityState; expiresAt: number };
      if (state === emptyState) entry = emptyEntry!;
      else {
        entry = { state, expiresAt };
        if (isEmpty(state)) {
          emptyState = state;
          emptyEntry = entry;
        }
      }
      this.entries.set(itemId, entry);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
