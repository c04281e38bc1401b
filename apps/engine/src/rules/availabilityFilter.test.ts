import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { availabilityFilter } from "./availabilityFilter.ts";

describe("availabilityFilter", () => {
  it("drops unavailable items and keeps items whose attributes are unknown", () => {
    const result = availabilityFilter().apply(query(), [candidate("a"), candidate("b", { available: false }), candidate("c", { hydrated: false })]);
    expect(ids(result.kept)).toEqual(["a", "c"]);
    expect(result.removed).toEqual([{ itemId: "b", reason: "unavailable" }]);
  });
});
