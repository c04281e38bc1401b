import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { candidate } from "../funnel/testing/funnelFixtures.ts";
import { filterWithKnownAttributes } from "./attributesUnavailable.ts";
import { removeItemsIn } from "./itemSetFilter.ts";

describe("removeItemsIn and filterWithKnownAttributes", () => {
  it("property: keep and remove exactly what a plain partition does, in order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 40, size: "max" }), fc.uniqueArray(fc.integer({ min: 0, max: 9 })), (raw, inSet) => {
        const candidates = raw.map((n, i) => candidate(`i${n}`, { hydrated: i % 5 !== 4, category: n % 2 === 0 ? "even" : "odd" }));
        const set = new Set(inSet.map((n) => `i${n}`));
        const outcome = removeItemsIn(candidates, set, "in the set");
        expect(outcome.kept).toStrictEqual(candidates.filter((c) => !set.has(c.itemId)));
        expect(outcome.removed).toStrictEqual(candidates.filter((c) => set.has(c.itemId)).map((c) => ({ itemId: c.itemId, reason: "in the set" })));
        expect(outcome.kept).not.toBe(candidates);

        const byAttributes = filterWithKnownAttributes(candidates, ({ item }) => (item.category === "odd" ? "odd" : null));
        expect(byAttributes.kept).toStrictEqual(candidates.filter((c) => c.item && c.item.category !== "odd"));
        expect(byAttributes.removed).toStrictEqual(
          candidates.filter((c) => !c.item || c.item.category === "odd").map((c) => ({ itemId: c.itemId, reason: c.item ? "odd" : "attributes-unavailable" })),
        );
      }),
      { seed: 29, numRuns: 300 },
    );
  });
});
