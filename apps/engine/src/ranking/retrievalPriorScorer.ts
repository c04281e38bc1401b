// Scorer `retrievalPrior`, used instead of the ranker when no ranker is active (or as the ranker's
// fallback): a score from retrieval alone, the weighted reciprocal-rank fusion of the sources that
// found the candidate, Σ weight(source) / (k + 1 + rank) (weights and k from the surface config,
// fitted by `cascade tune-fusion`; a source the config does not list weighs 1). It is written as
// every positively weighted action's prediction divided by the sum of those weights, so the blend
// equals the prior and the surface's rules still apply on top. Deterministic, no I/O.
import type { SurfaceConfig } from "@cascade/core";
import type { Scorer, ScoreUpdate } from "../funnel/index.ts";

export const RETRIEVAL_PRIOR_ID = "retrievalPrior";

/** A candidate no source ranked (should not happen) counts as found at this rank by one source. */
const UNRANKED = 1_000;

export function retrievalPriorScorer(config: Pick<SurfaceConfig, "blend" | "sources" | "fusion">): Scorer {
  const positive = Object.entries(config.blend).filter(([, weight]) => weight > 0);
  const total = positive.reduce((sum, [, weight]) => sum + weight, 0);
  const weights = new Map(config.sources.map((source) => [source.id, source.weight]));
  const k = config.fusion.k;
  return {
    id: RETRIEVAL_PRIOR_ID,
    budgetMs: 1_000,
    writes: [...positive.map(([action]) => `scores.${action}`), "scores.retrievalPrior"],
    freshScoreObjects: true,
    async score(_query, candidates): Promise<ScoreUpdate[]> {
      return candidates.map((candidate) => {
        let prior = 0;
        for (const hit of candidate.sources) prior += (weights.get(hit.id) ?? 1) / (k + 1 + hit.rank);
        if (candidate.sources.length === 0) prior = 1 / (k + 1 + UNRANKED);
        const scores: Record<string, number> = { retrievalPrior: prior };
        if (total > 0) for (const [action] of positive) scores[action] = prior / total;
        return { scores };
      });
    },
  };
}
