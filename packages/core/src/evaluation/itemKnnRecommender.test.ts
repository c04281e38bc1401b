import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createInteractionLog } from "./interactionLog.ts";
import { binaryCosineNeighbours } from "./itemNeighbours.ts";
import { fitItemKnn } from "./itemKnnRecommender.ts";

const logOf = (pairs: [number, number][], numUsers: number, numItems: number) =>
  createInteractionLog({ users: pairs.map(([u]) => u), items: pairs.map(([, i]) => i), timestamps: pairs.map((_, t) => t) }, { numUsers, numItems });

// Items B = 0, C = 1, A = 2. u0, u1: A B · u2: A C · u3: C.
// sim(A, B) = 2/√(3·2), sim(A, C) = 1/√(3·2), sim(B, C) = 0.
const toy = logOf(
  [
    [0, 2],
    [0, 0],
    [1, 2],
    [1, 0],
    [2, 2],
    [2, 1],
    [3, 1],
  ],
  4,
  3,
);

/** Reference: full cosine matrix from user sets, each column's top k, score = Σ_history W[j][i]. */
function referenceScores(pairs: [number, number][], numItems: number, k: number, shrink: number, history: number[]): number[] {
  const usersOf = Array.from({ length: numItems }, () => new Set<number>());
  for (const [u, i] of pairs) usersOf[i]!.add(u);
  const sim = (a: number, b: number) => {
    let common = 0;
    for (const u of usersOf[a]!) if (usersOf[b]!.has(u)) common++;
    return common === 0 ? 0 : common / (Math.sqrt(usersOf[a]!.size * usersOf[b]!.size) + shrink);
  };
  const scores = new Array<number>(numItems).fill(0);
  const distinct = [...new Set(history)];
  for (let i = 0; i < numItems; i++) {
    const neighbours = [...Array(numItems).keys()]
      .filter((j) => j !== i && sim(i, j) > 0)
      .sort((a, b) => sim(i, b) - sim(i, a) || a - b)
      .slice(0, k);
    for (const j of distinct) if (neighbours.includes(j)) scores[i]! += sim(j, i);
  }
  return scores;
}

describe("binaryCosineNeighbours", () => {
  it("computes binary cosine (with shrink) and keeps the top neighbours, best first", () => {
    const full = binaryCosineNeighbours(toy, { neighbours: 5 });
    const of = (i: number) => [...full.items.subarray(full.offsets[i]!, full.offsets[i + 1]!)];
    const weight = (i: number) => [...full.weights.subarray(full.offsets[i]!, full.offsets[i + 1]!)];
    expect(of(2)).toEqual([0, 1]);
    expect(weight(2)[0]).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(weight(2)[1]).toBeCloseTo(1 / Math.sqrt(6), 12);
    expect(of(0)).toEqual([2]); // B and C share no user
    const shrunk = binaryCosineNeighbours(toy, { neighbours: 1, shrink: 1 });
    expect([...shrunk.items.subarray(shrunk.offsets[2]!, shrunk.offsets[3]!)]).toEqual([0]);
    expect(shrunk.weights[shrunk.offsets[2]!]).toBeCloseTo(2 / (Math.sqrt(6) + 1), 12);
  });
});

describe("fitItemKnn", () => {
  it("only counts a history item toward a candidate whose own top-k contains it", () => {
    const model = fitItemKnn(toy, { neighbours: 1 });
    // N(A) = {B}: a user with C gets nothing for A (co-occurrence from C's side would say A first),
    // so every score is 0 and the full ranking falls back to index order.
    expect([...model.recommend(3, Int32Array.from([1]), 2)]).toEqual([0, 2]);
    // B ∈ N(A): A scores sim(B, A) > 0 = C.
    expect([...model.recommend(0, Int32Array.from([0]), 2)]).toEqual([2, 1]);
    // With k = 2, C ∈ N(A) and A comes first for the C user.
    expect([...fitItemKnn(toy, { neighbours: 2 }).recommend(3, Int32Array.from([1]), 2)]).toEqual([2, 0]);
  });

  it("ranks like the reference definition on random data", () => {
    const pairsArbitrary = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 11 })), {
      selector: ([u, i]) => u * 100 + i,
      maxLength: 60,
    });
    fc.assert(
      fc.property(pairsArbitrary, fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 2), (pairs, k, shrink) => {
        const model = fitItemKnn(logOf(pairs, 10, 12), { neighbours: k, shrink });
        for (let u = 0; u < 10; u++) {
          const history = pairs.filter(([v]) => v === u).map(([, i]) => i);
          const scores = referenceScores(pairs, 12, k, shrink, history);
          const list = [...model.recommend(u, Int32Array.from(history), 12)];
          expect(list.length).toBe(12 - history.length);
          expect(list.some((i) => history.includes(i))).toBe(false);
          // Best first (scores may tie in floating point differently: compare scores, not ids).
          for (let x = 1; x < list.length; x++) expect(scores[list[x - 1]!]! + 1e-12).toBeGreaterThanOrEqual(scores[list[x]!]!);
        }
      }),
    );
  });
});
