import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { mmrRerank } from "./mmrRerank.ts";

describe("mmrRerank", () => {
  it("λ = 1 is the pure relevance order (stable on ties), for any input order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 20 }), (scores) => {
        const items = scores.map((score, i) => candidate(`i${i}`, { score, category: `c${i % 2}` }));
        const expected = [...items].sort((a, b) => b.score - a.score).map((item) => item.itemId);
        expect(ids(mmrRerank({ id: "mmr", lambda: 1, depth: 100 }).apply(query(), items).items)).toEqual(expected);
      }),
      { seed: 3, numRuns: 200 },
    );
  });

  it("lower λ trades relevance for novelty using embeddings", () => {
    const items = [
      candidate("a", { score: 1.0, embedding: [1, 0] }),
      candidate("aTwin", { score: 0.95, embedding: [1, 0] }),
      candidate("b", { score: 0.8, embedding: [0, 1] }),
    ];
    expect(ids(mmrRerank({ id: "mmr", lambda: 0.5, depth: 10 }).apply(query(), items).items)).toEqual(["a", "b", "aTwin"]);
    // With λ close to 1 the twin's relevance edge wins: 0.9·0.75 − 0.1·1 = 0.575 > 0.9·0 − 0 = 0.
    expect(ids(mmrRerank({ id: "mmr", lambda: 0.9, depth: 10 }).apply(query(), items).items)).toEqual(["a", "aTwin", "b"]);
  });

  it("without embeddings, penalises the same category and creator; positions past depth keep their order", () => {
    const items = [
      candidate("n1", { score: 4, category: "news", creator: "x" }),
      candidate("n2", { score: 3, category: "news", creator: "x" }),
      candidate("s1", { score: 2, category: "sports", creator: "y" }),
      candidate("n3", { score: 1, category: "news", creator: "z" }),
      candidate("n4", { score: 0, category: "news", creator: "z" }),
    ];
    // Relevance scaled: n1 1, n2 .75, s1 .5, n3 .25, n4 0. After n1: s1 0.3·.5 = .15 beats n2 .225 − .7·1 and
    // n3 .075 − .7·.5; after s1: n3 −.275 beats n2 −.475 and n4 −.35. Depth 3 leaves n2, n4 in their order.
    const result = mmrRerank({ id: "mmr", lambda: 0.3, depth: 3 }).apply(query(), items);
    expect(ids(result.items)).toEqual(["n1", "s1", "n3", "n2", "n4"]);
  });
});
