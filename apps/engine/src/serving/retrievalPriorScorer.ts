// Scorer `retrievalPrior`, used instead of the ranker when no ranker is active (or as the ranker's
// fallback): a score from retrieval alone, 1 / (1 + best source rank), written as every
// positively weighted action's prediction divided by the sum of those weights, so the blend
// equals the prior and the surface's rules still apply on top. Deterministic, no I/O.
import type { Scorer, ScoreUpdate } from "../funnel/index.ts";

export const RETRIEVAL_PRIOR_ID = "retrievalPrior";

export function retrievalPriorScorer(blend: Readonly<Record<string, number>>): Scorer {
  const positive = Object.entries(blend).filter(([, weight]) => weight > 0);
  const total = positive.reduce((sum, [, weight]) => sum + weight, 0);
  return {
    id: RETRIEVAL_PRIOR_ID,
    budgetMs: 1_000,
    writes: [...positive.map(([action]) => `scores.${action}`), "scores.retrievalPrior"],
    freshScoreObjects: true,
    async score(_query, candidates): Promise<ScoreUpdate[]> {
      return candidates.map((candidate) => {
        let bestRank = Number.POSITIVE_INFINITY;
        for (const hit of candidate.sources) bestRank = Math.min(bestRank, hit.rank);
        const prior = 1 / (1 + (Number.isFinite(bestRank) ? bestRank : 1_000));
        const scores: Record<string, number> = { retrievalPrior: prior };
        if (total > 0) for (const [action] of positive) scores[action] = prior / total;
        return { scores };
      });
    },
  };
}
