// Scorer `retrievalPrior`, used instead of the ranker when no ranker is active (or as the ranker's
// fallback): a score from retrieval alone. Two parts, both from the surface config (fitted by
// `cascade tune-fusion`):
//   rank fusion   Σ weight(source) / (k + 1 + rank) over the sources that found the candidate (a
//                 source the config does not list weighs 1);
//   score fusion  Σ fusion.scoreWeights[source] × z(source's score of the candidate), z standardised
//                 over the request's candidates. `ann` and `itemToItem` read the score their scorer
//                 wrote for every candidate (`twoTowerScore`, `itemToItemScore`: the two-tower's
//                 inner product; the item-to-item model over every weight it stores, which for EASE
//                 on a small catalogue is all of them, where the source retrieves with the 200
//                 strongest per seed); other sources the score their list gave the item, their
//                 lowest one where they did not find it.
// Scores carry what ranks drop (docs/bring-your-own-data.md has what each did on MovieLens). It is written as every positively
// weighted action's prediction divided by the sum of those weights, so the blend equals the prior
// and the surface's rules still apply on top. Deterministic, no I/O.
import type { SurfaceConfig } from "@cascade/core";
import type { Scorer, ScoreUpdate, SourceHit } from "../funnel/index.ts";
import { ITEM_TO_ITEM_SCORE, ITEM_TO_ITEM_SOURCE_ID } from "../sources/itemToItemSource.ts";
import { ANN_SOURCE_ID, TWO_TOWER_SCORE } from "../sources/twoTowerSource.ts";

export const RETRIEVAL_PRIOR_ID = "retrievalPrior";

/** A candidate no source ranked (should not happen) counts as found at this rank by one source. */
const UNRANKED = 1_000;

/** Where a source's per-candidate score comes from when a scorer wrote it for every candidate. */
const SCORED_FOR_EVERY_CANDIDATE: Readonly<Record<string, string>> = { [ANN_SOURCE_ID]: TWO_TOWER_SCORE, [ITEM_TO_ITEM_SOURCE_ID]: ITEM_TO_ITEM_SCORE };

export type PriorCandidate = { sources: readonly SourceHit[]; scores?: Readonly<Record<string, number>> };

export type PriorFusion = {
  k: number;
  /** A source's rank-fusion weight (1 for sources the config does not list). */
  weightOf(sourceId: string): number;
  scoreWeights: Readonly<Record<string, number>>;
};

/**
 * `source`'s score of each candidate standardised over `candidates` (mean 0, sd 1; all 0 when the
 * scores do not vary or no candidate has one). Missing scores take the lowest score present.
 */
export function standardisedSourceScores(candidates: readonly PriorCandidate[], source: string): Float64Array {
  const key = SCORED_FOR_EVERY_CANDIDATE[source];
  const values = new Float64Array(candidates.length).fill(Number.NaN);
  let lowest = Number.POSITIVE_INFINITY;
  for (let c = 0; c < candidates.length; c += 1) {
    const candidate = candidates[c]!;
    const written = key === undefined ? undefined : candidate.scores?.[key];
    const value = written ?? candidate.sources.find((hit) => hit.id === source)?.score;
    if (value !== undefined && Number.isFinite(value)) {
      values[c] = value;
      if (value < lowest) lowest = value;
    }
  }
  if (lowest === Number.POSITIVE_INFINITY) return values.fill(0);
  let mean = 0;
  for (let c = 0; c < values.length; c += 1) {
    if (Number.isNaN(values[c]!)) values[c] = lowest;
    mean += values[c]!;
  }
  mean /= values.length;
  let variance = 0;
  for (const value of values) variance += (value - mean) ** 2;
  const sd = Math.sqrt(variance / values.length);
  for (let c = 0; c < values.length; c += 1) values[c] = sd > 1e-12 ? (values[c]! - mean) / sd : 0;
  return values;
}

/** The prior of every candidate. `standardised` may hold precomputed standardisedSourceScores by source (the tuner reuses them). */
export function retrievalPriors(candidates: readonly PriorCandidate[], fusion: PriorFusion, standardised?: ReadonlyMap<string, Float64Array>): Float64Array {
  const priors = new Float64Array(candidates.length);
  for (let c = 0; c < candidates.length; c += 1) {
    const hits = candidates[c]!.sources;
    let prior = 0;
    for (const hit of hits) prior += fusion.weightOf(hit.id) / (fusion.k + 1 + hit.rank);
    if (hits.length === 0) prior = 1 / (fusion.k + 1 + UNRANKED);
    priors[c] = prior;
  }
  for (const [source, weight] of Object.entries(fusion.scoreWeights)) {
    if (!(weight > 0)) continue;
    const z = standardised?.get(source) ?? standardisedSourceScores(candidates, source);
    for (let c = 0; c < candidates.length; c += 1) priors[c]! += weight * z[c]!;
  }
  return priors;
}

export function retrievalPriorScorer(config: Pick<SurfaceConfig, "blend" | "sources" | "fusion">): Scorer {
  const positive = Object.entries(config.blend).filter(([, weight]) => weight > 0);
  const total = positive.reduce((sum, [, weight]) => sum + weight, 0);
  const actions = positive.map(([action]) => action);
  const weights = new Map(config.sources.map((source) => [source.id, source.weight]));
  const fusion: PriorFusion = { k: config.fusion.k, weightOf: (id) => weights.get(id) ?? 1, scoreWeights: config.fusion.scoreWeights ?? {} };
  return {
    id: RETRIEVAL_PRIOR_ID,
    budgetMs: 1_000,
    writes: [...positive.map(([action]) => `scores.${action}`), "scores.retrievalPrior"],
    freshScoreObjects: true,
    async score(_query, candidates): Promise<ScoreUpdate[]> {
      const priors = retrievalPriors(candidates, fusion);
      const updates = new Array<ScoreUpdate>(candidates.length);
      for (let c = 0; c < candidates.length; c++) {
        const prior = priors[c]!;
        // Grown from an empty literal, which has room for four properties in the object itself
        // (the prior and click, like, watch_seconds by default); a one-key literal has none spare.
        const scores: Record<string, number> = {};
        scores.retrievalPrior = prior;
        if (total > 0) {
          const share = prior / total;
          for (let a = 0; a < actions.length; a++) scores[actions[a]!] = share;
        }
        updates[c] = { scores };
      }
      return updates;
    },
  };
}
