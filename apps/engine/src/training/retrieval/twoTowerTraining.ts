// Training the two-tower model (twoTowerModel.ts) on positive interactions.
//
// Loss: in-batch sampled softmax with logQ correction (Yi et al., "Sampling-bias-corrected neural
// modeling for large corpus item recommendations", RecSys 2019). For a batch of B positive pairs
// (u_j, i_j), every other item of the batch is a negative for u_j:
//   s_jk = (û_j · v̂_k) / τ + b_k − ln Q(i_k),   loss_j = −s_jj + ln Σ_k exp(s_jk)
// where Q(i) ∝ how often item i appears in the training stream, i.e. how often it is sampled as an
// in-batch negative. Why this rather than BPR with hard negatives:
// - it is the loss retrieval is evaluated under: one positive against the whole catalogue
//   (approximated by B−1 negatives at once), whereas BPR compares the positive with one negative
//   at a time and optimises AUC, which rewards fixing the easy middle of the ranking rather than
//   the top K;
// - B−1 negatives per example come for free (the batch's own item vectors), so each step does
//   B² dot products on data already in cache instead of drawing and embedding extra negatives;
// - in-batch negatives are drawn proportional to popularity, which alone would push popular items
//   down (and hard negatives for BPR need a separate, slow, easily-biased sampler); the −ln Q term
//   removes exactly that bias, so the sampled softmax estimates the full-catalogue softmax and the
//   learned score is ln P(item | user) up to a per-user constant — popularity included, which the
//   item bias b carries (the demo world's held-out interactions are strongly popularity-driven).
// At serving time the score is the dot product plus the bias (no correction).
// τ sharpens the softmax over unit vectors; a negative equal to the positive's item (the same item
// twice in one batch) is masked out. The ragged last batch is dropped (fewer negatives would
// change the loss scale).
//
// Measured on the default demo world (20k items, 5k users, 45k positive pairs, last 4 days
// validate, recall@100 after 4 epochs, everything else at the defaults): full model 0.603;
// without logQ correction 0.10 (the softmax then learns P(i|u)/Q(i) and buries the head the
// held-out interactions come from); without the item bias 0.594; without the follow pool 0.590;
// without item age 0.605 (neutral here: the demo's fresh items are few); τ = 0.15 / 0.5: 0.578 /
// 0.587; d = 16: 0.596; B = 64 / 256: 0.603 / 0.601; history 50: 0.603; lr 0.003: 0.600.
// Popularity 0.504, co-occurrence 0.536; an oracle scoring with the generator's true taste
// vectors and popularity reaches 0.646–0.659 (bench/trainRetrieval.ts, report of issue 4).
//
// Optimiser: lazy Adam on the touched rows only (sparseAdam.ts).
//
// Speed: every buffer is a typed array allocated once; the inner loops allocate nothing. The cost
// per example is dominated by the B×B logits and their two gradient products, 3·B·d multiply-adds,
// so B trades negatives for speed (B = 128: ≈ 12k MACs per example). The example order is a seeded
// shuffle, so training is deterministic given the seed: single-threaded on purpose — a Hogwild
// split over worker threads would make results depend on thread timing, and a deterministic
// data-parallel split needs a barrier per batch (two per ~3 ms step) for at most 2× on 2 cores
// that the rest of the machine (engine, Postgres, Redis) also uses. Measured numbers:
// bench/trainRetrieval.ts.
import { createRandom, deriveSeed } from "@cascade/core";
import { buildUserHistories, itemCounts, recallAtK, type Interactions } from "./interactions.ts";
import { accumulateRow, accumulateScalar, sparseAdamStep, sparseAdamTable, type AdamSettings, type SparseAdamTable } from "./sparseAdam.ts";
import {
  ageBucket,
  computeItemVectors,
  computeUserVector,
  dotAll,
  itemTowerRaw,
  retrievalDimensions,
  userTowerRaw,
  type TwoTowerModel,
} from "../../retrieval/twoTowerModel.ts";

export type TwoTowerTrainingOptions = {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Subtract ln Q(item) from in-batch logits (on by default; off only to measure its effect). */
  logQCorrection: boolean;
  /** Learn the item bias (on by default; off only to measure its effect). */
  itemBias: boolean;
  /** Seed of the example order. */
  seed: number;
  /** K of the per-epoch validation recall@K. */
  validationK: number;
  /** Validate on at most this many users (every n-th), to bound the per-epoch cost. */
  maxValidationUsers: number;
  /** Item ages for validation are taken at this time (default: the first validation interaction). */
  validationAsOfMs?: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** Called every `progressEvery` batches and at the end of each epoch. */
  onProgress?: (progress: TrainingProgress) => void;
  progressEvery: number;
  /** Called after each epoch with its report (validation included). */
  onEpoch?: (report: EpochReport) => void;
};

export const DEFAULT_TRAINING_OPTIONS: Omit<TwoTowerTrainingOptions, "onProgress" | "onEpoch" | "validationAsOfMs"> = {
  epochs: 4,
  batchSize: 128,
  learningRate: 0.01,
  logQCorrection: true,
  itemBias: true,
  seed: 42,
  validationK: 100,
  maxValidationUsers: 2_000,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  progressEvery: 50,
};

export type TrainingProgress = {
  epoch: number;
  epochs: number;
  /** Examples done in this epoch, and in it in total. */
  done: number;
  total: number;
  /** Mean loss over this epoch's batches so far. */
  loss: number;
};

export type EpochReport = {
  epoch: number;
  /** Mean in-batch softmax loss over the epoch. */
  loss: number;
  /** recall@validationK on the validation interactions (NaN when there are none). */
  validationRecall: number;
  /** Training time of the epoch, validation excluded. */
  seconds: number;
  /** CPU time of this thread for the same span (wall time is noisy on a shared machine). */
  cpuSeconds: number;
  interactionsPerSecond: number;
  interactionsPerCpuSecond: number;
};

export type TrainingReport = { epochs: EpochReport[]; interactionsPerSecond: number; interactionsPerCpuSecond: number };

/** Where the user tower's gradient goes: the tables it reads, with their Adam state. */
type Tables = {
  global: SparseAdamTable;
  user: SparseAdamTable;
  history: SparseAdamTable;
  follow: SparseAdamTable;
  item: SparseAdamTable;
  category: SparseAdamTable;
  creator: SparseAdamTable;
  tag: SparseAdamTable;
  age: SparseAdamTable;
  itemBias: SparseAdamTable;
  categoryBias: SparseAdamTable;
  creatorBias: SparseAdamTable;
  ageBias: SparseAdamTable;
};

/**
 * Trains `model` in place on `train` (time-ordered positive interactions) and validates after
 * every epoch on `validation` (later interactions) with recall@K. Deterministic given the model's
 * initial weights and options.seed.
 */
export function trainTwoTower(
  model: TwoTowerModel,
  train: Interactions,
  validation: Interactions,
  options: Partial<TwoTowerTrainingOptions> = {},
): TrainingReport {
  const o: TwoTowerTrainingOptions = { ...DEFAULT_TRAINING_OPTIONS, ...options };
  const { dimensions: d, historyLength, users, items } = model.config;
  const n = train.count;
  if (n === 0) throw new Error("trainTwoTower: no training interactions");
  const B = Math.min(o.batchSize, n);
  const inverseTemperature = 1 / model.config.temperature;
  const adam: AdamSettings = { learningRate: o.learningRate, beta1: o.adamBeta1, beta2: o.adamBeta2, epsilon: o.adamEpsilon };
  const validationAsOfMs = o.validationAsOfMs ?? (validation.count > 0 ? validation.timeMs[0]! : train.timeMs[n - 1]!);

  const histories = buildUserHistories(train, users);
  const logQ = new Float32Array(items);
  if (o.logQCorrection) {
    const counts = itemCounts(train, items);
    for (let item = 0; item < items; item += 1) logQ[item] = counts[item]! > 0 ? Math.log(counts[item]! / n) : 0;
  }
  // Age bucket of each training example's item at the example's time (a per-example feature).
  const exampleAge = new Uint8Array(n);
  for (let j = 0; j < n; j += 1) exampleAge[j] = ageBucket(model, train.item[j]!, train.timeMs[j]!);

  const t: Tables = {
    global: sparseAdamTable(model.globalUserEmbedding, d),
    user: sparseAdamTable(model.userEmbedding, d),
    history: sparseAdamTable(model.historyEmbedding, d),
    follow: sparseAdamTable(model.followEmbedding, d),
    item: sparseAdamTable(model.itemEmbedding, d),
    category: sparseAdamTable(model.categoryEmbedding, d),
    creator: sparseAdamTable(model.creatorEmbedding, d),
    tag: sparseAdamTable(model.tagEmbedding, d),
    age: sparseAdamTable(model.ageEmbedding, d),
    itemBias: sparseAdamTable(model.itemBias, 1),
    categoryBias: sparseAdamTable(model.categoryBias, 1),
    creatorBias: sparseAdamTable(model.creatorBias, 1),
    ageBias: sparseAdamTable(model.ageBias, 1),
  };
  const allTables = Object.values(t);

  // Batch buffers, allocated once.
  const batchUser = new Int32Array(B);
  const batchItem = new Int32Array(B);
  const batchAge = new Int32Array(B);
  const historyStart = new Int32Array(B);
  const historyEnd = new Int32Array(B);
  const userVectors = new Float32Array(B * d);
  const userNorms = new Float32Array(B);
  const itemVectors = new Float32Array(B * d);
  const itemNorms = new Float32Array(B);
  const columnBias = new Float32Array(B);
  const biasGradients = new Float32Array(B);
  const logits = new Float32Array(B * B);
  const userGradients = new Float32Array(B * d);
  const itemGradients = new Float32Array(B * d);

  const order = new Int32Array(n);
  for (let j = 0; j < n; j += 1) order[j] = j;
  const random = createRandom(deriveSeed(o.seed, 0x7777));

  const report: TrainingReport = { epochs: [], interactionsPerSecond: 0, interactionsPerCpuSecond: 0 };
  let step = 0;
  let totalSeconds = 0;
  let totalCpuSeconds = 0;
  let totalExamples = 0;

  for (let epoch = 1; epoch <= o.epochs; epoch += 1) {
    // Fisher–Yates with the seeded stream.
    for (let j = n - 1; j > 0; j -= 1) {
      const swap = random.int(j + 1);
      const value = order[j]!;
      order[j] = order[swap]!;
      order[swap] = value;
    }
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    let lossSum = 0;
    let batches = 0;

    for (let from = 0; from + B <= n; from += B) {
      // ── forward: towers ──
      for (let b = 0; b < B; b += 1) {
        const j = order[from + b]!;
        const user = train.user[j]!;
        const item = train.item[j]!;
        const age = exampleAge[j]!;
        batchUser[b] = user;
        batchItem[b] = item;
        batchAge[b] = age;
        // History = the user's items strictly before this interaction (no leakage of the target).
        const end = histories.position[j]!;
        const start = Math.max(histories.offsets[user]!, end - historyLength);
        historyStart[b] = start;
        historyEnd[b] = end;
        const userNorm = userTowerRaw(model, user, histories.items, start, end, userVectors, b * d) || 1e-12;
        userNorms[b] = userNorm;
        const itemNorm = itemTowerRaw(model, item, age, itemVectors, b * d) || 1e-12;
        itemNorms[b] = itemNorm;
        normalizeRow(userVectors, b * d, d, userNorm);
        normalizeRow(itemVectors, b * d, d, itemNorm);
        columnBias[b] = (o.itemBias ? batchItemBias(model, item, age) : 0) - logQ[item]!;
      }

      // ── forward: logits, softmax, loss; logits become dLoss/ds ──
      lossSum += inBatchSoftmax(userVectors, itemVectors, batchItem, columnBias, logits, B, d, inverseTemperature) / B;
      batches += 1;
      // ── backward: gradients w.r.t. the unit vectors and the biases ──
      backpropagateDots(logits, userVectors, itemVectors, userGradients, itemGradients, biasGradients, B, d, inverseTemperature);

      // ── backward through normalisation (dv/dr = (I − v vᵀ)/‖r‖) into the embedding rows ──
      for (let b = 0; b < B; b += 1) {
        const offset = b * d;
        projectOut(userGradients, userVectors, offset, d, userNorms[b]!);
        projectOut(itemGradients, itemVectors, offset, d, itemNorms[b]!);
        accumulateUserTower(model, t, batchUser[b]!, histories.items, historyStart[b]!, historyEnd[b]!, userGradients, offset);
        const item = batchItem[b]!;
        const age = batchAge[b]!;
        accumulateItemTower(model, t, item, age, itemGradients, offset);
        if (o.itemBias) {
          const g = biasGradients[b]!;
          accumulateScalar(t.itemBias, item, g);
          accumulateScalar(t.categoryBias, model.itemCategory[item]!, g);
          accumulateScalar(t.creatorBias, model.itemCreator[item]!, g);
          accumulateScalar(t.ageBias, age, g);
        }
      }

      step += 1;
      for (const table of allTables) sparseAdamStep(table, adam, step);

      if (o.onProgress && batches % o.progressEvery === 0) {
        o.onProgress({ epoch, epochs: o.epochs, done: from + B, total: n, loss: lossSum / batches });
      }
    }

    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const examples = batches * B;
    totalSeconds += seconds;
    totalCpuSeconds += cpuSeconds;
    totalExamples += examples;
    o.onProgress?.({ epoch, epochs: o.epochs, done: n, total: n, loss: lossSum / batches });
    const epochReport: EpochReport = {
      epoch,
      loss: lossSum / batches,
      validationRecall:
        validation.count > 0
          ? twoTowerRecall(model, train, validation, o.validationK, { maxUsers: o.maxValidationUsers, asOfMs: validationAsOfMs })
          : Number.NaN,
      seconds,
      cpuSeconds,
      interactionsPerSecond: examples / seconds,
      interactionsPerCpuSecond: examples / cpuSeconds,
    };
    report.epochs.push(epochReport);
    o.onEpoch?.(epochReport);
  }
  report.interactionsPerSecond = totalExamples / totalSeconds;
  report.interactionsPerCpuSecond = totalExamples / totalCpuSeconds;
  return report;
}

function batchItemBias(model: TwoTowerModel, item: number, age: number): number {
  return model.itemBias[item]! + model.categoryBias[model.itemCategory[item]!]! + model.creatorBias[model.itemCreator[item]!]! + model.ageBias[age]!;
}

function normalizeRow(vectors: Float32Array, offset: number, d: number, norm: number): void {
  const inverse = 1 / norm;
  for (let c = 0; c < d; c += 1) vectors[offset + c] = vectors[offset + c]! * inverse;
}

function accumulateUserTower(
  model: TwoTowerModel,
  t: Tables,
  user: number,
  historyItems: Int32Array,
  start: number,
  end: number,
  gradients: Float32Array,
  offset: number,
): void {
  accumulateRow(t.global, 0, gradients, offset, 1);
  accumulateRow(t.user, user, gradients, offset, 1);
  const followStart = model.userFollowOffsets[user]!;
  const followEnd = model.userFollowOffsets[user + 1]!;
  if (followEnd > followStart) {
    const weight = 1 / (followEnd - followStart);
    for (let f = followStart; f < followEnd; f += 1) accumulateRow(t.follow, model.userFollowCreators[f]!, gradients, offset, weight);
  }
  if (end > start) {
    const weight = 1 / (end - start);
    for (let h = start; h < end; h += 1) accumulateRow(t.history, historyItems[h]!, gradients, offset, weight);
  }
}

function accumulateItemTower(model: TwoTowerModel, t: Tables, item: number, age: number, gradients: Float32Array, offset: number): void {
  accumulateRow(t.item, item, gradients, offset, 1);
  accumulateRow(t.category, model.itemCategory[item]!, gradients, offset, 1);
  accumulateRow(t.creator, model.itemCreator[item]!, gradients, offset, 1);
  accumulateRow(t.age, age, gradients, offset, 1);
  const tagStart = model.itemTagOffsets[item]!;
  const tagEnd = model.itemTagOffsets[item + 1]!;
  if (tagEnd > tagStart) {
    const weight = 1 / (tagEnd - tagStart);
    for (let g = tagStart; g < tagEnd; g += 1) accumulateRow(t.tag, model.itemTagIds[g]!, gradients, offset, weight);
  }
}

/**
 * Fills logits (B×B) with s_jk = û_j·v̂_k/τ + columnBias_k (columnBias = b − ln Q; the same item as
 * the positive masked), returns the summed loss Σ_j (logsumexp_k s_jk − s_jj) and leaves
 * dLoss_mean/ds_jk = (p_jk − δ_jk)/B in logits. Hot loops live in small functions so that V8
 * optimises them on their own.
 */
function inBatchSoftmax(
  userVectors: Float32Array,
  itemVectors: Float32Array,
  batchItem: Int32Array,
  columnBias: Float32Array,
  logits: Float32Array,
  B: number,
  d: number,
  inverseTemperature: number,
): number {
  let loss = 0;
  const inverseB = 1 / B;
  for (let j = 0; j < B; j += 1) {
    const rowOffset = j * B;
    const userOffset = j * d;
    const positiveItem = batchItem[j]!;
    let max = -Infinity;
    for (let k = 0; k < B; k += 1) {
      let logit = -Infinity;
      if (k === j || batchItem[k] !== positiveItem) {
        logit = dotRows(userVectors, userOffset, itemVectors, k * d, d) * inverseTemperature + columnBias[k]!;
      }
      logits[rowOffset + k] = logit;
      if (logit > max) max = logit;
    }
    let sum = 0;
    for (let k = 0; k < B; k += 1) {
      const e = Math.exp(logits[rowOffset + k]! - max);
      logits[rowOffset + k] = e;
      sum += e;
    }
    loss += Math.log(sum) - Math.log(logits[rowOffset + j]!);
    const scale = inverseB / sum;
    for (let k = 0; k < B; k += 1) logits[rowOffset + k] = logits[rowOffset + k]! * scale;
    logits[rowOffset + j] = logits[rowOffset + j]! - inverseB;
  }
  return loss;
}

/**
 * With G = dLoss/ds (B×B): userGradients = G·V/τ, itemGradients = Gᵀ·U/τ and biasGradients_k =
 * Σ_j G_jk. The output rows are summed four coordinates at a time in local variables (registers)
 * rather than in a scratch array: V8 does not vectorise, and four independent accumulators keep
 * the multiply-add chains from waiting on each other (measured ≈ 2× over the scratch-array loop).
 */
function backpropagateDots(
  logits: Float32Array,
  userVectors: Float32Array,
  itemVectors: Float32Array,
  userGradients: Float32Array,
  itemGradients: Float32Array,
  biasGradients: Float32Array,
  B: number,
  d: number,
  inverseTemperature: number,
): void {
  for (let j = 0; j < B; j += 1) weightedRowSum(logits, j * B, 1, itemVectors, B, d, userGradients, j * d, inverseTemperature);
  for (let k = 0; k < B; k += 1) {
    weightedRowSum(logits, k, B, userVectors, B, d, itemGradients, k * d, inverseTemperature);
    let column = 0;
    for (let j = 0; j < B; j += 1) column += logits[j * B + k]!;
    biasGradients[k] = column;
  }
}

/**
 * out[outOffset + c] = scale · Σ_r weights[weightOffset + r·weightStride] · rows[r·d + c] for the
 * `count` rows of `rows`; zero weights (masked duplicates) are skipped.
 */
function weightedRowSum(
  weights: Float32Array,
  weightOffset: number,
  weightStride: number,
  rows: Float32Array,
  count: number,
  d: number,
  out: Float32Array,
  outOffset: number,
  scale: number,
): void {
  let c = 0;
  for (; c + 4 <= d; c += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let r = 0; r < count; r += 1) {
      const w = weights[weightOffset + r * weightStride]!;
      if (w === 0) continue;
      const o = r * d + c;
      a0 += w * rows[o]!;
      a1 += w * rows[o + 1]!;
      a2 += w * rows[o + 2]!;
      a3 += w * rows[o + 3]!;
    }
    out[outOffset + c] = a0 * scale;
    out[outOffset + c + 1] = a1 * scale;
    out[outOffset + c + 2] = a2 * scale;
    out[outOffset + c + 3] = a3 * scale;
  }
  for (; c < d; c += 1) {
    let a = 0;
    for (let r = 0; r < count; r += 1) a += weights[weightOffset + r * weightStride]! * rows[r * d + c]!;
    out[outOffset + c] = a * scale;
  }
}

/** a[aOffset ..+d) · b[bOffset ..+d) with four independent accumulators. */
function dotRows(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 4 <= d; c += 4) {
    s0 += a[aOffset + c]! * b[bOffset + c]!;
    s1 += a[aOffset + c + 1]! * b[bOffset + c + 1]!;
    s2 += a[aOffset + c + 2]! * b[bOffset + c + 2]!;
    s3 += a[aOffset + c + 3]! * b[bOffset + c + 3]!;
  }
  for (; c < d; c += 1) s0 += a[aOffset + c]! * b[bOffset + c]!;
  return s0 + s1 + s2 + s3;
}

/** gradient ← (gradient − (gradient·v) v) / norm, in place on one row. */
function projectOut(gradient: Float32Array, vectors: Float32Array, offset: number, d: number, norm: number): void {
  let along = 0;
  for (let c = 0; c < d; c += 1) along += gradient[offset + c]! * vectors[offset + c]!;
  const inverse = 1 / norm;
  for (let c = 0; c < d; c += 1) gradient[offset + c] = (gradient[offset + c]! - along * vectors[offset + c]!) * inverse;
}

export type TwoTowerRecallOptions = {
  /** Evaluate at most this many users (every n-th, deterministic). */
  maxUsers?: number;
  /** Item ages are taken at this time (default: the first validation interaction). */
  asOfMs?: number;
};

/**
 * recall@K of the model on `validation`: each user's vector from their last training items, a
 * full ranking of every item by retrieval score, training items excluded (see recallAtK).
 */
export function twoTowerRecall(model: TwoTowerModel, train: Interactions, validation: Interactions, k: number, options: TwoTowerRecallOptions = {}): number {
  const width = retrievalDimensions(model);
  const asOfMs = options.asOfMs ?? (validation.count > 0 ? validation.timeMs[0]! : Date.now());
  const itemVectors = computeItemVectors(model, asOfMs);
  const userVector = new Float32Array(width);
  return recallAtK(
    train,
    validation,
    model.config.items,
    model.config.users,
    k,
    (user, history, scores) => {
      computeUserVector(model, user, history, userVector);
      dotAll(itemVectors, width, userVector, scores);
    },
    { maxUsers: options.maxUsers },
  );
}
