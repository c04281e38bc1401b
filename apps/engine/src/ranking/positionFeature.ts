// Position bias as a training-time input (issue 4, item 9): the logged slot is a feature while
// training, so the model attributes "clicked because it was on top" to the position instead of the
// item; at serving there is no position yet (the ranker decides it), so every candidate is scored
// as if shown at one reference slot — the model's P(click at the reference position), which ranks
// by relevance alone.
//
// The reference is baked into the served model rather than left as an input the server must fill:
// the position column feeds only the first layer, and a constant input there is a constant added
// to that layer's bias (after standardisation: x̃ = (ref − mean)·invStd, bias' = bias + x̃·W[pos]).
// servingRanker() removes the column and folds it, so the exported ONNX file takes exactly the
// registry features — the same contract as a model trained without position — and the engine, or
// a model trained elsewhere, needs to know nothing about how it was trained.
import type { MultiTaskRanker } from "./multiTaskRanker.ts";

/** Name of the training-only input column. */
export const POSITION_FEATURE = "position";

/**
 * Row-major [rows, F (+1)] model input: the feature columns, then the position column when
 * `position` is given (missing positions — NaN — take the reference value).
 */
export function modelInput(
  features: Float32Array,
  featureCount: number,
  rows: readonly number[] | Int32Array,
  position?: { values: ArrayLike<number>; reference: number; fixed?: boolean },
): Float32Array {
  const width = featureCount + (position ? 1 : 0);
  const input = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r]!;
    input.set(features.subarray(row * featureCount, (row + 1) * featureCount), r * width);
    if (position) {
      const logged = position.values[row]!;
      input[r * width + featureCount] = position.fixed || Number.isNaN(logged) ? position.reference : logged;
    }
  }
  return input;
}

/**
 * The served form of a model trained with a position column: that column removed and
 * `referencePosition` folded into the first layer's bias. Returns the model unchanged when it has
 * no position column.
 */
export function servingRanker(model: MultiTaskRanker, referencePosition: number): MultiTaskRanker {
  const index = model.featureNames.indexOf(POSITION_FEATURE);
  if (index < 0) return model;
  const first = model.hidden[0];
  if (!first) throw new Error("a ranker without hidden layers cannot fold the position column");
  const F = model.featureNames.length;
  // The same two float32 roundings the forward pass applies to an input value.
  const standardised = Math.fround(Math.fround(referencePosition - model.featureMean[index]!) * model.featureInvStd[index]!);
  const { outputSize } = first;
  const weights = new Float32Array((F - 1) * outputSize);
  for (let k = 0, target = 0; k < F; k += 1) {
    if (k === index) continue;
    weights.set(first.weights.subarray(k * outputSize, (k + 1) * outputSize), target * outputSize);
    target += 1;
  }
  const bias = new Float32Array(outputSize);
  for (let j = 0; j < outputSize; j += 1) bias[j] = first.bias[j]! + standardised * first.weights[index * outputSize + j]!;
  const without = <T extends Float32Array>(values: T) => values.filter((_, k) => k !== index) as T;
  return {
    ...model,
    featureNames: model.featureNames.filter((_, k) => k !== index),
    featureMean: without(model.featureMean),
    featureInvStd: without(model.featureInvStd),
    hidden: [{ inputSize: F - 1, outputSize, weights, bias }, ...model.hidden.slice(1)],
  };
}
