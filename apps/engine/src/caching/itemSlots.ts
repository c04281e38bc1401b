// Dense integer slots for the item ids the request path sees, so the per-item caches (item
// attributes, item states) keep their data in arrays indexed by slot: a request looks each
// candidate's id up ONCE in a catalogue-sized Map (slotsOfCandidates, shared by the hydrators that
// run over the same list), not once per cache and again per hydrator. Each such lookup is a few
// cache misses (~0.5 µs at 1M ids); an array read by slot is one.
//
// No key is ever deleted, for the reason in generationalMap.ts (V8 compacts a Map with deleted
// slots in one O(n) pass on the request thread). The values are small integers (stored in the Map
// unboxed), so the registry itself adds no object per item for the GC to trace. No slot → id array
// is kept: nothing reads slots back to ids, and it would cost 8 B per slot.
//
// Bounded by generations of `maxSlots` ids: when a new id finds the registry full (catalogue churn,
// sources returning deleted ids), a new generation starts: the id Map is dropped whole and every
// cache built on the registry drops its slot tables (onNewGeneration), so memory stays bounded and
// new items keep being cached; the caches refill on demand (one cold moment per `maxSlots` distinct
// ids). Slots are only meaningful in the generation (`epoch`) that gave them: a caller holding
// slots across an await passes their epoch back, and a cache ignores slots of another epoch.
//
// Slot hints: a source whose list is long-lived (a retrieval model's rows, a ranking snapshot)
// keeps that list's slots in a ListSlotMemo and stamps each candidate with its slot and epoch; the
// list path then reads the stamp (of this epoch) instead of the Map. At 1M items the Map lookups
// were ~6% of the request thread's CPU; nearly every candidate comes from such a list.

import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/** What slotOf answers for an id that gets no slot (a bound of 0; a list with more distinct ids than the bound): callers take their uncached path. */
export const NO_SLOT = -1;

/** Default bound of a generation: a 1M-item catalogue with room for ids that come and go (≈70 B per id in the Map). */
export const DEFAULT_MAX_ITEM_SLOTS = 4_000_000;

export type ItemSlotsOptions = { maxSlots?: number };

/**
 * A list entry, optionally with its slot as a source stamped it (itemSlot, itemSlotEpoch): the list path then
 * reads the hint instead of looking the id up in the catalogue-sized Map, when it is of this epoch.
 */
type ItemList = readonly { readonly itemId: string; readonly itemSlot?: number; readonly itemSlotEpoch?: number }[];

/** A slot not yet looked up in a ListSlotMemo (NO_SLOT is a looked-up answer). */
const UNKNOWN = -2;

/**
 * Epochs are numbered across every registry in the process, so a slot stamped by a source that
 * holds another registry (another serving stack) never matches this one's epoch.
 */
let epochsTaken = 0;
const takeEpoch = (): number => epochsTaken++;

/**
 * A candidate list's slots, with the ids they were computed for (the list may not be the same by
 * then: see slotsOfCandidates). One object per list and generation: a cache that keeps something
 * per list can tell by identity whether the list still holds the same ids (listSlotsOf).
 */
export type ListSlots = { readonly itemIds: readonly string[]; readonly slots: Int32Array };

/** Whether `items` still holds `itemIds`, row by row (the same string objects, so mostly pointer compares). */
function holdsItemIds(items: ItemList, itemIds: readonly string[]): boolean {
  if (items.length !== itemIds.length) return false;
  for (let row = 0; row < itemIds.length; row += 1) if (items[row]!.itemId !== itemIds[row]) return false;
  return true;
}

export class ItemSlots {
  private slotById = new Map<string, number>();
  private byList = new WeakMap<ItemList, ListSlots>();
  private memos = new WeakMap<object, ListSlotMemo>();
  private readonly generationListeners: (() => void)[] = [];
  private generation = takeEpoch();
  readonly maxSlots: number;

  constructor(options: ItemSlotsOptions = {}) {
    this.maxSlots = Math.max(0, options.maxSlots ?? DEFAULT_MAX_ITEM_SLOTS);
  }

  /** Slots given out in this generation (every slot of it is below this). */
  get size(): number {
    return this.slotById.size;
  }

  /** The generation the slots given out now belong to. */
  get epoch(): number {
    return this.generation;
  }

  /** Calls `drop` when a new generation starts: the caller drops everything it keeps by slot. */
  onNewGeneration(drop: () => void): void {
    this.generationListeners.push(drop);
  }

  /** The id's slot, given now if it has none (starting a new generation when this one is full). */
  slotOf(itemId: string): number {
    const slot = this.slotById.get(itemId);
    return slot !== undefined ? slot : this.give(itemId, true);
  }

  /** The id's slot if it has one (never gives one out): for data about ids nobody asked for yet. */
  existingSlotOf(itemId: string): number {
    return this.slotById.get(itemId) ?? NO_SLOT;
  }

  private give(itemId: string, mayStartGeneration: boolean): number {
    if (this.slotById.size >= this.maxSlots) {
      if (!mayStartGeneration || this.maxSlots === 0) return NO_SLOT;
      this.startGeneration();
    }
    const given = this.slotById.size;
    this.slotById.set(itemId, given);
    return given;
  }

  /** Drops the id Map and the per-list memo whole (no key deleted one by one), and tells the caches to drop their tables. */
  private startGeneration(): void {
    this.slotById = new Map();
    this.byList = new WeakMap();
    this.generation = takeEpoch();
    for (const drop of this.generationListeners) drop();
  }

  /** slotOf each id, by index, all of the current epoch. */
  slotsOf(itemIds: readonly string[]): Int32Array {
    const slots = new Int32Array(itemIds.length);
    const epoch = this.generation;
    for (let index = 0; index < itemIds.length; index += 1) slots[index] = this.slotOf(itemIds[index]!);
    if (this.generation !== epoch) {
      // A generation started midway: the slots before it are the old one's. Again in the new one,
      // without starting another (ids past the bound in one list get NO_SLOT).
      for (let index = 0; index < itemIds.length; index += 1) {
        const itemId = itemIds[index]!;
        slots[index] = this.slotById.get(itemId) ?? this.give(itemId, false);
      }
    }
    return slots;
  }

  /**
   * slotOf each candidate's item, by candidate index, computed once per candidate list: the
   * `itemAttributes` and `onlineFeatures` hydrators run concurrently over the same list (a Candidate
   * has no field for it: the list is the key, and it is dropped with the list). The memo checks the
   * list still holds the ids it was computed for (a list reordered or changed in place since is
   * looked up again: slots are by row), and is dropped with its generation (never an old epoch's
   * slots).
   */
  slotsOfCandidates(candidates: ItemList): Int32Array {
    return this.listSlotsOf(candidates).slots;
  }

  /** slotsOfCandidates with the ids they are for: the same object for as long as the list holds those ids in this generation. */
  listSlotsOf(candidates: ItemList): ListSlots {
    const known = this.byList.get(candidates);
    if (known !== undefined && holdsItemIds(candidates, known.itemIds)) return known;
    const rows = candidates.length;
    const itemIds = new Array<string>(rows);
    const slots = new Int32Array(rows);
    const epoch = this.generation;
    for (let row = 0; row < rows; row += 1) {
      const candidate = candidates[row]!;
      const itemId = candidate.itemId;
      itemIds[row] = itemId;
      // A source's hint is an array read where the Map lookup is a few cache misses (~0.6 µs at 1M ids).
      const hint = candidate.itemSlotEpoch === epoch ? candidate.itemSlot : undefined;
      slots[row] = hint !== undefined && hint >= 0 ? hint : this.slotOf(itemId);
    }
    // A generation started midway: every slot again in the new one (slotsOf's rule), hints aside.
    const listSlots = { itemIds, slots: this.generation === epoch ? slots : this.slotsOf(itemIds) };
    this.byList.set(candidates, listSlots);
    return listSlots;
  }

  /**
   * The memo of slots for `list`, a long-lived list whose entries never change (a retrieval model's
   * rows, a ranking snapshot): one per list object, so every request (and every source built for one
   * request, such as a pinned model's) shares it. `length` is the list's.
   */
  memoFor(list: object, length: number): ListSlotMemo {
    let memo = this.memos.get(list);
    if (memo === undefined || memo.length !== length) this.memos.set(list, (memo = new ListSlotMemo(this, length)));
    return memo;
  }
}

/**
 * Slots of one long-lived, unchanging id list by index, each looked up in the registry once per
 * generation: a source stamps them on its candidates (itemSlot, itemSlotEpoch) so the request path reads an
 * array instead of the catalogue-sized Map. The caller must pass the list's own id at `index`.
 */
export class ListSlotMemo {
  private slots = new Int32Array(0);
  /** The generation the memo's slots belong to (stamp it with the slot, after slotAt). */
  epoch = -1;

  constructor(
    private readonly registry: ItemSlots,
    readonly length: number,
  ) {}

  /** The slot of `itemId`, the list's `index`-th id, in the registry's current generation. */
  slotAt(index: number, itemId: string): number {
    if (index < 0 || index >= this.length) return NO_SLOT; // not the list's: no hint (the list path looks the id up)
    if (this.epoch !== this.registry.epoch) this.reset();
    const known = this.slots[index]!;
    if (known !== UNKNOWN) return known;
    const slot = this.registry.slotOf(itemId);
    // Giving this id its slot may have started a generation: the memo's other slots are stale then.
    if (this.epoch !== this.registry.epoch) this.reset();
    this.slots[index] = slot;
    return slot;
  }

  /**
   * Looks up every row of `itemIds` (the list itself) not yet known, `chunk` rows per macrotask, so a
   * serving stack can fill a retrieval model's memo before it takes traffic instead of paying a
   * catalogue-sized Map lookup per first-seen row on the request path (2.5% of the request thread
   * in the first minute at 1M items). Stops when `signal` aborts. Returns the rows looked up.
   */
  async fill(itemIds: readonly string[], options: { chunk?: number; signal?: AbortSignal } = {}): Promise<number> {
    const chunk = Math.max(1, options.chunk ?? 16_384);
    const rows = Math.min(this.length, itemIds.length);
    let looked = 0;
    for (let from = 0; from < rows && options.signal?.aborted !== true; from += chunk) {
      const to = Math.min(rows, from + chunk);
      for (let index = from; index < to; index += 1) {
        if (this.epoch === this.registry.epoch && this.slots[index] !== UNKNOWN) continue;
        this.slotAt(index, itemIds[index]!);
        looked += 1;
      }
      if (to < rows) await yieldToEventLoop();
    }
    return looked;
  }

  private reset(): void {
    this.slots = new Int32Array(this.length).fill(UNKNOWN);
    this.epoch = this.registry.epoch;
  }
}
