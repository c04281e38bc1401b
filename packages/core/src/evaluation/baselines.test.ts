import { describe, expect, it } from "vitest";
import { fitCoOccurrence } from "./coOccurrenceRecommender.ts";
import { createInteractionLog } from "./interactionLog.ts";
import { fitPopularity } from "./popularityRecommender.ts";

// u0: 0 1 2 · u1: 0 1 · u2: 0 3 · u3: 1 · u4..u7: 4 (item 4 is the most popular but co-occurs with nothing).
// Users per item: 0→3, 1→3, 2→1, 3→1, 4→4. Co-occurrence (binary cosine):
// sim(0,1) = 2/√9, sim(0,2) = sim(0,3) = sim(1,2) = 1/√3, everything with 4 = 0.
const pairs: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [1, 0],
  [1, 1],
  [2, 0],
  [2, 3],
  [3, 1],
  [4, 4],
  [5, 4],
  [6, 4],
  [7, 4],
];
const train = createInteractionLog({
  users: pairs.map(([u]) => u),
  items: pairs.map(([, i]) => i),
  timestamps: pairs.map((_, t) => t),
});
const history = (u: number) => Int32Array.from(pairs.filter(([v]) => v === u).map(([, i]) => i));

describe("popularity baseline", () => {
  const model = fitPopularity(train);
  it("returns the most popular unseen items, ties by lower index", () => {
    expect([...model.recommend(3, history(3), 2)]).toEqual([4, 0]);
    expect([...model.recommend(0, history(0), 3)]).toEqual([4, 3]);
    expect([...model.recommend(9, new Int32Array(), 3)]).toEqual([4, 0, 1]);
  });
});

describe("item-to-item co-occurrence baseline", () => {
  it("scores candidates by summed similarity to the history, excluding seen items", () => {
    const model = fitCoOccurrence(train, { backfillWithPopularity: false });
    // u3 has item 1: neighbours 0 (2/3) then 2 (0.577); the popular item 4 never co-occurs.
    expect([...model.recommend(3, history(3), 3)]).toEqual([0, 2]);
    // u1 has 0 and 1: item 2 gets 1/√3 from each, item 3 only from item 0.
    expect([...model.recommend(1, history(1), 3)]).toEqual([2, 3]);
    // Repeated history items count once.
    expect([...model.recommend(1, Int32Array.from([0, 0, 1]), 3)]).toEqual([2, 3]);
    expect([...model.recommend(4, history(4), 3)]).toEqual([]);
  });
  it("backfills short lists with popular unseen items", () => {
    const model = fitCoOccurrence(train);
    expect([...model.recommend(3, history(3), 4)]).toEqual([0, 2, 4, 3]);
    expect([...model.recommend(4, history(4), 2)]).toEqual([0, 1]);
  });
  it("keeps only the strongest neighbours when truncated", () => {
    const model = fitCoOccurrence(train, { neighbours: 1, backfillWithPopularity: false });
    // Item 0's single neighbour is 1; item 3's is 0 (its only one).
    expect([...model.recommend(2, Int32Array.from([3]), 3)]).toEqual([0]);
    expect([...model.recommend(2, Int32Array.from([0]), 3)]).toEqual([1]);
  });
});
