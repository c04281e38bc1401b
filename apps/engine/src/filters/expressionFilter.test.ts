import { itemFieldCatalog } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { expressionFilter } from "./expressionFilter.ts";

describe("expressionFilter", () => {
  it("keeps items for which the expression holds, reading attributes, age, numeric attributes and features", () => {
    const filter = expressionFilter(
      "cheapFresh",
      'category in ("news", "sports") and age_hours < 48 and price >= 10 and item_ctr_3d > 0.01',
      itemFieldCatalog(),
    );
    const items = [
      candidate("ok", { category: "news", ageHours: 5, numbers: { price: 12 }, features: { item_ctr_3d: 0.02 } }),
      candidate("old", { category: "news", ageHours: 50, numbers: { price: 12 }, features: { item_ctr_3d: 0.02 } }),
      candidate("cheap", { category: "sports", ageHours: 5, numbers: { price: 5 }, features: { item_ctr_3d: 0.02 } }),
      candidate("noCtr", { category: "sports", ageHours: 5, numbers: { price: 50 } }),
    ];
    const result = filter.apply(query(), items);
    expect(ids(result.kept)).toEqual(["ok"]);
    expect(result.removed.map((removed) => removed.itemId)).toEqual(["old", "cheap", "noCtr"]);
    expect(result.removed[0]!.reason).toContain("fails");
  });

  it("fails closed on an item whose attributes are unknown, even when the expression would pass it", () => {
    const result = expressionFilter("notSpam", 'not creator == "spammer"', itemFieldCatalog()).apply(query(), [
      candidate("known"),
      candidate("unknown", { hydrated: false }),
    ]);
    expect(ids(result.kept)).toEqual(["known"]);
    expect(result.removed).toEqual([{ itemId: "unknown", reason: "attributes-unavailable" }]);
    expect(result.degraded).toBeDefined();
  });

  it("refuses an invalid expression when built", () => {
    expect(() => expressionFilter("bad", "colour == 1")).toThrow(/unknown field "colour"/);
  });
});
