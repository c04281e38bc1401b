// Trains the multi-task ranker (multiTaskRanker.ts) with mini-batch Adam, written out by hand:
// the optimiser is part of the product, not a dependency, so its behaviour is pinned and
// deterministic for a seed (initialisation and the per-epoch shuffle both derive from it).
//
// Loss per example, averaged with per-example weights (Σ wᵢ·ℓᵢ / Σ wᵢ, so clipped inverse-propensity
// weights can be passed in later without changing the loss's scale):
//   ℓ = BCE(click) + BCE(like) + watchLossWeight · Huber_δ(softplus(z) − watch / watchScale)
// Huber rather than Poisson for watch time: its gradient is bounded, so a few very long watches
// cannot swamp the click and like heads sharing the trunk.
//
// Feature standardisation (mean and 1/std of the training rows) is stored in the model and is part
// of its forward pass, hence of the exported ONNX graph: callers always feed raw feature values.
import { deriveSeed, createRandom } from "@cascade/core";
import {
  createMultiTaskRanker,
  createForwardWorkspace,
  forwardInto,
  HEAD_CLICK,
  HEAD_COUNT,
  HEAD_LIKE,
  HEAD_WATCH,
  sigmoid,
  softplus,
  headOutputsInto,
  SCORING_CHUNK_ROWS,
  type DenseLayer,
  type ForwardTrace,
  type ForwardWorkspace,
  type MultiTaskRanker,
  type RankerScores,
} from "../../ranking/multiTaskRanker.ts";

/** Training rows: features row-major [rows, F]; labels and weights of length rows. */
export type RankerDataset = {
  rows: number;
  features: Float32Array;
  /** 0 or 1. */
  click: Float32Array;
  /** 0 or 1. */
  like: Float32Array;
  /** Seconds watched, ≥ 0. */
  watchSeconds: Float32Array;
  /** Optional per-example weights ≥ 0 (e.g. clipped inverse propensities); default all 1. */
  weights?: Float32Array;
};

export type RankerTrainingConfig = {
  featureNames: readonly string[];
  hiddenSizes: readonly number[];
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Adam's moment decay rates and denominator epsilon (defaults 0.9, 0.999, 1e-8). */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Weight of the watch-time term relative to each BCE term (default 1). */
  watchLossWeight?: number;
  /** Huber threshold on the scaled watch residual (default 1). */
  huberDelta?: number;
  /** Called after each epoch with the weighted mean training loss of that epoch and the model so far. */
  onEpoch?: (epoch: number, loss: RankerLoss, model: MultiTaskRanker) => void;
  /** Called after each mini-batch with the rows done in this epoch (for progress bars). */
  onBatch?: (epoch: number, rowsDone: number, rows: number) => void;
};

/** Weighted mean loss, total and per head. */
export type RankerLoss = { total: number; click: number; like: number; watch: number };

export type RankerTrainingResult = {
  model: MultiTaskRanker;
  /** Loss of the initial model on the training rows, before any update. */
  initialLoss: RankerLoss;
  /** Mean training loss of each epoch (measured while training, over that epoch's batches). */
  epochLosses: RankerLoss[];
};

const SHUFFLE_STREAM = 1;

export function trainMultiTaskRanker(data: RankerDataset, config: RankerTrainingConfig): RankerTrainingResult {
  validateDataset(data, config.featureNames.length);
  if (config.batchSize <= 0 || config.epochs < 0) throw new Error("batchSize must be positive and epochs non-negative");
  const model = createMultiTaskRanker({ featureNames: config.featureNames, hiddenSizes: config.hiddenSizes, seed: config.seed });
  fitStandardisation(model, data);
  fitHeadPriors(model, data);
  const lossOptions = {
    watchLossWeight: config.watchLossWeight ?? 1,
    huberDelta: config.huberDelta ?? 1,
  };
  const initialLoss = evaluateRankerLoss(model, data, lossOptions);

  const parameters = rankerParameters(model);
  const adam = createAdam(parameters, {
    learningRate: config.learningRate,
    beta1: config.beta1 ?? 0.9,
    beta2: config.beta2 ?? 0.999,
    epsilon: config.epsilon ?? 1e-8,
  });
  const gradients = parameters.map((parameter) => new Float64Array(parameter.length));
  const featureCount = config.featureNames.length;
  const order = new Uint32Array(data.rows);
  for (let index = 0; index < order.length; index += 1) order[index] = index;
  const random = createRandom(deriveSeed(config.seed, SHUFFLE_STREAM));
  const epochLosses: RankerLoss[] = [];
  const workspace = createTrainingWorkspace(model, Math.min(config.batchSize, Math.max(1, data.rows)), data.weights !== undefined);

  for (let epoch = 0; epoch < config.epochs; epoch += 1) {
    shuffle(order, random.int);
    const sums = { total: 0, click: 0, like: 0, watch: 0, weight: 0 };
    for (let start = 0; start < data.rows; start += config.batchSize) {
      const batch = gatherBatch(data, order, start, Math.min(start + config.batchSize, data.rows), featureCount, workspace);
      const batchLoss = accumulateGradients(model, batch, lossOptions, gradients, workspace);
      if (batchLoss.weight === 0) continue;
      adam.step(gradients);
      sums.total += batchLoss.sum.total;
      sums.click += batchLoss.sum.click;
      sums.like += batchLoss.sum.like;
      sums.watch += batchLoss.sum.watch;
      sums.weight += batchLoss.weight;
      config.onBatch?.(epoch, Math.min(start + config.batchSize, data.rows), data.rows);
    }
    const weight = sums.weight || 1;
    const loss = { total: sums.total / weight, click: sums.click / weight, like: sums.like / weight, watch: sums.watch / weight };
    epochLosses.push(loss);
    config.onEpoch?.(epoch, loss, model);
  }
  return { model, initialLoss, epochLosses };
}

/** Weighted mean loss of `model` on `data` (no update); the same loss training minimises. */
export function evaluateRankerLoss(model: MultiTaskRanker, data: RankerDataset, options: { watchLossWeight?: number; huberDelta?: number } = {}): RankerLoss {
  return evaluateRanker(model, data, options, false).loss;
}

/**
 * evaluateRankerLoss and scoreBatch from one forward pass (the per-epoch validation needs both), in
 * chunks of SCORING_CHUNK_ROWS so memory stays bounded; sums run in row order, so the loss equals
 * the unchunked one exactly.
 */
export function evaluateRankerLossAndScores(
  model: MultiTaskRanker,
  data: RankerDataset,
  options: { watchLossWeight?: number; huberDelta?: number } = {},
): { loss: RankerLoss; scores: RankerScores } {
  const { loss, scores } = evaluateRanker(model, data, options, true);
  return { loss, scores: scores! };
}

function evaluateRanker(model: MultiTaskRanker, data: RankerDataset, options: { watchLossWeight?: number; huberDelta?: number }, withScores: boolean) {
  validateDataset(data, model.featureNames.length);
  const lossOptions = { watchLossWeight: options.watchLossWeight ?? 1, huberDelta: options.huberDelta ?? 1 };
  const featureCount = model.featureNames.length;
  const scores: RankerScores | null = withScores
    ? { pClick: new Float32Array(data.rows), pLike: new Float32Array(data.rows), watchSeconds: new Float32Array(data.rows) }
    : null;
  const workspace = createForwardWorkspace(model, Math.min(data.rows, SCORING_CHUNK_ROWS));
  const sum = { total: 0, click: 0, like: 0, watch: 0 };
  let weight = 0;
  for (let row = 0; row < data.rows; row += 1) weight += data.weights?.[row] ?? 1;
  for (let start = 0; start < data.rows; start += SCORING_CHUNK_ROWS) {
    const end = Math.min(data.rows, start + SCORING_CHUNK_ROWS);
    const trace = forwardInto(model, data.features.subarray(start * featureCount, end * featureCount), end - start, workspace);
    if (weight > 0) addLossSums(model, trace.logits, data, start, end, lossOptions, sum);
    if (scores) headOutputsInto(model, trace.logits, end - start, scores, start);
  }
  const divisor = weight > 0 ? weight : 1;
  const loss: RankerLoss = { total: sum.total / divisor, click: sum.click / divisor, like: sum.like / divisor, watch: sum.watch / divisor };
  return { loss, scores };
}

/** Adds the weighted losses of rows [start, end) of `data` (logits of those rows) to `sum`, in row order. */
function addLossSums(
  model: MultiTaskRanker,
  logits: Float32Array,
  data: RankerDataset,
  start: number,
  end: number,
  options: LossOptions,
  sum: { total: number; click: number; like: number; watch: number },
): void {
  const delta = options.huberDelta;
  for (let row = start; row < end; row += 1) {
    const w = data.weights?.[row] ?? 1;
    if (w === 0) continue;
    const base = (row - start) * HEAD_COUNT;
    const zClick = logits[base + HEAD_CLICK]!;
    const zLike = logits[base + HEAD_LIKE]!;
    const lossClick = binaryCrossEntropyWithLogit(zClick, data.click[row]!);
    const lossLike = binaryCrossEntropyWithLogit(zLike, data.like[row]!);
    const residual = softplus(logits[base + HEAD_WATCH]!) - data.watchSeconds[row]! / model.watchScale;
    const absolute = Math.abs(residual);
    const lossWatch = options.watchLossWeight * (absolute <= delta ? 0.5 * residual * residual : delta * (absolute - 0.5 * delta));
    sum.click += w * lossClick;
    sum.like += w * lossLike;
    sum.watch += w * lossWatch;
    sum.total += w * (lossClick + lossLike + lossWatch);
  }
}

/**
 * The weighted mean loss of `model` on `data` and its gradient with respect to every parameter, in
 * rankerParameters order. Training uses the same computation per batch; exposed so the gradient
 * can be checked against finite differences.
 */
export function rankerLossGradient(
  model: MultiTaskRanker,
  data: RankerDataset,
  options: { watchLossWeight?: number; huberDelta?: number } = {},
): { loss: number; gradients: Float64Array[] } {
  validateDataset(data, model.featureNames.length);
  const gradients = rankerParameters(model).map((parameter) => new Float64Array(parameter.length));
  const workspace = createTrainingWorkspace(model, data.rows, data.weights !== undefined);
  const result = accumulateGradients(model, data, { watchLossWeight: options.watchLossWeight ?? 1, huberDelta: options.huberDelta ?? 1 }, gradients, workspace);
  return { loss: result.sum.total / (result.weight || 1), gradients };
}

/** Zeroes `gradients`, then fills them with ∂(weighted mean loss of the batch)/∂parameters. */
function accumulateGradients(model: MultiTaskRanker, batch: Batch, options: LossOptions, gradients: Float64Array[], workspace: TrainingWorkspace) {
  for (const gradient of gradients) gradient.fill(0);
  const trace = forwardInto(model, batch.features, batch.rows, workspace.forward);
  const result = lossAndHeadGradient(model, trace, batch, options, workspace.headGradient.subarray(0, batch.rows * HEAD_COUNT));
  if (result.weight > 0) backpropagate(model, trace, result.headGradient, gradients, workspace);
  return result;
}

/**
 * Every buffer one training step needs, allocated once per training run: the gathered batch, the
 * forward trace, the head gradient and each hidden layer's input gradient.
 */
type TrainingWorkspace = {
  forward: ForwardWorkspace;
  features: Float32Array;
  click: Float32Array;
  like: Float32Array;
  watchSeconds: Float32Array;
  weights: Float32Array | null;
  headGradient: Float64Array;
  /** layerGradients[i]: ∂loss/∂(output of hidden layer i), [rows, outputSize]. */
  layerGradients: Float64Array[];
  /** Column-major copies of one layer's input and output gradient, for the weight gradient. */
  inputByColumn: Float32Array;
  gradientByColumn: Float64Array;
};

function createTrainingWorkspace(model: MultiTaskRanker, capacity: number, weighted: boolean): TrainingWorkspace {
  const rows = Math.max(1, capacity);
  const layers = [...model.hidden, model.head];
  return {
    forward: createForwardWorkspace(model, rows),
    features: new Float32Array(rows * model.featureNames.length),
    click: new Float32Array(rows),
    like: new Float32Array(rows),
    watchSeconds: new Float32Array(rows),
    weights: weighted ? new Float32Array(rows) : null,
    headGradient: new Float64Array(rows * HEAD_COUNT),
    layerGradients: model.hidden.map((layer) => new Float64Array(rows * layer.outputSize)),
    inputByColumn: new Float32Array(rows * Math.max(...layers.map((layer) => layer.inputSize))),
    gradientByColumn: new Float64Array(rows * Math.max(...layers.map((layer) => layer.outputSize))),
  };
}

function validateDataset(data: RankerDataset, featureCount: number): void {
  if (data.features.length !== data.rows * featureCount) {
    throw new Error(`expected ${data.rows} × ${featureCount} feature values, got ${data.features.length}`);
  }
  for (const [name, column] of [
    ["click", data.click],
    ["like", data.like],
    ["watchSeconds", data.watchSeconds],
    ["weights", data.weights],
  ] as const) {
    if (column !== undefined && column.length !== data.rows) throw new Error(`${name} has ${column.length} values for ${data.rows} rows`);
  }
}

/**
 * Mean and 1/std per feature over the training rows (unweighted: they describe the inputs, not the
 * objective). Constant features get invStd 1 so they pass through centred rather than dividing by 0.
 */
function fitStandardisation(model: MultiTaskRanker, data: RankerDataset): void {
  const featureCount = model.featureNames.length;
  const mean = new Float64Array(featureCount);
  const squares = new Float64Array(featureCount);
  for (let row = 0; row < data.rows; row += 1) {
    for (let k = 0; k < featureCount; k += 1) mean[k]! += data.features[row * featureCount + k]!;
  }
  for (let k = 0; k < featureCount; k += 1) mean[k]! /= Math.max(1, data.rows);
  for (let row = 0; row < data.rows; row += 1) {
    for (let k = 0; k < featureCount; k += 1) {
      const deviation = data.features[row * featureCount + k]! - mean[k]!;
      squares[k]! += deviation * deviation;
    }
  }
  for (let k = 0; k < featureCount; k += 1) {
    const std = Math.sqrt(squares[k]! / Math.max(1, data.rows));
    model.featureMean[k] = mean[k]!;
    model.featureInvStd[k] = std > 1e-12 ? 1 / std : 1;
  }
}

/**
 * Starts each head at the (weighted) base rate — click and like biases at the log-odds of their
 * positive rate, the watch scale at the mean watch time — so the first epochs learn structure
 * instead of spending updates finding the average.
 */
function fitHeadPriors(model: MultiTaskRanker, data: RankerDataset): void {
  let weight = 0;
  let clicks = 0;
  let likes = 0;
  let watch = 0;
  for (let row = 0; row < data.rows; row += 1) {
    const w = data.weights?.[row] ?? 1;
    weight += w;
    clicks += w * data.click[row]!;
    likes += w * data.like[row]!;
    watch += w * data.watchSeconds[row]!;
  }
  if (weight <= 0) return;
  const logOdds = (positives: number) => {
    const rate = Math.min(1 - 1e-4, Math.max(1e-4, positives / weight));
    return Math.log(rate / (1 - rate));
  };
  model.head.bias[HEAD_CLICK] = logOdds(clicks);
  model.head.bias[HEAD_LIKE] = logOdds(likes);
  model.watchScale = Math.fround(watch / weight > 0 ? watch / weight : 1);
}

type Batch = Pick<RankerDataset, "rows" | "features" | "click" | "like" | "watchSeconds" | "weights">;

function gatherBatch(data: RankerDataset, order: Uint32Array, start: number, end: number, featureCount: number, workspace: TrainingWorkspace): Batch {
  const rows = end - start;
  const features = workspace.features.subarray(0, rows * featureCount);
  const click = workspace.click.subarray(0, rows);
  const like = workspace.like.subarray(0, rows);
  const watchSeconds = workspace.watchSeconds.subarray(0, rows);
  const weights = data.weights && workspace.weights ? workspace.weights.subarray(0, rows) : undefined;
  const source = data.features;
  for (let index = 0; index < rows; index += 1) {
    const row = order[start + index]!;
    const from = row * featureCount;
    const to = index * featureCount;
    for (let k = 0; k < featureCount; k += 1) features[to + k] = source[from + k]!;
    click[index] = data.click[row]!;
    like[index] = data.like[row]!;
    watchSeconds[index] = data.watchSeconds[row]!;
    if (weights) weights[index] = data.weights![row]!;
  }
  return { rows, features, click, like, watchSeconds, weights };
}

type LossOptions = { watchLossWeight: number; huberDelta: number };

/**
 * Weighted loss sums of a batch and ∂(mean loss)/∂logits, [rows, 3]. The gradient is already divided
 * by the batch's total weight, so backpropagation yields the gradient of the weighted mean.
 */
function lossAndHeadGradient(model: MultiTaskRanker, trace: ForwardTrace, batch: Batch, options: LossOptions, headGradient: Float64Array) {
  const { rows, logits } = trace;
  headGradient.fill(0);
  const sum = { total: 0, click: 0, like: 0, watch: 0 };
  let weight = 0;
  for (let row = 0; row < rows; row += 1) weight += batch.weights?.[row] ?? 1;
  if (weight <= 0) return { sum, weight: 0, headGradient };
  const delta = options.huberDelta;
  for (let row = 0; row < rows; row += 1) {
    const w = batch.weights?.[row] ?? 1;
    if (w === 0) continue;
    const base = row * HEAD_COUNT;
    const zClick = logits[base + HEAD_CLICK]!;
    const zLike = logits[base + HEAD_LIKE]!;
    const zWatch = logits[base + HEAD_WATCH]!;
    const yClick = batch.click[row]!;
    const yLike = batch.like[row]!;
    const lossClick = binaryCrossEntropyWithLogit(zClick, yClick);
    const lossLike = binaryCrossEntropyWithLogit(zLike, yLike);
    const residual = softplus(zWatch) - batch.watchSeconds[row]! / model.watchScale;
    const absolute = Math.abs(residual);
    const lossWatch = options.watchLossWeight * (absolute <= delta ? 0.5 * residual * residual : delta * (absolute - 0.5 * delta));
    sum.click += w * lossClick;
    sum.like += w * lossLike;
    sum.watch += w * lossWatch;
    sum.total += w * (lossClick + lossLike + lossWatch);
    const scale = w / weight;
    headGradient[base + HEAD_CLICK] = scale * (sigmoid(zClick) - yClick);
    headGradient[base + HEAD_LIKE] = scale * (sigmoid(zLike) - yLike);
    // d softplus(z)/dz = sigmoid(z); Huber's derivative is the residual clipped to ±δ.
    const clipped = Math.max(-delta, Math.min(delta, residual));
    headGradient[base + HEAD_WATCH] = scale * options.watchLossWeight * clipped * sigmoid(zWatch);
  }
  return { sum, weight, headGradient };
}

/** −[y·log σ(z) + (1−y)·log(1−σ(z))], in the overflow-free form max(z,0) − z·y + log(1+e^−|z|). */
function binaryCrossEntropyWithLogit(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

/** The trainable tensors in a fixed order: each hidden layer's weights and bias, then the head's. */
export function rankerParameters(model: MultiTaskRanker): Float32Array[] {
  const layers: DenseLayer[] = [...model.hidden, model.head];
  return layers.flatMap((layer) => [layer.weights, layer.bias]);
}

/**
 * Accumulates ∂loss/∂parameter into `gradients` (rankerParameters order) from the head gradient.
 * The weight gradient Σ_rows input[r,k]·g[r,j] runs on column-major copies of the layer's input and
 * output gradient, four outputs at a time with the sums in registers, adding the rows in order — the
 * same sums, value for value, as accumulating row by row. The first layer's input gradient is never
 * formed (the features are not trained); a hidden unit that is off (ReLU output 0) passes none back.
 */
function backpropagate(model: MultiTaskRanker, trace: ForwardTrace, headGradient: Float64Array, gradients: Float64Array[], workspace: TrainingWorkspace): void {
  const layers: DenseLayer[] = [...model.hidden, model.head];
  const rows = trace.rows;
  let outputGradient = headGradient;
  for (let index = layers.length - 1; index >= 0; index -= 1) {
    const layer = layers[index]!;
    const input = index === 0 ? trace.inputs : trace.activations[index - 1]!;
    const weightGradient = gradients[2 * index]!;
    const biasGradient = gradients[2 * index + 1]!;
    const { inputSize, outputSize, weights } = layer;
    for (let row = 0; row < rows; row += 1) {
      const outOffset = row * outputSize;
      for (let j = 0; j < outputSize; j += 1) biasGradient[j]! += outputGradient[outOffset + j]!;
    }
    accumulateWeightGradient(input, outputGradient, rows, inputSize, outputSize, weightGradient, workspace.inputByColumn, workspace.gradientByColumn);
    if (index === 0) break;
    const inputGradient = workspace.layerGradients[index - 1]!.subarray(0, rows * inputSize);
    for (let row = 0; row < rows; row += 1) {
      const outOffset = row * outputSize;
      const inOffset = row * inputSize;
      for (let k = 0; k < inputSize; k += 1) {
        // The input is a ReLU output: zero means the unit was off and passes no gradient.
        if (!(input[inOffset + k]! > 0)) {
          inputGradient[inOffset + k] = 0;
          continue;
        }
        const wOffset = k * outputSize;
        let back = 0;
        for (let j = 0; j < outputSize; j += 1) back += weights[wOffset + j]! * outputGradient[outOffset + j]!;
        inputGradient[inOffset + k] = back;
      }
    }
    outputGradient = inputGradient;
  }
}

/** gradient[k, j] += Σ_rows input[r, k] · outputGradient[r, j], rows added in order. */
function accumulateWeightGradient(
  input: Float32Array,
  outputGradient: Float64Array,
  rows: number,
  inputSize: number,
  outputSize: number,
  gradient: Float64Array,
  inputByColumn: Float32Array,
  gradientByColumn: Float64Array,
): void {
  for (let row = 0; row < rows; row += 1) {
    for (let k = 0; k < inputSize; k += 1) inputByColumn[k * rows + row] = input[row * inputSize + k]!;
    for (let j = 0; j < outputSize; j += 1) gradientByColumn[j * rows + row] = outputGradient[row * outputSize + j]!;
  }
  for (let k = 0; k < inputSize; k += 1) {
    const x0 = k * rows;
    const g0 = k * outputSize;
    let j = 0;
    for (; j + 4 <= outputSize; j += 4) {
      const c0 = j * rows;
      const c1 = c0 + rows;
      const c2 = c1 + rows;
      const c3 = c2 + rows;
      let s0 = gradient[g0 + j]!;
      let s1 = gradient[g0 + j + 1]!;
      let s2 = gradient[g0 + j + 2]!;
      let s3 = gradient[g0 + j + 3]!;
      for (let row = 0; row < rows; row += 1) {
        const x = inputByColumn[x0 + row]!;
        s0 += x * gradientByColumn[c0 + row]!;
        s1 += x * gradientByColumn[c1 + row]!;
        s2 += x * gradientByColumn[c2 + row]!;
        s3 += x * gradientByColumn[c3 + row]!;
      }
      gradient[g0 + j] = s0;
      gradient[g0 + j + 1] = s1;
      gradient[g0 + j + 2] = s2;
      gradient[g0 + j + 3] = s3;
    }
    for (; j < outputSize; j += 1) {
      const c0 = j * rows;
      let sum = gradient[g0 + j]!;
      for (let row = 0; row < rows; row += 1) sum += inputByColumn[x0 + row]! * gradientByColumn[c0 + row]!;
      gradient[g0 + j] = sum;
    }
  }
}

type AdamOptions = { learningRate: number; beta1: number; beta2: number; epsilon: number };

/**
 * Adam (Kingma & Ba, 2015) with bias-corrected moments. Moments are float64 so long runs with small
 * gradients do not lose them to float32 rounding; the parameters stay float32, as they ship.
 */
function createAdam(parameters: Float32Array[], options: AdamOptions) {
  const first = parameters.map((parameter) => new Float64Array(parameter.length));
  const second = parameters.map((parameter) => new Float64Array(parameter.length));
  let step = 0;
  return {
    step(gradients: Float64Array[]): void {
      step += 1;
      const { learningRate, beta1, beta2, epsilon } = options;
      const correction1 = 1 - Math.pow(beta1, step);
      const correction2 = 1 - Math.pow(beta2, step);
      for (let p = 0; p < parameters.length; p += 1) {
        const parameter = parameters[p]!;
        const gradient = gradients[p]!;
        const m = first[p]!;
        const v = second[p]!;
        for (let index = 0; index < parameter.length; index += 1) {
          const g = gradient[index]!;
          m[index] = beta1 * m[index]! + (1 - beta1) * g;
          v[index] = beta2 * v[index]! + (1 - beta2) * g * g;
          const mHat = m[index]! / correction1;
          const vHat = v[index]! / correction2;
          parameter[index]! -= (learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
        }
      }
    },
  };
}

/** Fisher–Yates with the seeded stream, so epoch order is reproducible. */
function shuffle(order: Uint32Array, randomInt: (n: number) => number): void {
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    const swap = order[index]!;
    order[index] = order[other]!;
    order[other] = swap;
  }
}
