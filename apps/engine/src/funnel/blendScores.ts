// Blend: score = Σ weight[action] · prediction[action], from the surface config's weights.
// Predictions stay in `scores` under the action name so weights can be tested and explained.
import type { Candidate } from "./candidate.ts";

export const BLEND_SCORE = "blend";

/** Writes scores.blend and sets score; an action the ranker did not predict counts as 0. */
export function blendScores(candidates: readonly Candidate[], weights: Readonly<Record<string, number>>): void {
  const actions = Object.entries(weights);
  for (const candidate of candidates) {
    let blended = 0;
    for (const [action, weight] of actions) {
      const prediction = candidate.scores[action];
      if (prediction !== undefined && Number.isFinite(prediction)) blended += weight * prediction;
    }
    candidate.scores[BLEND_SCORE] = blended;
    candidate.score = blended;
  }
}

/** Stable sort by score, best first (ties keep their current order). */
export function sortByScore(candidates: readonly Candidate[]): Candidate[] {
  return candidates
    .map((candidate, index) => ({ candidate, index }))
    .sort((a, b) => b.candidate.score - a.candidate.score || a.index - b.index)
    .map(({ candidate }) => candidate);
}
