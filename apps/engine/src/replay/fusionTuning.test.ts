import { describe, expect, it } from "vitest";
import { fitFusion, fusionNdcg, type FusionExample } from "./fusionTuning.ts";

/**
 * Users whose relevant item is ranked 3rd by "good" and 0th by nothing else, while "loud" puts an
 * irrelevant item first for everyone: only weighting "good" above "loud" brings the hits to the top.
 */
function examples(users: number): FusionExample[] {
  return Array.from({ length: users }, () => ({
    candidates: [
      { hits: [{ source: "loud", rank: 0 }] },
      { hits: [{ source: "loud", rank: 1 }] },
      {
        hits: [
          { source: "good", rank: 3 },
          { source: "loud", rank: 40 },
        ],
      },
      { hits: [{ source: "good", rank: 0 }] },
    ],
    relevant: new Set([2]),
    relevantTotal: 1,
  }));
}

describe("fusion tuning", () => {
  it("scores the fused order with NDCG, counting relevant items the candidates missed in the ideal", () => {
    const even = { k: 0, weights: { loud: 1, good: 1 } };
    // Order: loud#0 (1), good#0 (1) — tie kept in given order —, loud#1 (0.5), good#3 + loud#40 (0.25 + 1/41).
    expect(fusionNdcg(examples(2), even, 10)).toBeCloseTo(1 / Math.log2(5));
    const halfFound = examples(1).map((example) => ({ ...example, relevantTotal: 2 }));
    expect(fusionNdcg(halfFound, even, 10)).toBeCloseTo(1 / Math.log2(5) / (1 + 1 / Math.log2(3)));
    expect(fusionNdcg(examples(2), even, 3)).toBe(0);
  });

  it("finds the weights and k that put the held-out items first, never worse than where it started", () => {
    const start = { k: 0, weights: { loud: 1, good: 1 } };
    const fit = fitFusion(examples(3), start);
    expect(fit.start.ndcg).toBeCloseTo(1 / Math.log2(5));
    // k = 10 flattens the heads enough that two sources agreeing beat one source's first place.
    expect(fit.ndcg).toBeCloseTo(1);
    expect(fit.fusion.k).toBe(10);
    expect(fusionNdcg(examples(3), fit.fusion, 10)).toBeCloseTo(fit.ndcg);
    // With k fixed at 0 only the weights can help: "good" must outweigh "loud" about four times.
    const weightsOnly = fitFusion(examples(3), start, { kGrid: [0] });
    expect(weightsOnly.fusion.weights.good! / weightsOnly.fusion.weights.loud!).toBeGreaterThan(3.9);
    expect(weightsOnly.ndcg).toBeCloseTo(1 / Math.log2(3));
    // A source the config does not list (the engine's cold-start backfill) is not tuned: it weighs 1, as when served.
    const withUnlisted = examples(3).map((example) => ({
      ...example,
      candidates: [{ hits: [{ source: "coldStart", rank: 0 }] }, ...example.candidates],
      relevant: new Set([3]),
    }));
    const listedOnly = fitFusion(withUnlisted, start);
    expect(Object.keys(listedOnly.fusion.weights).sort()).toEqual(["good", "loud"]);
    expect(fusionNdcg(withUnlisted, listedOnly.fusion, 10)).toBeCloseTo(listedOnly.ndcg);
    // Already optimal: the fit keeps the start.
    expect(fitFusion(examples(3), fit.fusion).fusion).toEqual(fit.fusion);
  });

  it("fits score weights when asked: a score no rank fusion can reproduce, starting from the score fusion", () => {
    // "model" lists the relevant item second, but its scores (exact, after a truncated retrieval)
    // put it first: no weighting of ranks brings it to the top, its standardised score does.
    const scored: FusionExample[] = Array.from({ length: 3 }, () => ({
      candidates: [
        { hits: [{ source: "loud", rank: 0 }], scores: { itemToItem: 0 } },
        { hits: [{ source: "model", rank: 0, score: 4.9 }], scores: { itemToItem: 4.9 } },
        { hits: [{ source: "model", rank: 1, score: 4.8 }], scores: { itemToItem: 5 } },
      ],
      relevant: new Set([2]),
      relevantTotal: 1,
    }));
    const start = { k: 0, weights: { loud: 1, model: 1 } };
    const ranksOnly = fitFusion(scored, start);
    expect(ranksOnly.ndcg).toBeCloseTo(1 / Math.log2(3));
    expect(ranksOnly.fusion.scoreWeights).toBeUndefined();
    const withScores = fitFusion(scored, start, { scoreSources: ["itemToItem"] });
    expect(withScores.ndcg).toBeCloseTo(1);
    expect(withScores.fusion.scoreWeights!.itemToItem).toBeGreaterThan(0);
    expect(fusionNdcg(scored, withScores.fusion, 10)).toBeCloseTo(withScores.ndcg);
  });
});
