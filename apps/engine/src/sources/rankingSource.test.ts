import { describe, expect, it } from "vitest";
import { query } from "../funnel/testing/funnelFixtures.ts";
import { ItemSlots } from "../caching/itemSlots.ts";
import type { PopularityRanking, PopularitySnapshot } from "./popularityRanking.ts";
import { rankingSource } from "./rankingSource.ts";

const signal = new AbortController().signal;
const snapshotOf = (...ids: string[]): PopularitySnapshot => ({
  id: ids.join(","),
  items: ids.map((itemId, index) => ({ itemId, score: 10 - index })),
  computedAt: new Date(0),
  referenceTime: null,
});
const rankingOf = (holder: { snapshot: PopularitySnapshot }) => ({ currentSnapshot: async () => holder.snapshot }) as unknown as PopularityRanking;

describe("rankingSource", () => {
  it("serves the snapshot's head, best first, with the ranking's scores", async () => {
    const source = rankingSource("trending", rankingOf({ snapshot: snapshotOf("a", "b", "c") }), 15);
    expect(await source.fetch(query(), 2, signal)).toEqual([
      { itemId: "a", score: 10 },
      { itemId: "b", score: 9 },
    ]);
  });

  it("stamps each item with its slot in the given registry, looked up once per snapshot and generation", async () => {
    const slots = new ItemSlots();
    slots.slotOf("b");
    const holder = { snapshot: snapshotOf("a", "b", "c") };
    const source = rankingSource("trending", rankingOf(holder), 15, slots);
    const first = await source.fetch(query(), 3, signal);
    expect(first.map(({ itemId, itemSlot, itemSlotEpoch }) => [itemId, itemSlot, itemSlotEpoch])).toEqual([
      ["a", 1, slots.epoch],
      ["b", 0, slots.epoch],
      ["c", 2, slots.epoch],
    ]);
    const looked: string[] = [];
    const slotOf = slots.slotOf.bind(slots);
    slots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
    expect(await source.fetch(query(), 3, signal)).toEqual(first);
    expect(looked).toEqual([]);
    // A new snapshot, in another order: its own memo, the same slots for the same ids.
    holder.snapshot = snapshotOf("d", "c");
    expect((await source.fetch(query(), 3, signal)).map(({ itemId, itemSlot }) => [itemId, itemSlot])).toEqual([
      ["d", 3],
      ["c", 2],
    ]);
    expect(looked).toEqual(["d", "c"]);
  });
});
