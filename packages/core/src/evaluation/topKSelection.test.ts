import { describe, expect, it } from "vitest";
import { createRandom } from "../random.ts";
import { FINITE_SCORES, topKAmong, topKByScore, topKWithScores } from "./topKSelection.ts";

describe("top-K selection", () => {
  it("returns the k best, best first, ties by lower index; FINITE_SCORES skips -Infinity (excluded items)", () => {
    const top = topKWithScores(new Float32Array([0.5, 2, -Infinity, 2, 1, 0]), 3, undefined, FINITE_SCORES);
    expect([...top.ids]).toEqual([1, 3, 4]);
    expect([...top.scores]).toEqual([2, 2, 1]);
    expect(topKByScore(new Float32Array([-Infinity, 3]), 5, undefined, FINITE_SCORES).length).toBe(1);
    // Without the floor, -Infinity is a score like any other (last).
    expect([...topKByScore(new Float32Array([-Infinity, 3]), 5)]).toEqual([1, 0]);
  });

  it("agrees with a full sort, over the whole array and over candidates", () => {
    const random = createRandom(3);
    const scores = Float32Array.from({ length: 5_000 }, () => random.normal());
    const sorted = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
    expect([...topKByScore(scores, 100)]).toEqual(sorted.slice(0, 100));
    const candidates = Int32Array.from(sorted.filter((id) => id % 3 === 0).reverse());
    expect([...topKAmong(candidates, scores, 10)]).toEqual(sorted.filter((id) => id % 3 === 0).slice(0, 10));
  });
});
