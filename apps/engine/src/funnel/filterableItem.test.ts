import fc from "fast-check";
import { compileFilterExpression, itemFieldCatalog, type FilterableItem } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { allFeatures, NO_VALUES, type Candidate } from "./candidate.ts";
import { toFilterableItem } from "./filterableItem.ts";
import { candidate, NOW_MS } from "./testing/funnelFixtures.ts";

const catalog = itemFieldCatalog(["price", "user_clicks_1h", "item_ctr_3d"]);

describe("toFilterableItem", () => {
  it("hands predicates the candidate's own feature map and the request's shared one, copying neither", () => {
    const shared = { user_clicks_1h: 3 };
    const built = candidate("a", { features: { item_ctr_3d: 0.5 } });
    built.requestFeatures = shared;
    const item = toFilterableItem(built, NOW_MS);
    // A copy per candidate per predicate was most of what a request promoted (an exploration pool's condition scans the ranked list).
    expect(item.numbers).toBe(built.features);
    expect(item.sharedNumbers).toBe(shared);
    built.requestFeatures = NO_VALUES;
    expect(toFilterableItem(built, NOW_MS).sharedNumbers).toBeUndefined();
  });

  it("property: an expression over it decides as over the whole vector laid over the item's numeric attributes", () => {
    const numberMap = fc.dictionary(fc.constantFrom("price", "user_clicks_1h", "item_ctr_3d"), fc.integer({ min: -3, max: 3 }), { maxKeys: 3 });
    const expression = fc.constantFrom("price > 0", "user_clicks_1h == 1", "item_ctr_3d != 2", "price < 1 and user_clicks_1h >= 0", "not (item_ctr_3d <= -1)");
    fc.assert(
      fc.property(
        numberMap,
        fc.option(numberMap, { nil: undefined }),
        fc.option(numberMap, { nil: undefined }),
        expression,
        (own, shared, attributes, text) => {
          const built: Candidate = candidate("a", { features: own });
          if (shared) built.requestFeatures = shared;
          if (attributes) built.item = { ...built.item!, numbers: attributes };
          const whole: FilterableItem = { ...toFilterableItem(built, NOW_MS), numbers: { ...attributes, ...allFeatures(built) }, sharedNumbers: undefined };
          const filter = compileFilterExpression(text, catalog);
          expect(filter.test(toFilterableItem(built, NOW_MS))).toBe(filter.test(whole));
        },
      ),
      { numRuns: 300 },
    );
  });
});
