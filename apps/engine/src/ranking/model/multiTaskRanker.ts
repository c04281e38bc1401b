// The multi-task ranker: one MLP over a candidate's feature vector, shared hidden layers, and three
// heads that the blend weighs per surface — P(click), P(like) and expected watch seconds.
//
// Why this shape: the actions are strongly correlated (what gets watched gets clicked), so a shared
// trunk learns one representation from all labels and the sparse ones (likes) borrow strength from
// the dense ones (clicks). The heads are a single [hidden, 3] layer so training and inference do
// one matrix product for all of them.
//
// Numerics are chosen so that the ONNX export (onnxExport.ts) reproduces this forward pass to
// float32 rounding: parameters are Float32Array, every intermediate that ONNX Runtime materialises
// as a float32 tensor is rounded to float32 here too (Math.fround / Float32Array stores), and the
// standardisation is applied as (x - mean) * invStd in that order, as the graph does.
import { createRandom } from "../../demo/random.ts";

/** Names of the model's outputs, in head order; also the ONNX output names. */
export const RANKER_OUTPUTS = ["p_click", "p_like", "watch_seconds"] as const;
export type RankerOutput = (typeof RANKER_OUTPUTS)[number];

export const HEAD_CLICK = 0;
export const HEAD_LIKE = 1;
export const HEAD_WATCH = 2;
export const HEAD_COUNT = 3;

/** A fully connected layer; weights are row-major [inputSize, outputSize], as ONNX MatMul wants. */
export type DenseLayer = {
  inputSize: number;
  outputSize: number;
  weights: Float32Array;
  bias: Float32Array;
};

export type MultiTaskRanker = {
  /** Input order: column k of a feature row is featureNames[k]. */
  featureNames: readonly string[];
  /** Standardisation fitted on the training rows; identity until training sets it. */
  featureMean: Float32Array;
  featureInvStd: Float32Array;
  /** Shared trunk, each followed by ReLU. */
  hidden: DenseLayer[];
  /** [lastHidden, 3]: click logit, like logit, watch pre-activation. */
  head: DenseLayer;
  /**
   * Watch seconds = watchScale · softplus(z). The scale (mean watch time of the training rows) keeps
   * the head's target near 1, so its loss is on the same footing as the two BCE terms.
   */
  watchScale: number;
};

export type MultiTaskRankerSpec = {
  featureNames: readonly string[];
  /** Widths of the shared hidden layers, e.g. [64, 32]. */
  hiddenSizes: readonly number[];
  seed: number;
};

/** Per-row outputs of a batch, each of length rows. */
export type RankerScores = {
  pClick: Float32Array;
  pLike: Float32Array;
  watchSeconds: Float32Array;
};

/**
 * A freshly initialised ranker: He-normal weights for the ReLU trunk, a smaller Glorot-style scale
 * for the heads so initial logits start near 0, zero biases except the watch head's, which starts
 * at softplus⁻¹(1) so the initial prediction is the scale itself.
 */
export function createMultiTaskRanker(spec: MultiTaskRankerSpec): MultiTaskRanker {
  const featureCount = spec.featureNames.length;
  if (featureCount === 0) throw new Error("a ranker needs at least one feature");
  for (const size of spec.hiddenSizes) {
    if (!Number.isInteger(size) || size <= 0) throw new Error(`hidden layer sizes must be positive integers, got ${size}`);
  }
  const random = createRandom(spec.seed >>> 0);
  const hidden: DenseLayer[] = [];
  let inputSize = featureCount;
  for (const size of spec.hiddenSizes) {
    hidden.push(initialisedLayer(inputSize, size, Math.sqrt(2 / inputSize), random.normal));
    inputSize = size;
  }
  const head = initialisedLayer(inputSize, HEAD_COUNT, Math.sqrt(1 / inputSize), random.normal);
  head.bias[HEAD_WATCH] = inverseSoftplus(1);
  return {
    featureNames: [...spec.featureNames],
    featureMean: new Float32Array(featureCount),
    featureInvStd: new Float32Array(featureCount).fill(1),
    hidden,
    head,
    watchScale: 1,
  };
}

function initialisedLayer(inputSize: number, outputSize: number, scale: number, normal: () => number): DenseLayer {
  const weights = new Float32Array(inputSize * outputSize);
  for (let index = 0; index < weights.length; index += 1) weights[index] = normal() * scale;
  return { inputSize, outputSize, weights, bias: new Float32Array(outputSize) };
}

/**
 * Every intermediate tensor of a batched forward pass, kept for backpropagation: `inputs` is the
 * standardised batch, `activations[i]` the output of hidden layer i after ReLU, `logits` the head's
 * [rows, 3] pre-activations.
 */
export type ForwardTrace = {
  rows: number;
  inputs: Float32Array;
  activations: Float32Array[];
  logits: Float32Array;
};

/** The batched forward pass up to the head pre-activations. `features` is row-major [rows, F]. */
export function forwardTrace(model: MultiTaskRanker, features: Float32Array, rows: number): ForwardTrace {
  const featureCount = model.featureNames.length;
  if (features.length !== rows * featureCount) {
    throw new Error(`expected ${rows} × ${featureCount} = ${rows * featureCount} feature values, got ${features.length}`);
  }
  const inputs = new Float32Array(features.length);
  for (let row = 0; row < rows; row += 1) {
    const offset = row * featureCount;
    for (let k = 0; k < featureCount; k += 1) {
      // Two float32 roundings, as the graph's Sub then Mul produce.
      const centred = Math.fround(features[offset + k]! - model.featureMean[k]!);
      inputs[offset + k] = centred * model.featureInvStd[k]!;
    }
  }
  const activations: Float32Array[] = [];
  let current: Float32Array = inputs;
  for (const layer of model.hidden) {
    current = denseForward(layer, current, rows, true);
    activations.push(current);
  }
  const logits = denseForward(model.head, current, rows, false);
  return { rows, inputs, activations, logits };
}

/** Scores a batch: the three heads' outputs for each row of `features` ([rows, F] row-major). */
export function scoreBatch(model: MultiTaskRanker, features: Float32Array, rows: number): RankerScores {
  return headOutputs(model, forwardTrace(model, features, rows).logits, rows);
}

/** Applies the heads' link functions to [rows, 3] logits. */
export function headOutputs(model: MultiTaskRanker, logits: Float32Array, rows: number): RankerScores {
  const pClick = new Float32Array(rows);
  const pLike = new Float32Array(rows);
  const watchSeconds = new Float32Array(rows);
  const scale = Math.fround(model.watchScale);
  for (let row = 0; row < rows; row += 1) {
    const base = row * HEAD_COUNT;
    pClick[row] = sigmoid(logits[base + HEAD_CLICK]!);
    pLike[row] = sigmoid(logits[base + HEAD_LIKE]!);
    watchSeconds[row] = Math.fround(softplus(logits[base + HEAD_WATCH]!)) * scale;
  }
  return { pClick, pLike, watchSeconds };
}

/**
 * out = in · W + b (optionally ReLU), accumulated in float64 and stored as float32. The loop runs
 * over the input columns outermost so the inner loop walks a contiguous row of W.
 */
function denseForward(layer: DenseLayer, input: Float32Array, rows: number, relu: boolean): Float32Array {
  const { inputSize, outputSize, weights, bias } = layer;
  const output = new Float32Array(rows * outputSize);
  const accumulator = new Float64Array(outputSize);
  for (let row = 0; row < rows; row += 1) {
    // MatMul and Add are separate graph nodes: the product is rounded to float32 before the bias.
    accumulator.fill(0);
    const inOffset = row * inputSize;
    for (let k = 0; k < inputSize; k += 1) {
      const value = input[inOffset + k]!;
      if (value === 0) continue;
      const wOffset = k * outputSize;
      for (let j = 0; j < outputSize; j += 1) accumulator[j]! += value * weights[wOffset + j]!;
    }
    const outOffset = row * outputSize;
    for (let j = 0; j < outputSize; j += 1) {
      const value = Math.fround(accumulator[j]!) + bias[j]!;
      output[outOffset + j] = relu && value < 0 ? 0 : value;
    }
  }
  return output;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow for large z or loss of precision for very negative z. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function inverseSoftplus(y: number): number {
  return Math.log(Math.expm1(y));
}
