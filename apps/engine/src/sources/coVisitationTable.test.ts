import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NeighbourLists, packedBuffers, packNeighbourRows, type Neighbour } from "./coVisitationTable.ts";

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

  it("packs rows into arrays that survive a transfer to another thread: the unpacked table is the rows' table", () => {
    const rows = [
      { item: "a", neighbour: "b", score: 0.9 },
      { item: "a", neighbour: "c", score: 0.5 },
      { item: "c", neighbour: "a", score: 0.5 },
      { item: "d", neighbour: "b", score: 0.25 },
    ];
    const packed = packNeighbourRows(rows);
    // Each distinct id once; each list's item and each neighbour by index.
    expect(packed.idsText).toBe("abcd");
    expect([...packed.idEnds]).toEqual([1, 2, 3, 4]);
    expect([...packed.offsets]).toEqual([0, 2, 3, 4]);
    const buffers = packedBuffers(packed);
    const transferred = structuredClone(packed, { transfer: buffers });
    // Transferred, not copied: the sender's arrays are detached.
    expect(packed.scores.length).toBe(0);
    const reference = NeighbourLists.fromRows(rows);
    const table = NeighbourLists.fromPacked(transferred);
    expect(table.size).toBe(3);
    for (const id of ["a", "b", "c", "d"]) expect(table.get(id)).toEqual(reference.get(id));
    expect(table.get("a")).toEqual([
      { itemId: "b", score: 0.9 },
      { itemId: "c", score: 0.5 },
    ]);
  });

  it("unpacks a large table in slices, letting other work run between them, into the same table", async () => {
    const rows = Array.from({ length: 12_000 }, (_, n) => ({ item: `item-${n}`, neighbour: `item-${(n * 7 + 1) % 12_000}`, score: 1 / (n + 1) }));
    const packed = packNeighbourRows(rows);
    let otherWork = 0;
    const ticking = setInterval(() => (otherWork += 1), 0);
    const sliced = await NeighbourLists.fromPackedInSlices(packed).finally(() => clearInterval(ticking));
    // 12k ids then 12k lists, 4096 per slice: several pauses.
    expect(otherWork).toBeGreaterThan(0);
    const whole = NeighbourLists.fromPacked(packed);
    expect(sliced.size).toBe(12_000);
    for (const n of [0, 4095, 4096, 8191, 11_999]) {
      expect(sliced.get(`item-${n}`)).toEqual([{ itemId: `item-${(n * 7 + 1) % 12_000}`, score: 1 / (n + 1) }]);
      expect(sliced.get(`item-${n}`)).toEqual(whole.get(`item-${n}`));
    }
  });

  it("is empty without rows", () => {
    const table = NeighbourLists.fromRows([]);
    expect(table.size).toBe(0);
    expect(table.get("a")).toBeUndefined();
  });
});
