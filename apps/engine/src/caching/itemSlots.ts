// Dense integer slots for the item ids the request path sees, so the per-item caches (item
// attributes, item states) keep their data in arrays indexed by slot: a request looks each
// candidate's id up ONCE in a catalogue-sized Map (slotsOfCandidates, shared by the hydrators that
// run over the same list), not once per cache and again per hydrator. Each such lookup is a few
// cache misses (~0.5 µs at 1M ids); an array read by slot is one.
//
// Append-only: an id keeps its slot for the life of the process and no key is ever deleted, for
// the reason in generationalMap.ts (V8 compacts a Map with deleted slots in one O(n) pass on the
// request thread). The values are small integers (stored in the Map unboxed), so the registry
// itself adds no object per item for the GC to trace. No slot → id array is kept: nothing reads
// slots back to ids, and it would cost 8 B per slot.
//
// Bounded by `maxSlots`: once full, new ids get NO_SLOT and the caches read them from their
// source every time (uncached), rather than grow without bound on ids that are not in the
// catalogue.

/** What slotOf answers for an id once the registry is full: callers take their uncached path. */
export const NO_SLOT = -1;

/** Default bound: a 1M-item catalogue with room for ids that come and go (≈70 B per id in the Map). */
export const DEFAULT_MAX_ITEM_SLOTS = 4_000_000;

export type ItemSlotsOptions = { maxSlots?: number };

export class ItemSlots {
  private readonly slotById = new Map<string, number>();
  private readonly byList = new WeakMap<readonly { readonly itemId: string }[], Int32Array>();
  readonly maxSlots: number;

  constructor(options: ItemSlotsOptions = {}) {
    this.maxSlots = Math.max(0, options.maxSlots ?? DEFAULT_MAX_ITEM_SLOTS);
  }

  /** Slots given out so far (every slot is below this). */
  get size(): number {
    return this.slotById.size;
  }

  /** The id's slot, given now if it has none; NO_SLOT when the registry is full. */
  slotOf(itemId: string): number {
    const slot = this.slotById.get(itemId);
    if (slot !== undefined) return slot;
    if (this.slotById.size >= this.maxSlots) return NO_SLOT;
    const given = this.slotById.size;
    this.slotById.set(itemId, given);
    return given;
  }

  /** The id's slot if it has one (never gives one out): for data about ids nobody asked for yet. */
  existingSlotOf(itemId: string): number {
    return this.slotById.get(itemId) ?? NO_SLOT;
  }

  /** slotOf each id, by index. */
  slotsOf(itemIds: readonly string[]): Int32Array {
    const slots = new Int32Array(itemIds.length);
    for (let index = 0; index < itemIds.length; index += 1) slots[index] = this.slotOf(itemIds[index]!);
    return slots;
  }

  /**
   * slotOf each candidate's item, by candidate index, computed once per candidate list: the
   * `itemAttributes` and `onlineFeatures` hydrators run concurrently over the same list (a Candidate
   * has no field for it: the list is the key, and it is dropped with the list). A list grown since
   * (none is today) is looked up again.
   */
  slotsOfCandidates(candidates: readonly { readonly itemId: string }[]): Int32Array {
    let slots = this.byList.get(candidates);
    if (slots === undefined || slots.length !== candidates.length) {
      slots = new Int32Array(candidates.length);
      for (let index = 0; index < candidates.length; index += 1) slots[index] = this.slotOf(candidates[index]!.itemId);
      this.byList.set(candidates, slots);
    }
    return slots;
  }
}
