import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { consumedFilter } from "./consumedFilter.ts";

describe("consumedFilter", () => {
  it("drops the items the user consumed", () => {
    const result = consumedFilter().apply(query({ consumedItemIds: new Set(["b", "z"]) }), [candidate("a"), candidate("b"), candidate("c")]);
    expect(ids(result.kept)).toEqual(["a", "c"]);
    expect(result.removed).toEqual([{ itemId: "b", reason: "consumed by the user" }]);
    expect(result.degraded).toBeUndefined();
  });

  it("fails closed when the consumed items could not be read: removes every candidate and says why", () => {
    const result = consumedFilter().apply(query(), [candidate("a"), candidate("b")]);
    expect(result.kept).toEqual([]);
    expect(result.removed).toEqual([
      { itemId: "a", reason: "consumed-items-unavailable" },
      { itemId: "b", reason: "consumed-items-unavailable" },
    ]);
    expect(result.degraded).toMatch(/consumed items could not be read: 2 candidates removed/);
  });
});
