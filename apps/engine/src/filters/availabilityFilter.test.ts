import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { availabilityFilter } from "./availabilityFilter.ts";

describe("availabilityFilter", () => {
  it("drops unavailable items, and fails closed on items whose attributes are unknown, saying so", () => {
    const result = availabilityFilter().apply(query(), [candidate("a"), candidate("b", { available: false }), candidate("c", { hydrated: false })]);
    expect(ids(result.kept)).toEqual(["a"]);
    expect(result.removed).toEqual([
      { itemId: "b", reason: "unavailable" },
      { itemId: "c", reason: "attributes-unavailable" },
    ]);
    expect(result.degraded).toBe("1 candidate removed because their attributes could not be read (attributes-unavailable)");
  });

  it("is not degraded when every item's attributes are known", () => {
    expect(availabilityFilter().apply(query(), [candidate("a"), candidate("b", { available: false })]).degraded).toBeUndefined();
  });
});
