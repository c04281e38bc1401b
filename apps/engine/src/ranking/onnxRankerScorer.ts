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
import { featureOf } from "../funnel/candidate.ts";
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
  if (name === "retrieval_score") return annScoreOf(candidate);
  return featureOf(candidate, name);
}

/** The two-tower score of the candidate's ANN hit (its first), 0 without one; a loop, not a closure per row. */
function annScoreOf(candidate: Candidate): number | undefined {
  const sources = candidate.sources;
  for (let index = 0; index < sources.length; index += 1) if (sources[index]!.id === ANN_SOURCE_ID) return sources[index]!.score ?? 0;
  return 0;
}

const enum ColumnKind {
  Feature = 0,
  Position = 1,
  Retrieval = 2,
}

/** Row-major rows × featureNames, with defaults for missing values (counted per column into `count`). */
export function featureMatrix(ranker: Pick<ServingRanker, "featureNames">, candidates: readonly Candidate[], count: TallyCounter): Float32Array {
  const names = ranker.featureNames;
  const width = names.length;
  const rows = candidates.length;
  const matrix = new Float32Array(rows * width);
  // Column kinds and defaults resolved once per request, not per cell (500 rows × ~25 columns).
  const defaults = new Float32Array(width);
  const kinds = new Uint8Array(width);
  const columnOf = new Map<string, number>();
  for (let column = 0; column < width; column += 1) {
    const name = names[column]!;
    defaults[column] = featureRegistry.get(name)?.default ?? 0;
    kinds[column] = name === "position" ? ColumnKind.Position : name === "retrieval_score" ? ColumnKind.Retrieval : ColumnKind.Feature;
    if (kinds[column] === ColumnKind.Feature) columnOf.set(name, column);
  }
  const defaulted = new Int32Array(width);
  // A feature column appears once (else the lookup by name below, for every cell).
  if (columnOf.size !== names.filter((name) => name !== "position" && name !== "retrieval_score").length) {
    fillByName(names, kinds, defaults, candidates, matrix, defaulted);
  } else {
    // Feature cells are filled by one pass over each candidate's own keys (for…in, which V8 runs
    // off the object's cached key list), not by a lookup per column name: candidates' feature maps
    // come from one hydrator's template, so consecutive rows share one key order, and the column of
    // the i-th key of the previous order is tried first. NaN marks a cell without a finite value:
    // a finite double never converts to a NaN float32.
    // The request's shared features (Candidate.requestFeatures, one object for every candidate) are
    // laid out once as a row that each row starts from; the candidate's own keys then fill the rest.
    matrix.fill(Number.NaN);
    const featureColumns = [...columnOf.values()];
    const fixedColumns = kinds.reduce<number[]>((fixed, kind, column) => (kind === ColumnKind.Feature ? fixed : [...fixed, column]), []);
    const sharedRow = new Float32Array(width);
    let sharedOf: Readonly<Record<string, number>> | undefined;
    let sharedFilled = 0;
    let orderKeys: string[] = [];
    let orderColumns: number[] = [];
    for (let row = 0; row < rows; row += 1) {
      const candidate = candidates[row]!;
      const features = candidate.features;
      const base = row * width;
      const shared = candidate.requestFeatures;
      if (shared !== sharedOf) {
        sharedOf = shared;
        sharedFilled = sharedColumns(shared, columnOf, sharedRow);
      }
      if (sharedFilled > 0) matrix.set(sharedRow, base);
      let position = 0;
      let filled = sharedFilled;
      for (const key in features) {
        let column: number;
        if (position < orderKeys.length && key === orderKeys[position]) column = orderColumns[position]!;
        else {
          // This row's keys differ from the previous order from here on: record its order anew.
          if (position < orderKeys.length) {
            orderKeys = orderKeys.slice(0, position);
            orderColumns = orderColumns.slice(0, position);
          }
          column = columnOf.get(key) ?? -1;
          orderKeys.push(key);
          orderColumns.push(column);
        }
        position += 1;
        if (column < 0) continue;
        // The candidate's own value wins over the request's (featureOf's rule): a non-finite one
        // clears the request's value so the cell gets the declared default. A cell counts once.
        const value = features[key];
        if (Number.isFinite(value)) {
          if (Number.isNaN(matrix[base + column]!)) filled += 1;
          matrix[base + column] = value!;
        } else if (value !== undefined && !Number.isNaN(matrix[base + column]!)) {
          matrix[base + column] = Number.NaN;
          filled -= 1;
        }
      }
      if (filled < featureColumns.length) {
        for (const column of featureColumns) {
          if (!Number.isNaN(matrix[base + column]!)) continue;
          matrix[base + column] = defaults[column]!;
          defaulted[column]! += 1;
        }
      }
      let retrieval: number | undefined;
      for (const column of fixedColumns) {
        const value = kinds[column] === ColumnKind.Position ? REFERENCE_POSITION : (retrieval ??= annScoreOf(candidate));
        if (value !== undefined && Number.isFinite(value)) matrix[base + column] = value;
        else {
          matrix[base + column] = defaults[column]!;
          defaulted[column]! += 1;
        }
      }
    }
  }
  defaulted.forEach((times, column) => {
    if (times > 0) count(defaultsTally(names[column]!), times);
  });
  return matrix;
}

/** Writes the finite values of `shared` into their feature columns of `row` (NaN elsewhere); returns how many columns it filled. */
function sharedColumns(shared: Readonly<Record<string, number>> | undefined, columnOf: ReadonlyMap<string, number>, row: Float32Array): number {
  row.fill(Number.NaN);
  let filled = 0;
  if (shared === undefined) return 0;
  for (const key in shared) {
    const column = columnOf.get(key);
    const value = shared[key];
    if (column === undefined || !Number.isFinite(value)) continue;
    row[column] = value!;
    filled += 1;
  }
  return filled;
}

/** The same matrix by one lookup per cell (a ranker that names a feature column twice). */
function fillByName(
  names: readonly string[],
  kinds: Uint8Array,
  defaults: Float32Array,
  candidates: readonly Candidate[],
  matrix: Float32Array,
  defaulted: Int32Array,
): void {
  const width = names.length;
  for (let row = 0; row < candidates.length; row += 1) {
    const candidate = candidates[row]!;
    let retrieval: number | undefined;
    for (let column = 0; column < width; column += 1) {
      const name = names[column]!;
      const kind = kinds[column]!;
      const value =
        kind === ColumnKind.Position
          ? REFERENCE_POSITION
          : kind === ColumnKind.Retrieval
            ? (retrieval ??= servingInput(name, candidate))
            : featureOf(candidate, name);
      if (value === undefined || !Number.isFinite(value)) {
        matrix[row * width + column] = defaults[column]!;
        defaulted[column]! += 1;
      } else matrix[row * width + column] = value;
    }
  }
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
      // Action names and output columns resolved once per request, not per row.
      const actions = ranker.outputs.map(actionOf);
      const columns = ranker.outputs.map((output) => outputs[output]);
      const updates = new Array<ScoreUpdate>(candidates.length);
      for (let row = 0; row < candidates.length; row += 1) {
        const scores: Record<string, number> = {};
        for (let index = 0; index < columns.length; index += 1) {
          const value = columns[index]?.[row];
          if (value !== undefined && Number.isFinite(value)) scores[actions[index]!] = value;
        }
        updates[row] = { scores };
      }
      return updates;
    },
  };
}
