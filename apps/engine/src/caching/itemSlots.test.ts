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

  it("gives no slot past its bound, and never fails", () => {
    const slots = new ItemSlots({ maxSlots: 2 });
    expect([...slots.slotsOf(["a", "b", "c", "d", "a"])]).toEqual([0, 1, NO_SLOT, NO_SLOT, 0]);
    expect(slots.slotOf("c")).toBe(NO_SLOT);
    expect(slots.size).toBe(2);
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
});
