import { describe, expect, it } from "vitest";
import type { PeriodicSnapshot } from "../caching/periodicSnapshot.ts";
import { freshItemsSource, type FreshItem } from "./freshItemsSource.ts";
import { ItemSlots } from "../caching/itemSlots.ts";

const HOUR_MS = 3_600_000;
const listOf = (items: FreshItem[] | undefined) => ({ current: items }) as unknown as PeriodicSnapshot<FreshItem[]>;
const query = (nowMs: number) => ({ requestId: "r", userId: "u", surface: "home", count: 10, nowMs, context: {}, excludeItemIds: [], seed: 1 });

describe("freshItemsSource", () => {
  const nowMs = 100 * HOUR_MS;
  const items: FreshItem[] = [
    { itemId: "future", publishedAtMs: nowMs + HOUR_MS },
    { itemId: "now", publishedAtMs: nowMs },
    { itemId: "hour", publishedAtMs: nowMs - HOUR_MS },
    { itemId: "three", publishedAtMs: nowMs - 3 * HOUR_MS },
  ];

  it("serves the items published by the request's now, in list order, at most `limit`, scored by age", async () => {
    const source = freshItemsSource(listOf(items));
    expect(await source.fetch(query(nowMs), 2, new AbortController().signal)).toEqual([
      { itemId: "now", score: 1 },
      { itemId: "hour", score: 0.5 },
    ]);
    expect((await source.fetch(query(nowMs), 10, new AbortController().signal)).map((c) => c.itemId)).toEqual(["now", "hour", "three"]);
    // A preview as of an earlier time skips what was not published yet.
    expect((await source.fetch(query(nowMs - 2 * HOUR_MS), 10, new AbortController().signal)).map((c) => c.itemId)).toEqual(["three"]);
  });

  it("stamps each item with its slot in the given registry, memoised per loaded list", async () => {
    const slots = new ItemSlots();
    slots.slotOf("hour");
    const list = listOf(items);
    const found = await freshItemsSource(list, slots).fetch(query(nowMs), 10, new AbortController().signal);
    expect(found.map(({ itemId, itemSlot, itemSlotEpoch }) => [itemId, itemSlot, itemSlotEpoch])).toEqual([
      ["now", 1, slots.epoch],
      ["hour", 0, slots.epoch],
      ["three", 2, slots.epoch],
    ]);
    // A reloaded list (a new array) is memoised on its own: the same ids keep their slots.
    (list as { current: FreshItem[] }).current = [items[3]!, items[1]!];
    const reloaded = await freshItemsSource(list, slots).fetch(query(nowMs), 10, new AbortController().signal);
    expect(reloaded.map(({ itemId, itemSlot }) => [itemId, itemSlot])).toEqual([
      ["three", 2],
      ["now", 1],
    ]);
  });

  it("reports itself unavailable before the list is loaded", async () => {
    await expect(freshItemsSource(listOf(undefined)).fetch(query(nowMs), 5, new AbortController().signal)).rejects.toThrow(/not loaded/);
  });
});
