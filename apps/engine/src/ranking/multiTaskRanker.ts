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
import { createRandom } from "@cascade/core";

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
  return forwardInto(model, features, rows, createForwardWorkspace(model, rows));
}

/**
 * Buffers for batched forward passes of up to `capacity` rows. Training and chunked scoring reuse
 * one workspace for every batch, so the hot loops allocate nothing per batch (the garbage collector
 * was a fifth of the ranker step's time when each batch allocated its own tensors).
 */
export type ForwardWorkspace = {
  capacity: number;
  inputs: Float32Array;
  activations: Float32Array[];
  logits: Float32Array;
  /** Room for the transposed weights of the largest layer. */
  transposed: Float32Array;
};

export function createForwardWorkspace(model: MultiTaskRanker, capacity: number): ForwardWorkspace {
  const rows = Math.max(1, capacity);
  const largest = Math.max(...[...model.hidden, model.head].map((layer) => layer.weights.length));
  return {
    capacity: rows,
    inputs: new Float32Array(rows * model.featureNames.length),
    activations: model.hidden.map((layer) => new Float32Array(rows * layer.outputSize)),
    logits: new Float32Array(rows * HEAD_COUNT),
    transposed: new Float32Array(largest),
  };
}

/**
 * forwardTrace into `workspace` (rows ≤ its capacity): the trace's arrays are views of the
 * workspace, valid until its next use. Same arithmetic as forwardTrace, value for value.
 */
export function forwardInto(model: MultiTaskRanker, features: Float32Array, rows: number, workspace: ForwardWorkspace): ForwardTrace {
  const featureCount = model.featureNames.length;
  if (features.length !== rows * featureCount) {
    throw new Error(`expected ${rows} × ${featureCount} = ${rows * featureCount} feature values, got ${features.length}`);
  }
  if (rows > workspace.capacity) throw new RangeError(`forward pass of ${rows} rows in a workspace of ${workspace.capacity}`);
  const inputs = workspace.inputs.subarray(0, rows * featureCount);
  const mean = model.featureMean;
  const invStd = model.featureInvStd;
  for (let row = 0; row < rows; row += 1) {
    const offset = row * featureCount;
    for (let k = 0; k < featureCount; k += 1) {
      // Two float32 roundings, as the graph's Sub then Mul produce.
      const centred = Math.fround(features[offset + k]! - mean[k]!);
      inputs[offset + k] = centred * invStd[k]!;
    }
  }
  const activations: Float32Array[] = [];
  let current: Float32Array = inputs;
  model.hidden.forEach((layer, index) => {
    const output = workspace.activations[index]!.subarray(0, rows * layer.outputSize);
    denseForward(layer, current, rows, true, output, workspace.transposed);
    activations.push(output);
    current = output;
  });
  const logits = workspace.logits.subarray(0, rows * HEAD_COUNT);
  denseForward(model.head, current, rows, false, logits, workspace.transposed);
  return { rows, inputs, activations, logits };
}

/** Rows per forward pass when scoring many rows: bounded memory, identical per-row results. */
export const SCORING_CHUNK_ROWS = 4096;

/** Scores a batch: the three heads' outputs for each row of `features` ([rows, F] row-major). */
export function scoreBatch(model: MultiTaskRanker, features: Float32Array, rows: number): RankerScores {
  const featureCount = model.featureNames.length;
  if (features.length !== rows * featureCount) {
    throw new Error(`expected ${rows} × ${featureCount} = ${rows * featureCount} feature values, got ${features.length}`);
  }
  const scores: RankerScores = { pClick: new Float32Array(rows), pLike: new Float32Array(rows), watchSeconds: new Float32Array(rows) };
  const workspace = createForwardWorkspace(model, Math.min(rows, SCORING_CHUNK_ROWS));
  for (let start = 0; start < rows; start += SCORING_CHUNK_ROWS) {
    const end = Math.min(rows, start + SCORING_CHUNK_ROWS);
    const trace = forwardInto(model, features.subarray(start * featureCount, end * featureCount), end - start, workspace);
    headOutputsInto(model, trace.logits, end - start, scores, start);
  }
  return scores;
}

/** Applies the heads' link functions to [rows, 3] logits. */
export function headOutputs(model: MultiTaskRanker, logits: Float32Array, rows: number): RankerScores {
  const scores: RankerScores = { pClick: new Float32Array(rows), pLike: new Float32Array(rows), watchSeconds: new Float32Array(rows) };
  headOutputsInto(model, logits, rows, scores, 0);
  return scores;
}

/** headOutputs written into `scores` from row `offset` on. */
export function headOutputsInto(model: MultiTaskRanker, logits: Float32Array, rows: number, scores: RankerScores, offset: number): void {
  const { pClick, pLike, watchSeconds } = scores;
  const scale = Math.fround(model.watchScale);
  for (let row = 0; row < rows; row += 1) {
    const base = row * HEAD_COUNT;
    pClick[offset + row] = sigmoid(logits[base + HEAD_CLICK]!);
    pLike[offset + row] = sigmoid(logits[base + HEAD_LIKE]!);
    watchSeconds[offset + row] = Math.fround(softplus(logits[base + HEAD_WATCH]!)) * scale;
  }
}

/**
 * output = input · W + b (optionally ReLU), each sum accumulated in float64 over the input columns
 * in order and stored as float32. Four rows at a time against a transposed copy of W, so the inner
 * loop keeps four sums in registers and loads each weight once for four rows (the naive loop loaded
 * and stored an accumulator per multiply-add). Same values as the textbook loop: each output is the
 * same products added in the same order from 0 (an input of 0 adds ±0, which changes no sum).
 */
function denseForward(layer: DenseLayer, input: Float32Array, rows: number, relu: boolean, output: Float32Array, transposed: Float32Array): void {
  const { inputSize, outputSize, weights, bias } = layer;
  for (let k = 0; k < inputSize; k += 1) {
    for (let j = 0; j < outputSize; j += 1) transposed[j * inputSize + k] = weights[k * outputSize + j]!;
  }
  let row = 0;
  for (; row + 4 <= rows; row += 4) {
    const i0 = row * inputSize;
    const i1 = i0 + inputSize;
    const i2 = i1 + inputSize;
    const i3 = i2 + inputSize;
    const o0 = row * outputSize;
    for (let j = 0; j < outputSize; j += 1) {
      const w0 = j * inputSize;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < inputSize; k += 1) {
        const w = transposed[w0 + k]!;
        s0 += input[i0 + k]! * w;
        s1 += input[i1 + k]! * w;
        s2 += input[i2 + k]! * w;
        s3 += input[i3 + k]! * w;
      }
      // MatMul and Add are separate graph nodes: the product is rounded to float32 before the bias.
      const b = bias[j]!;
      output[o0 + j] = activate(Math.fround(s0) + b, relu);
      output[o0 + outputSize + j] = activate(Math.fround(s1) + b, relu);
      output[o0 + 2 * outputSize + j] = activate(Math.fround(s2) + b, relu);
      output[o0 + 3 * outputSize + j] = activate(Math.fround(s3) + b, relu);
    }
  }
  for (; row < rows; row += 1) {
    const i0 = row * inputSize;
    const o0 = row * outputSize;
    for (let j = 0; j < outputSize; j += 1) {
      const w0 = j * inputSize;
      let sum = 0;
      for (let k = 0; k < inputSize; k += 1) sum += input[i0 + k]! * transposed[w0 + k]!;
      output[o0 + j] = activate(Math.fround(sum) + bias[j]!, relu);
    }
  }
}

function activate(value: number, relu: boolean): number {
  return relu && value < 0 ? 0 : value;
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
