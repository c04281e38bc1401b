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
    expect(slots.epoch).toBe(0);
    expect(slots.slotOf("c")).toBe(0);
    expect(slots.epoch).toBe(1);
    expect(dropped).toEqual([1]);
    expect(slots.size).toBe(1);
    expect(slots.existingSlotOf("a")).toBe(NO_SLOT);
    expect(slots.slotOf("d")).toBe(1);
    // Distinct ids far past the bound keep getting slots, and the registry never holds more than the bound.
    for (let index = 0; index < 100; index += 1) {
      expect(slots.slotOf(`new-${index}`)).not.toBe(NO_SLOT);
      expect(slots.size).toBeLessThanOrEqual(2);
    }
    expect(slots.epoch).toBe(51);
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
});
