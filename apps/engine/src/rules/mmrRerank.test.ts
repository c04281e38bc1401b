import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate } from "../funnel/candidate.ts";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { cachedCandidateSimilarity, candidateSimilarity, mmrRerank } from "./mmrRerank.ts";

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

/** MMR written the plain way (splicing the remaining list, the similarity recomputed in full), to pin the fast one. */
function referenceMmr(lambda: number, depth: number, candidates: Candidate[], similarity: (a: Candidate, b: Candidate) => number): Candidate[] {
  if (candidates.length === 0) return [];
  const low = Math.min(...candidates.map((c) => c.score));
  const high = Math.max(...candidates.map((c) => c.score));
  const span = high - low;
  const relevance = (c: Candidate) => (span > 0 ? (c.score - low) / span : 0);
  const remaining = [...candidates];
  const maxSimilarity = remaining.map(() => 0);
  const placed: Candidate[] = [];
  while (placed.length < Math.min(depth, candidates.length)) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    remaining.forEach((c, i) => {
      const value = lambda * relevance(c) - (1 - lambda) * maxSimilarity[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    });
    const [chosen] = remaining.splice(best, 1);
    maxSimilarity.splice(best, 1);
    placed.push(chosen!);
    if (lambda < 1) remaining.forEach((c, i) => (maxSimilarity[i] = Math.max(maxSimilarity[i]!, similarity(c, chosen!))));
  }
  return [...placed, ...remaining];
}

describe("mmrRerank against a plain reference", () => {
  it("property: the same order for any scores, embeddings (missing, other lengths, zero), λ and depth", () => {
    const embedding = fc.option(
      fc.oneof(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.constant([0, 0, 0]), fc.constant([1, 0])),
      { nil: undefined },
    );
    const item = fc.record({
      score: fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.constantFrom(0, 1, Number.NaN)),
      embedding,
      category: fc.constantFrom("a", "b"),
    });
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 40, size: "max" }),
        fc.constantFrom(0, 0.3, 0.7, 1),
        fc.integer({ min: 0, max: 45 }),
        fc.boolean(),
        (specs, lambda, depth, allEmbedded) => {
          // allEmbedded: every candidate has an embedding of one length (the copied-matrix path).
          const embeddingOf = (spec: (typeof specs)[number], i: number) =>
            allEmbedded ? [Math.sin(i), Math.cos(3 * i), i % 3 === 0 ? 0 : 0.5] : spec.embedding;
          const items = specs.map((spec, i) => {
            const embedded = embeddingOf(spec, i);
            return candidate(`i${i}`, { score: spec.score, category: spec.category, ...(embedded ? { embedding: [...embedded] } : {}) });
          });
          const reference = ids(referenceMmr(lambda, depth, items, candidateSimilarity));
          expect(ids(mmrRerank({ id: "mmr", lambda, depth }).apply(query(), items).items)).toEqual(reference);
          // A similarity of the caller's own goes through as given.
          const byCategory = (a: Candidate, b: Candidate) => (a.item?.category === b.item?.category ? 1 : 0);
          expect(ids(mmrRerank({ id: "mmr", lambda, depth }, byCategory).apply(query(), items).items)).toEqual(
            ids(referenceMmr(lambda, depth, items, byCategory)),
          );
        },
      ),
      { seed: 13, numRuns: 400 },
    );
  });
});

describe("mmrRerank's lazy updates", () => {
  it("property: on long lists with clustered embeddings and tied scores, the reference's order", () => {
    const vector = fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.integer({ min: 0, max: 8 }), embedding: vector }), { minLength: 1, maxLength: 150 }),
        fc.constantFrom(0, 0.2, 0.5, 0.7, 0.9),
        fc.integer({ min: 1, max: 160 }),
        (specs, lambda, depth) => {
          const items = specs.map((spec, i) => candidate(`i${i}`, { score: spec.score, embedding: spec.embedding }));
          expect(ids(mmrRerank({ id: "mmr", lambda, depth }).apply(query(), items).items)).toEqual(
            ids(referenceMmr(lambda, depth, items, candidateSimilarity)),
          );
        },
      ),
      { seed: 7, numRuns: 150 },
    );
  });
});

describe("cachedCandidateSimilarity", () => {
  it("property: every pair's similarity is exactly candidateSimilarity's double", () => {
    const vector = (length: number) => fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: length, maxLength: length });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(vector(4), vector(4), vector(2), fc.constant(undefined)), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (vectors, float32) => {
          const items = vectors.map((v, i) => {
            const built = candidate(`i${i}`, { category: i % 2 === 0 ? "a" : "b" });
            if (v) built.embedding = float32 ? Float32Array.from(v) : v;
            return built;
          });
          const similarity = cachedCandidateSimilarity(items);
          for (let a = 0; a < items.length; a++)
            for (let b = 0; b < items.length; b++) expect(Object.is(similarity.pair(a, b), candidateSimilarity(items[a]!, items[b]!))).toBe(true);
        },
      ),
      { seed: 31, numRuns: 300 },
    );
  });
});
