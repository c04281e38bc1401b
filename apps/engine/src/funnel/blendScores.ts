// Blend: score = Σ weight[action] · prediction[action], from the surface config's weights.
// Predictions stay in `scores` under the action name so weights can be tested and explained.
import { writableScores, type Candidate } from "./candidate.ts";

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
    writableScores(candidate)[BLEND_SCORE] = blended;
    candidate.score = blended;
  }
}

/**
 * Stable sort by score, best first (ties, and NaN scores, keep their current order). This runs
 * several times per request over ~500 candidates, so the scores are copied into a typed array and
 * merge-sorted as indices, with no comparator calls; every stable sort gives the same order, so it
 * is the order Array#sort gives with `b.score - a.score || 0`. NaN breaks that comparator's
 * ordering (NaN "equals" everything), so a list holding one falls back to Array#sort itself.
 */
export function sortByScore(candidates: readonly Candidate[]): Candidate[] {
  const length = candidates.length;
  if (keys.length < length) {
    const size = Math.max(length, 2 * keys.length);
    keys = new Float64Array(size);
    order = new Int32Array(size);
    spare = new Int32Array(size);
  }
  for (let i = 0; i < length; i++) {
    const score = candidates[i]!.score;
    if (score !== score) return candidates.slice().sort(byScoreDescending); // NaN
    keys[i] = score;
    order[i] = i;
  }
  let from = order;
  let to = spare;
  // Runs of RUN sorted by insertion, then merged pairwise; a pair already in order is copied.
  for (let start = 0; start < length; start += RUN) {
    const end = Math.min(start + RUN, length);
    for (let i = start + 1; i < end; i++) {
      const index = from[i]!;
      const key = keys[index]!;
      let j = i - 1;
      while (j >= start && keys[from[j]!]! < key) {
        from[j + 1] = from[j]!;
        j--;
      }
      from[j + 1] = index;
    }
  }
  for (let width = RUN; width < length; width *= 2) {
    for (let start = 0; start < length; start += 2 * width) {
      const middle = Math.min(start + width, length);
      const end = Math.min(start + 2 * width, length);
      let left = start;
      let right = middle;
      let out = start;
      if (middle < end && keys[from[middle - 1]!]! >= keys[from[middle]!]!) {
        while (left < end) to[out++] = from[left++]!;
        continue;
      }
      while (left < middle && right < end) {
        // The left run's item goes first unless the right one scores strictly higher (stability).
        if (keys[from[right]!]! > keys[from[left]!]!) to[out++] = from[right++]!;
        else to[out++] = from[left++]!;
      }
      while (left < middle) to[out++] = from[left++]!;
      while (right < end) to[out++] = from[right++]!;
    }
    const swap = from;
    from = to;
    to = swap;
  }
  const sorted = new Array<Candidate>(length);
  for (let i = 0; i < length; i++) sorted[i] = candidates[from[i]!]!;
  return sorted;
}

const RUN = 16;
let keys = new Float64Array(1024);
let order = new Int32Array(1024);
let spare = new Int32Array(1024);

function byScoreDescending(a: Candidate, b: Candidate): number {
  return b.score > a.score ? 1 : b.score < a.score ? -1 : 0;
}
