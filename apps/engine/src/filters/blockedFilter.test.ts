import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { blockedFilter } from "./blockedFilter.ts";
import { excludedItemsFilter } from "./excludedItemsFilter.ts";

describe("blockedFilter", () => {
  it("drops blocked items, categories and creators with a reason each; unhydrated items fail closed", () => {
    const items = [
      candidate("a"),
      candidate("b", { category: "politics" }),
      candidate("c", { creator: "spammer" }),
      candidate("d", { creator: null }),
      candidate("e", { hydrated: false }),
      candidate("f", { hydrated: false }),
    ];
    const result = blockedFilter({ itemIds: ["a", "f"], categories: ["politics"], creators: ["spammer"] }).apply(query(), items);
    expect(ids(result.kept)).toEqual(["d"]);
    expect(result.removed).toEqual([
      { itemId: "a", reason: "blocked item" },
      { itemId: "f", reason: "blocked item" },
      { itemId: "b", reason: 'blocked category "politics"' },
      { itemId: "c", reason: 'blocked creator "spammer"' },
      { itemId: "e", reason: "attributes-unavailable" },
    ]);
    expect(result.degraded).toMatch(/^1 candidate removed/);
  });

  it("blocking item ids alone needs no attributes: unhydrated items are checked by id", () => {
    const result = blockedFilter({ itemIds: ["f"], categories: [], creators: [] }).apply(query(), [
      candidate("e", { hydrated: false }),
      candidate("f", { hydrated: false }),
    ]);
    expect(ids(result.kept)).toEqual(["e"]);
    expect(result.degraded).toBeUndefined();
  });
});

describe("excludedItemsFilter", () => {
  it("drops the request's excluded ids", () => {
    const result = excludedItemsFilter().apply(query({ excludeItemIds: ["b"] }), [candidate("a"), candidate("b")]);
    expect(ids(result.kept)).toEqual(["a"]);
    expect(result.removed).toEqual([{ itemId: "b", reason: "excluded by the request" }]);
  });
});
