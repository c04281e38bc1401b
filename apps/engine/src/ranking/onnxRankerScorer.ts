// Scorer `ranker`: the ACTIVE ranker (taken once per request from activeModels) run ONCE over the
// whole batch: one Float32Array of rows × declared features, one session run, one prediction per
// declared output per row. Outputs are written as per-action scores ("p_click" → scores.click, so
// the surface's blend weights name actions); the blend stays separate from the predictions.
//
// Inputs: registry features from the candidate (hydrated), `retrieval_score` (the two-tower
// score, 0 for candidates from other sources) and `position` (a fixed reference slot: the ranker
// was trained with position as a bias feature, and serving scores every candidate as if at the
// same slot). A value that is missing or not finite is replaced by the feature's declared default
// (0 for serving inputs) and counted per feature.
import { featureRegistry } from "../features/registry.ts";
import { defaultsTally } from "../features/defaultsTally.ts";
import type { Candidate, Scorer, ScoreUpdate, TallyCounter } from "../funnel/index.ts";
import type { ServingRanker } from "./servingRanker.ts";
import { ANN_SOURCE_ID } from "../sources/twoTowerSource.ts";

export const RANKER_SCORER_ID = "ranker";
/** The slot every candidate is scored at (position-bias features are neutralised at serving). */
export const REFERENCE_POSITION = 0;

/** "p_click" → "click"; other names unchanged. */
export function actionOf(output: string): string {
  return output.startsWith("p_") ? output.slice(2) : output;
}

function servingInput(name: string, candidate: Candidate): number | undefined {
  if (name === "position") return REFERENCE_POSITION;
  if (name === "retrieval_score") return candidate.sources.find((hit) => hit.id === ANN_SOURCE_ID)?.score ?? 0;
  return candidate.features[name];
}

/** Row-major rows × featureNames, with defaults for missing values (counted per column into `count`). */
export function featureMatrix(ranker: Pick<ServingRanker, "featureNames">, candidates: readonly Candidate[], count: TallyCounter): Float32Array {
  const names = ranker.featureNames;
  const width = names.length;
  const matrix = new Float32Array(candidates.length * width);
  const defaults = names.map((name) => featureRegistry.get(name)?.default ?? 0);
  // Column kinds resolved once per request, not per cell (500 rows × ~20 columns).
  const positionColumns = names.map((name) => name === "position");
  const retrievalColumns = names.map((name) => name === "retrieval_score");
  const defaulted = new Int32Array(width);
  for (let row = 0; row < candidates.length; row += 1) {
    const candidate = candidates[row]!;
    const features = candidate.features;
    let retrieval: number | undefined;
    for (let column = 0; column < width; column += 1) {
      const name = names[column]!;
      let value: number | undefined;
      if (positionColumns[column]) value = REFERENCE_POSITION;
      else if (retrievalColumns[column]) value = retrieval ??= servingInput(name, candidate);
      else value = features[name];
      if (value === undefined || !Number.isFinite(value)) {
        matrix[row * width + column] = defaults[column]!;
        defaulted[column]! += 1;
      } else matrix[row * width + column] = value;
    }
  }
  defaulted.forEach((times, column) => {
    if (times > 0) count(defaultsTally(names[column]!), times);
  });
  return matrix;
}

export function onnxRankerScorer(ranker: ServingRanker, budgetMs: number): Scorer {
  return {
    id: RANKER_SCORER_ID,
    budgetMs,
    writes: ranker.outputs.map((output) => `scores.${actionOf(output)}`),
    freshScoreObjects: true,
    async score(_query, candidates, _signal, count): Promise<ScoreUpdate[]> {
      if (candidates.length === 0) return [];
      const outputs = await ranker.score(featureMatrix(ranker, candidates, count), candidates.length);
      return candidates.map((_, row) => {
        const scores: Record<string, number> = {};
        for (const output of ranker.outputs) {
          const value = outputs[output]?.[row];
          if (value !== undefined && Number.isFinite(value)) scores[actionOf(output)] = value;
        }
        return { scores };
      });
    },
  };
}
