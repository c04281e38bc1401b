// Blend: score = Σ weight[action] · prediction[action], from the surface config's weights.
// Predictions stay in `scores` under the action name so weights can be tested and explained.
import type { Candidate } from "./candidate.ts";

export const BLEND_SCORE = "blend";

/** Writes scores.blend and sets score; an action the ranker did not predict counts as 0. */
export function blendScores(candidates: readonly Candidate[], weights: Readonly<Record<string, number>>): void {
  const actions = Object.keys(weights);
  const actionWeights = actions.map((action) => weights[action]!);
  for (const candidate of candidates) {
    let blended = 0;
    for (let index = 0; index < actions.length; index += 1) {
      const prediction = candidate.scores[actions[index]!];
      if (prediction !== undefined && Number.isFinite(prediction)) blended += actionWeights[index]! * prediction;
    }
    candidate.scores[BLEND_SCORE] = blended;
    candidate.score = blended;
  }
}

/**
 * Stable sort by score, best first (ties, and NaN scores, keep their current order). Array sort is
 * stable (ES2019), so no index wrappers: this runs several times per request over ~500 candidates.
 * The comparator returns small integers, not the scores' difference: a fractional result is a
 * heap number allocated on every one of the ~4,000 comparisons.
 */
export function sortByScore(candidates: readonly Candidate[]): Candidate[] {
  return candidates.slice().sort(byScoreDescending);
}

function byScoreDescending(a: Candidate, b: Candidate): number {
  return b.score > a.score ? 1 : b.score < a.score ? -1 : 0;
}
