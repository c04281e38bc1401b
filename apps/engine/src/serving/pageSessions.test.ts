import { describe, expect, it } from "vitest";
import { SessionList } from "./pageSessions.ts";

describe("SessionList", () => {
  it("gives back each item's id, score and provenance as stored, scoreless hits without a score", () => {
    const items = [
      {
        itemId: "a",
        score: 0.75,
        sources: [
          { id: "ann", rank: 3, score: 0.912345678 },
          { id: "trending", rank: 0 },
        ],
      },
      { itemId: "b", score: -1.5, sources: [] },
      { itemId: "c", score: 0, sources: [{ id: "trending", rank: 70_000, score: 0 }] },
    ];
    const list = SessionList.of(items);
    expect(list.length).toBe(3);
    expect(list.itemIdAt(2)).toBe("c");
    expect([0, 1, 2].map((index) => list.itemAt(index))).toEqual(items);
    expect("score" in list.itemAt(0).sources[1]!).toBe(false);
  });

  it("is rebuilt from its arrays, and refuses arrays that do not fit together", () => {
    const list = SessionList.of([
      { itemId: "a", score: 1, sources: [{ id: "ann", rank: 0 }] },
      { itemId: "b", score: 2, sources: [] },
    ]);
    const arrays = list.arrays();
    expect(SessionList.fromArrays(arrays).itemAt(0)).toEqual(list.itemAt(0));
    expect(() => SessionList.fromArrays({ ...arrays, scores: new Float64Array(1) })).toThrow(RangeError);
    expect(() => SessionList.fromArrays({ ...arrays, hitSource: new Uint8Array([5]) })).toThrow(RangeError);
    expect(() => SessionList.fromArrays({ ...arrays, hitStart: new Uint32Array([0, 2, 1]) })).toThrow(RangeError);
  });
});
