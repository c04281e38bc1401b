import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NeighbourLists, type Neighbour } from "./coVisitationTable.ts";

describe("NeighbourLists", () => {
  it("gives back each item's neighbours in their order, by get and by forEach, against a Map of arrays", () => {
    const itemId = fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `item-${i}`));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(itemId, fc.array(fc.record({ itemId, score: fc.double({ noNaN: true }) }), { minLength: 1, maxLength: 12 })), {
          selector: ([item]) => item,
          maxLength: 20,
        }),
        (lists) => {
          const reference = new Map<string, Neighbour[]>(lists);
          const table = NeighbourLists.fromRows(lists.flatMap(([item, list]) => list.map(({ itemId: neighbour, score }) => ({ item, neighbour, score }))));
          expect(table.size).toBe(reference.size);
          for (let i = 0; i < 30; i += 1) {
            const id = `item-${i}`;
            const expected = reference.get(id);
            expect(table.get(id)).toEqual(expected);
            const visited: Neighbour[] = [];
            table.forEach(id, (neighbour, score) => visited.push({ itemId: neighbour, score }));
            expect(visited).toEqual(expected ?? []);
          }
        },
      ),
    );
  });

  it("refuses rows whose items are not grouped together (the table query orders by item)", () => {
    const row = (item: string, neighbour: string) => ({ item, neighbour, score: 1 });
    expect(() => NeighbourLists.fromRows([row("a", "b"), row("c", "b"), row("a", "c")])).toThrow(RangeError);
    expect(
      NeighbourLists.fromRows([row("a", "b"), row("a", "c"), row("c", "b")])
        .get("a")
        ?.map((neighbour) => neighbour.itemId),
    ).toEqual(["b", "c"]);
  });

  it("is empty without rows", () => {
    const table = NeighbourLists.fromRows([]);
    expect(table.size).toBe(0);
    expect(table.get("a")).toBeUndefined();
  });
});
