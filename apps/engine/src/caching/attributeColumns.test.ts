import { describe, expect, it } from "vitest";
import type { ItemAttributes } from "../funnel/index.ts";
import { AttributeColumns } from "./attributeColumns.ts";
import { NEVER } from "./slotTable.ts";

const item = (overrides: Partial<ItemAttributes> = {}): ItemAttributes => ({
  category: "news",
  creatorId: "c1",
  tags: [],
  publishedAtMs: 1_700_000_000_123,
  available: true,
  ...overrides,
});

describe("AttributeColumns", () => {
  it("reads back what each slot holds: attributes, not in the catalogue, or nothing", () => {
    const columns = new AttributeColumns();
    columns.set(3, item({ tags: ["a", "b"], numbers: { price: 9.5 } }), 10);
    columns.set(0, null, 11);
    columns.set(5, item({ creatorId: null, available: false, category: "sport" }), 12);
    expect(columns.read(3)).toEqual(item({ tags: ["a", "b"], numbers: { price: 9.5 } }));
    expect(columns.read(0)).toBeNull();
    const five = columns.read(5)!;
    expect(five).toEqual(item({ creatorId: null, available: false, category: "sport" }));
    // No `numbers` key at all when the item has none (what the catalogue read gives).
    expect("numbers" in five).toBe(false);
    expect(columns.read(1)).toBeUndefined();
    expect(columns.read(99_999)).toBeUndefined();
    expect(columns.timeAt(5)).toBe(12);
    expect(columns.timeAt(1)).toBe(NEVER);
    expect(columns.size).toBe(3);
  });

  it("overwrites every column of a slot, numbers and tags included", () => {
    const columns = new AttributeColumns();
    columns.set(1, item({ tags: ["a"], numbers: { price: 1 } }), 1);
    columns.set(1, item({ category: "music", creatorId: "c2", tags: [], publishedAtMs: 5, available: false }), 2);
    expect(columns.read(1)).toEqual({ category: "music", creatorId: "c2", tags: [], publishedAtMs: 5, available: false });
    columns.set(1, null, 3);
    expect(columns.read(1)).toBeNull();
    columns.set(1, item({ numbers: { n: 2 } }), 4);
    expect(columns.read(1)?.numbers).toEqual({ n: 2 });
    expect(columns.size).toBe(1);
  });

  it("keeps each distinct tag list once, frozen, and apart from other lists", () => {
    const columns = new AttributeColumns();
    columns.set(0, item({ category: String(["ne", "ws"].join("")), tags: ["x", "y"] }), 1);
    columns.set(1, item({ category: "news", tags: ["x", "y"] }), 1);
    columns.set(2, item({ tags: ["x\u0001y"] }), 1);
    const [first, second, third] = [columns.read(0)!, columns.read(1)!, columns.read(2)!];
    expect(first.tags).toBe(second.tags);
    expect(third.tags).toEqual(["x\u0001y"]);
    // One empty tag is a list of its own, not the empty list.
    columns.set(4, item({ tags: [""] }), 1);
    columns.set(5, item({ tags: ["", ""] }), 1);
    expect([columns.read(4)!.tags, columns.read(5)!.tags]).toEqual([[""], ["", ""]]);
    expect(Object.isFrozen(first.tags)).toBe(true);
    // A caller's array is copied, not kept: changing it later does not change the cache.
    const tags = ["p"];
    columns.set(3, item({ tags }), 1);
    tags.push("q");
    expect(columns.read(3)!.tags).toEqual(["p"]);
  });

  it("grows past its capacity without losing what it held, and clear drops everything", () => {
    const columns = new AttributeColumns();
    for (let slot = 0; slot < 5_000; slot += 7) columns.set(slot, item({ publishedAtMs: slot, creatorId: `c${slot % 11}` }), slot);
    for (let slot = 0; slot < 5_000; slot += 7) expect(columns.read(slot)).toEqual(item({ publishedAtMs: slot, creatorId: `c${slot % 11}` }));
    expect(columns.read(8)).toBeUndefined();
    expect(columns.size).toBe(Math.ceil(5_000 / 7));
    columns.clear();
    expect(columns.size).toBe(0);
    expect(columns.read(7)).toBeUndefined();
    columns.set(7, item({ creatorId: "after" }), 1);
    expect(columns.read(7)?.creatorId).toBe("after");
  });
});
