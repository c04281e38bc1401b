// The batched forward pass (four rows per weight load, transposed weights, chunks of
// SCORING_CHUNK_ROWS) against the textbook row-by-row loop: equal to the last bit.
import { describe, expect, it } from "vitest";
import { createMultiTaskRanker, forwardTrace, headOutputs, scoreBatch, SCORING_CHUNK_ROWS, type DenseLayer, type MultiTaskRanker } from "./multiTaskRanker.ts";
import { SYNTHETIC_FEATURES, syntheticRankingData } from "../training/ranker/syntheticRankingData.ts";

function textbookLayer(layer: DenseLayer, input: Float32Array, rows: number, relu: boolean): Float32Array {
  const output = new Float32Array(rows * layer.outputSize);
  for (let row = 0; row < rows; row += 1) {
    for (let j = 0; j < layer.outputSize; j += 1) {
      let sum = 0;
      for (let k = 0; k < layer.inputSize; k += 1) {
        const value = input[row * layer.inputSize + k]!;
        if (value !== 0) sum += value * layer.weights[k * layer.outputSize + j]!;
      }
      const value = Math.fround(sum) + layer.bias[j]!;
      output[row * layer.outputSize + j] = relu && value < 0 ? 0 : value;
    }
  }
  return output;
}

function textbookLogits(model: MultiTaskRanker, features: Float32Array, rows: number): Float32Array {
  const F = model.featureNames.length;
  let current: Float32Array = new Float32Array(rows * F);
  for (let i = 0; i < rows * F; i += 1) current[i] = Math.fround(features[i]! - model.featureMean[i % F]!) * model.featureInvStd[i % F]!;
  for (const layer of model.hidden) current = textbookLayer(layer, current, rows, true);
  return textbookLayer(model.head, current, rows, false);
}

describe("multi-task ranker forward pass", () => {
  const model = createMultiTaskRanker({ featureNames: SYNTHETIC_FEATURES, hiddenSizes: [7, 5], seed: 3 });
  model.featureMean.set([0.1, -0.2, 3, 0, 0.5]);
  model.featureInvStd.set([2, 0.5, 0.1, 1, 3]);
  model.head.bias[0] = -1.5;
  model.watchScale = 12.5;

  it("scores many rows in chunks exactly as the row-by-row loop does", () => {
    const rows = SCORING_CHUNK_ROWS + 7; // a chunk boundary and a tail that is not a multiple of 4
    const data = syntheticRankingData(rows, 9);
    // Exact zeros in the inputs too (skipped by the textbook loop).
    for (let row = 0; row < rows; row += 5) data.features[row * SYNTHETIC_FEATURES.length + 3] = model.featureMean[3]!;
    const expected = headOutputs(model, textbookLogits(model, data.features, rows), rows);
    const actual = scoreBatch(model, data.features, rows);
    expect(actual.pClick).toEqual(expected.pClick);
    expect(actual.pLike).toEqual(expected.pLike);
    expect(actual.watchSeconds).toEqual(expected.watchSeconds);
    expect(forwardTrace(model, data.features.subarray(0, 3 * SYNTHETIC_FEATURES.length), 3).logits).toEqual(textbookLogits(model, data.features, 3));
  });
});
