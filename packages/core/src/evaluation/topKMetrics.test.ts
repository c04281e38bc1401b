import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catalogueCoverageAtK, noveltyAtK } from "./catalogueMetrics.ts";
import { RetrievalAccumulator } from "./retrievalEvaluation.ts";
import { gradedNdcgAtK, hitRateAtK, ndcgAtK, precisionAtK, recallAtK, reciprocalRank } from "./topKMetrics.ts";

const list = [1, 2, 3, 4, 5];
const relevant = new Set([2, 5, 9]);

describe("top-K metrics of one list (hand-computed)", () => {
  it("recall, precision and hit rate", () => {
    expect(recallAtK(list, relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(list, relevant, 5)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(list, relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(precisionAtK(list, relevant, 5)).toBeCloseTo(2 / 5, 12);
    // k beyond the list length still divides by k.
    expect(precisionAtK(list, relevant, 10)).toBeCloseTo(2 / 10, 12);
    expect(hitRateAtK(list, relevant, 1)).toBe(0);
    expect(hitRateAtK(list, relevant, 2)).toBe(1);
    expect(recallAtK(list, new Set(), 5)).toBe(0);
  });
  it("reciprocal rank is 1 / rank of the first hit", () => {
    expect(reciprocalRank(list, relevant)).toBe(1 / 2);
    expect(reciprocalRank(list, relevant, 1)).toBe(0);
    expect(reciprocalRank(list, new Set([5]))).toBe(1 / 5);
  });
  it("binary NDCG@5: hits at ranks 2 and 5 out of 3 relevant", () => {
    // DCG = 1/log2(3) + 1/log2(6); IDCG = 1 + 1/log2(3) + 1/log2(4).
    expect(ndcgAtK(list, relevant, 5)).toBeCloseTo(0.4776237035, 9);
    expect(ndcgAtK([2, 5, 9], relevant, 3)).toBeCloseTo(1, 12);
    expect(ndcgAtK(list, new Set(), 5)).toBe(0);
  });
  it("graded NDCG@3 with gain 2^rel − 1", () => {
    const grades = new Map([
      [1, 1],
      [2, 3],
      [3, 0],
      [4, 2],
    ]);
    // DCG = 1 + 7/log2(3); IDCG = 7 + 3/log2(3) + 1/2.
    expect(gradedNdcgAtK([1, 2, 3], grades, 3)).toBeCloseTo(0.5766666455, 9);
    expect(gradedNdcgAtK([2, 4, 1], grades, 3)).toBeCloseTo(1, 12);
  });
  it("graded NDCG with 0/1 grades equals binary NDCG", () => {
    const grades = new Map([...relevant].map((i) => [i, 1]));
    expect(gradedNdcgAtK(list, grades, 4)).toBeCloseTo(ndcgAtK(list, relevant, 4), 12);
  });
});

describe("catalogue metrics (hand-computed)", () => {
  const lists = [
    [0, 1],
    [1, 2],
  ];
  const counts = [4, 2, 1, 1, 0]; // total 8
  it("coverage is the share of the catalogue in any top-k", () => {
    expect(catalogueCoverageAtK(lists, 5, 2)).toBeCloseTo(3 / 5, 12);
    expect(catalogueCoverageAtK(lists, 5, 1)).toBeCloseTo(2 / 5, 12);
  });
  it("novelty is the mean −log2 popularity share of the recommended slots", () => {
    // k=1: items 0 and 1 → (1 + 2) / 2; k=2: 0,1,1,2 → (1 + 2 + 2 + 3) / 4.
    expect(noveltyAtK(lists, counts, 1)).toBeCloseTo(1.5, 12);
    expect(noveltyAtK(lists, counts, 2)).toBeCloseTo(2, 12);
    // An item never seen counts as seen once: −log2(1/8) = 3.
    expect(noveltyAtK([[4]], counts, 1)).toBeCloseTo(3, 12);
  });
});

const listAndRelevant = fc.record({
  recommended: fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }),
  relevant: fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 10 }),
});

describe("top-K metric properties", () => {
  it("recall@K is monotone in K", () => {
    fc.assert(
      fc.property(listAndRelevant, fc.integer({ min: 0, max: 25 }), ({ recommended, relevant }, k) => {
        const set = new Set(relevant);
        expect(recallAtK(recommended, set, k)).toBeLessThanOrEqual(recallAtK(recommended, set, k + 1));
      }),
    );
  });
  it("NDCG lies in [0, 1]", () => {
    fc.assert(
      fc.property(listAndRelevant, fc.integer({ min: 1, max: 25 }), ({ recommended, relevant }, k) => {
        const value = ndcgAtK(recommended, new Set(relevant), k);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });
  it("a perfect ranking has NDCG = 1 (binary and graded)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 15 }), fc.integer({ min: 1, max: 20 }), (relevant, k) => {
        const others = [100, 101, 102];
        expect(ndcgAtK([...relevant, ...others], new Set(relevant), k)).toBeCloseTo(1, 12);
        // Graded: grade by position, list sorted by grade descending.
        const grades = new Map(relevant.map((item, i) => [item, relevant.length - i]));
        expect(gradedNdcgAtK([...relevant, ...others], grades, k)).toBeCloseTo(1, 12);
      }),
    );
  });
  it("the streaming accumulator agrees with the per-list functions", () => {
    fc.assert(
      fc.property(fc.array(listAndRelevant, { minLength: 1, maxLength: 8 }), (users) => {
        const counts = Array.from({ length: 31 }, (_, i) => (i * 7) % 5);
        const accumulator = new RetrievalAccumulator([5, 2], 31, counts);
        for (const u of users) accumulator.add(u.recommended, new Set(u.relevant));
        const result = accumulator.result();
        const mean = (f: (u: (typeof users)[number]) => number) => users.reduce((s, u) => s + f(u), 0) / users.length;
        expect(result.users).toBe(users.length);
        expect(result.mrr).toBeCloseTo(
          mean((u) => reciprocalRank(u.recommended, new Set(u.relevant), 5)),
          12,
        );
        for (const at of result.atK) {
          const k = at.k;
          expect(at.recall).toBeCloseTo(
            mean((u) => recallAtK(u.recommended, new Set(u.relevant), k)),
            12,
          );
          expect(at.precision).toBeCloseTo(
            mean((u) => precisionAtK(u.recommended, new Set(u.relevant), k)),
            12,
          );
          expect(at.ndcg).toBeCloseTo(
            mean((u) => ndcgAtK(u.recommended, new Set(u.relevant), k)),
            12,
          );
          expect(at.hitRate).toBeCloseTo(
            mean((u) => hitRateAtK(u.recommended, new Set(u.relevant), k)),
            12,
          );
          const lists = users.map((u) => u.recommended);
          expect(at.coverage).toBeCloseTo(catalogueCoverageAtK(lists, 31, k), 12);
          expect(at.novelty).toBeCloseTo(noveltyAtK(lists, counts, k), 12);
        }
      }),
    );
  });
});
