import { describe, expect, it } from "vitest";
import type { ItemAttributes } from "../funnel/index.ts";
import { HOUR_MS, NOW_MS } from "../funnel/testing/funnelFixtures.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";
import { SessionList } from "./pageSessions.ts";
import { pickUnderCaps, sessionCaps } from "./sessionPageCaps.ts";

const creatorCap: DiversityCap = { id: "creatorDiversity", attribute: "creator", maxPerWindow: 1, window: 3, depth: 100 };

// Item ids name their creator: "a1" is by a.
const attributes = (itemId: string): ItemAttributes => ({ category: "c", creatorId: itemId[0]!, tags: [], publishedAtMs: NOW_MS - HOUR_MS, available: true });
const lookup = async (ids: readonly string[]) => new Map(ids.map((id) => [id, attributes(id)]));
const session = (ids: string[]) => SessionList.of(ids.map((itemId) => ({ itemId, score: 1, sources: [] })));

describe("later pages under the diversity caps", () => {
  // Page 1 served a1 b1 (offset 2); the rest was arranged under the cap: c1 a2 x1 b2 c2 a3.
  const items = session(["a1", "b1", "c1", "a2", "x1", "b2", "c2", "a3"]);

  it("continues the arranged list as it is when nothing is excluded, and records the served tail", async () => {
    const caps = sessionCaps([creatorCap], 2, ["a1", "b1"]);
    const page = await pickUnderCaps({ items, offset: 2, served: 2, count: 3, excluded: new Set(), caps, attributesOf: lookup });
    expect(page.indexes.map((index) => items.itemIdAt(index))).toEqual(["c1", "a2", "x1"]);
    expect(page).toMatchObject({ nextOffset: 5, passedOver: 0 });
    expect(caps.tails.get(5)).toEqual(["a2", "x1"]);
  });

  it("an excluded item does not pull two items of one creator together: the one that no longer fits is passed over", async () => {
    const caps = sessionCaps([creatorCap], 2, ["a1", "b1"]);
    const first = await pickUnderCaps({ items, offset: 2, served: 2, count: 2, excluded: new Set(["c1"]), caps, attributesOf: lookup });
    // Without c1, a2 would land at position 2, in a window with a1 (position 0); then b2 at 3 with b1 at 1: both passed over.
    expect(first.indexes.map((index) => items.itemIdAt(index))).toEqual(["x1", "c2"]);
    expect(first).toMatchObject({ nextOffset: 7, passedOver: 2 });
    const second = await pickUnderCaps({ items, offset: first.nextOffset, served: 4, count: 3, excluded: new Set(), caps, attributesOf: lookup });
    const served = ["a1", "b1", ...first.indexes.map((index) => items.itemIdAt(index)), ...second.indexes.map((index) => items.itemIdAt(index))];
    expect(served).toEqual(["a1", "b1", "x1", "c2", "a3"]);
    for (let start = 0; start + 3 <= served.length; start++) {
      const creators = served.slice(start, start + 3).map((id) => id[0]);
      expect(new Set(creators).size, served.slice(start, start + 3).join(",")).toBe(3);
    }
  });

  it("throws when the attributes cannot be read (the caller serves nothing unchecked)", async () => {
    const caps = sessionCaps([creatorCap], 2, ["a1", "b1"]);
    await expect(
      pickUnderCaps({ items, offset: 2, served: 2, count: 3, excluded: new Set(), caps, attributesOf: () => Promise.reject(new Error("db down")) }),
    ).rejects.toThrow("db down");
  });

  it("an item whose attributes are unknown is passed over", async () => {
    const caps = sessionCaps([creatorCap], 2, ["a1", "b1"]);
    const partial = async (ids: readonly string[]) => new Map(ids.filter((id) => id !== "c1").map((id) => [id, attributes(id)]));
    const page = await pickUnderCaps({ items, offset: 2, served: 2, count: 1, excluded: new Set(), caps, attributesOf: partial });
    expect(page.indexes.map((index) => items.itemIdAt(index))).toEqual(["x1"]);
    expect(page.passedOver).toBe(2); // c1 unknown, a2 too close to a1
  });
});
