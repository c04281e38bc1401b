import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ItemSlots, NO_SLOT } from "./itemSlots.ts";

const candidate = (itemId: string) => ({ itemId });

describe("ItemSlots", () => {
  it("gives each id one dense slot, for good", () => {
    const slots = new ItemSlots();
    expect([...slots.slotsOf(["a", "b", "a", "c"])]).toEqual([0, 1, 0, 2]);
    expect(slots.slotOf("b")).toBe(1);
    expect(slots.size).toBe(3);
  });

  it("starts a new generation when a new id finds it full: the old ids are dropped whole, new ids get slots again", () => {
    const slots = new ItemSlots({ maxSlots: 2 });
    const dropped: number[] = [];
    slots.onNewGeneration(() => dropped.push(slots.epoch));
    expect([...slots.slotsOf(["a", "b", "a"])]).toEqual([0, 1, 0]);
    const first = slots.epoch;
    expect(slots.slotOf("c")).toBe(0);
    expect(slots.epoch).toBeGreaterThan(first);
    expect(dropped).toEqual([slots.epoch]);
    expect(slots.size).toBe(1);
    expect(slots.existingSlotOf("a")).toBe(NO_SLOT);
    expect(slots.slotOf("d")).toBe(1);
    // Distinct ids far past the bound keep getting slots, and the registry never holds more than the bound.
    const epochs = new Set([slots.epoch]);
    for (let index = 0; index < 100; index += 1) {
      expect(slots.slotOf(`new-${index}`)).not.toBe(NO_SLOT);
      expect(slots.size).toBeLessThanOrEqual(2);
      epochs.add(slots.epoch);
    }
    // "d" filled the generation "c" started; then one new generation per two new ids.
    expect(epochs.size).toBe(51);
  });

  it("gives one list's slots all in one generation, NO_SLOT for ids past the bound in a list longer than it", () => {
    const slots = new ItemSlots({ maxSlots: 2 });
    slots.slotsOf(["x", "y"]);
    const list = slots.slotsOf(["a", "b", "c", "a"]);
    // Whatever generation it ends in, the slots are that generation's: the same ids as the registry answers now.
    expect([...list]).toEqual(["a", "b", "c", "a"].map((id) => slots.existingSlotOf(id)));
    expect([...list].filter((slot) => slot !== NO_SLOT)).toHaveLength(3);
    expect(new Set(list).size).toBe(3);
    expect(new ItemSlots({ maxSlots: 0 }).slotOf("a")).toBe(NO_SLOT);
  });

  it("looks an id up without giving it a slot", () => {
    const slots = new ItemSlots();
    expect(slots.existingSlotOf("a")).toBe(NO_SLOT);
    expect(slots.size).toBe(0);
    slots.slotOf("a");
    expect(slots.existingSlotOf("a")).toBe(0);
  });

  it("computes a candidate list's slots once, for every caller of the same list", () => {
    const slots = new ItemSlots();
    const looked: string[] = [];
    const slotOf = slots.slotOf.bind(slots);
    slots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
    const list = [candidate("x"), candidate("y")];
    const first = slots.slotsOfCandidates(list);
    expect(slots.slotsOfCandidates(list)).toBe(first);
    expect([...first]).toEqual([0, 1]);
    expect(looked).toEqual(["x", "y"]);
    // Another list with the same ids is its own lookup (same slots).
    expect([...slots.slotsOfCandidates([candidate("y"), candidate("x")])]).toEqual([1, 0]);
  });

  it("looks a candidate list up again when it was reordered or changed in place since (the slots are by row)", () => {
    const slots = new ItemSlots();
    const list = [candidate("x"), candidate("y"), candidate("z")];
    expect([...slots.slotsOfCandidates(list)]).toEqual([0, 1, 2]);
    list.reverse();
    expect([...slots.slotsOfCandidates(list)]).toEqual([2, 1, 0]);
    list[1] = candidate("w");
    expect([...slots.slotsOfCandidates(list)]).toEqual([2, 3, 0]);
  });

  it("never hands out a list's slots of an old generation", () => {
    const slots = new ItemSlots({ maxSlots: 3 });
    const list = [candidate("x"), candidate("y")];
    expect([...slots.slotsOfCandidates(list)]).toEqual([0, 1]);
    slots.slotOf("z");
    expect(slots.slotOf("w")).toBe(0); // a new generation: slot 0 is w's now
    expect([...slots.slotsOfCandidates(list)]).toEqual([1, 2]);
  });

  it("reads a source's slot hint of the current generation instead of the Map, and ignores one of another generation or registry", () => {
    const slots = new ItemSlots();
    const other = new ItemSlots();
    const looked: string[] = [];
    const slotOf = slots.slotOf.bind(slots);
    const x = slots.slotOf("x");
    const y = slots.slotOf("y");
    slots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
    const list = [
      { itemId: "x", itemSlot: x, itemSlotEpoch: slots.epoch },
      // A registry of another serving stack gives slots from 0 too: its epoch is never this one's.
      { itemId: "y", itemSlot: 0, itemSlotEpoch: other.epoch },
      { itemId: "z" },
    ];
    expect([...slots.slotsOfCandidates(list)]).toEqual([x, y, 2]);
    expect(looked).toEqual(["y", "z"]);
  });

  it("memoises a long-lived list's slots by index, once per generation", () => {
    const slots = new ItemSlots({ maxSlots: 3 });
    const rows = ["a", "b", "c"];
    const memo = slots.memoFor(rows, rows.length);
    expect(slots.memoFor(rows, rows.length)).toBe(memo);
    const looked: string[] = [];
    const slotOf = slots.slotOf.bind(slots);
    slots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
    expect([memo.slotAt(1, "b"), memo.slotAt(0, "a"), memo.slotAt(1, "b")]).toEqual([0, 1, 0]);
    expect(looked).toEqual(["b", "a"]);
    expect(memo.epoch).toBe(slots.epoch);
    // A new generation (the registry full): the memo's slots are stale and looked up again.
    slots.slotOf("c");
    slots.slotOf("d");
    expect(memo.slotAt(1, "b")).toBe(slots.existingSlotOf("b"));
    expect(memo.epoch).toBe(slots.epoch);
    expect(looked.slice(-1)).toEqual(["b"]);
  });

  it("fills a list's memo ahead, in chunks, so later lookups touch no Map; an aborted fill stops between chunks", async () => {
    const slots = new ItemSlots();
    slots.slotOf("seen-before");
    const rows = Array.from({ length: 10 }, (_, index) => `r${index}`);
    const memo = slots.memoFor(rows, rows.length);
    memo.slotAt(3, "r3");
    expect(await memo.fill(rows, { chunk: 4 })).toBe(9); // r3 was known already
    const looked: string[] = [];
    const slotOf = slots.slotOf.bind(slots);
    slots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
    expect(rows.map((itemId, row) => memo.slotAt(row, itemId))).toEqual(rows.map((itemId) => slots.existingSlotOf(itemId)));
    expect(looked).toEqual([]);

    const stopped = new AbortController();
    const other = Array.from({ length: 10 }, (_, index) => `o${index}`);
    const otherMemo = slots.memoFor(other, other.length);
    const filling = otherMemo.fill(other, { chunk: 4, signal: stopped.signal });
    stopped.abort(); // after the first chunk (it runs before the fill first yields)
    expect(await filling).toBe(4);
    expect(other.map((itemId) => slots.existingSlotOf(itemId) !== NO_SLOT)).toEqual(other.map((_, row) => row < 4));
  });

  it("property: candidates stamped from list memos get the slot the registry gives their id, through generations", () => {
    const ids = Array.from({ length: 12 }, (_, index) => `i${index}`);
    const list = fc.array(fc.integer({ min: 0, max: ids.length - 1 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.tuple(list, fc.array(fc.boolean())), { maxLength: 12 }), (maxSlots, requests) => {
        const slots = new ItemSlots({ maxSlots });
        // Two long-lived lists sources memoise (rows of a model, a snapshot), and stray ids no list holds.
        const model = ids.slice(0, 8);
        const snapshot = ids.slice(4);
        for (const [picks, stamp] of requests) {
          const candidates = picks.map((pick, index) => {
            const fromModel = pick < model.length;
            const itemId = ids[pick]!;
            if (stamp[index] === false) return { itemId };
            const memo = fromModel ? slots.memoFor(model, model.length) : slots.memoFor(snapshot, snapshot.length);
            const itemSlot = memo.slotAt(fromModel ? pick : pick - 4, itemId);
            return { itemId, itemSlot, itemSlotEpoch: memo.epoch };
          });
          const found = [...slots.slotsOfCandidates(candidates)];
          // Whatever generation the list ends in, its slots are that generation's answers for its ids.
          expect(found).toEqual(candidates.map(({ itemId }) => slots.existingSlotOf(itemId)));
          expect(found.filter((slot) => slot !== NO_SLOT).every((slot) => slot < maxSlots)).toBe(true);
        }
      }),
      { seed: 13, numRuns: 300 },
    );
  });
});
