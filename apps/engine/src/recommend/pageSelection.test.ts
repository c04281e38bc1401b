import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { selectPage } from "./pageSelection.ts";

const ranked = ["a", "b", "c", "d", "e"].map((itemId) => ({ itemId }));

describe("selectPage", () => {
  it("skips excluded items and reports where the next page starts", () => {
    const page = selectPage(ranked, { offset: 0, count: 2, excluded: new Set(["a"]) });
    expect(page.picks).toEqual([
      { item: { itemId: "b" }, rank: 1 },
      { item: { itemId: "c" }, rank: 2 },
    ]);
    expect(page).toMatchObject({ nextOffset: 3, scanned: 3, excludedCount: 1 });
  });

  it("stops at the end of the list", () => {
    expect(selectPage(ranked, { offset: 4, count: 3, excluded: new Set() })).toMatchObject({ nextOffset: 5, scanned: 1 });
    expect(selectPage(ranked, { offset: 9, count: 3, excluded: new Set() })).toMatchObject({ picks: [], nextOffset: 5, scanned: 0 });
  });

  it("pages through the whole list exactly once, in order, whatever the page size and exclusions", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 10 }),
        (ids, count, excludedIds) => {
          const list = ids.map((itemId) => ({ itemId }));
          const excluded = new Set(excludedIds);
          const served: string[] = [];
          let offset = 0;
          while (offset < list.length) {
            const page = selectPage(list, { offset, count, excluded });
            expect(page.picks.length).toBeLessThanOrEqual(count);
            expect(page.nextOffset).toBeGreaterThan(offset);
            served.push(...page.picks.map((pick) => pick.item.itemId));
            offset = page.nextOffset;
          }
          expect(served).toEqual(ids.filter((id) => !excluded.has(id)));
        },
      ),
    );
  });
});
