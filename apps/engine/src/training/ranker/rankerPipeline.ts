// Ranker training from a point-in-time-correct training set, end to end: read the file, split by
// time, (optionally) weight by clipped inverse propensity and add the logged position as a
// training-time feature, train the multi-task ranker, fold the position into its served form,
// export and verify-load the ONNX graph, fit the logistic-regression baseline on the same split,
// and measure both on the validation rows. `cascade train` calls trainRankerFromTrainingSet;
// everything is deterministic for a config (seeded initialisation and shuffles, exact LR).
//
// Validation metrics are of the model as served (position fixed at the reference slot), because
// that is the score the engine ranks with; for a position-aware model they are also given with the
// logged positions fed in (`clickAtLoggedPosition`), which is what its training loss saw.
import { auc, formatReportTable, type EvaluationReport } from "@cascade/core";
import { clickMetrics, type ClickMetrics } from "./clickMetrics.ts";
import { inversePropensityWeights, type InversePropensityWeights } from "./inversePropensityWeights.ts";
import { predictLogisticRegression, trainLogisticRegression, type LogisticRegression } from "./logisticRegression.ts";
import { RANKER_OUTPUTS, scoreBatch, type MultiTaskRanker, type RankerOutput, type RankerScores } from "../../ranking/multiTaskRanker.ts";
import { exportRankerToOnnx } from "./onnxExport.ts";
import { modelInput, POSITION_FEATURE, servingRanker } from "../../ranking/positionFeature.ts";
import { parseRankerPipelineConfig, type RankerPipelineConfig, type RankerPipelineConfigInput } from "./rankerPipelineConfig.ts";
import { evaluateRankerLossAndScores, trainMultiTaskRanker, type RankerDataset, type RankerLoss } from "./rankerTraining.ts";
import { rankingExamplesFromRecords, selectFeatures, type RankingExamples, type TrainingSetRecord } from "./rankingExamples.ts";
import { readTrainingSetFile } from "./trainingSetFile.ts";

export type RankerPipelinePhase = "read" | "split" | "train" | "baseline" | "evaluate" | "export";

export type RankerEpochSummary = {
  /** 1-based. */
  epoch: number;
  epochs: number;
  trainLoss: RankerLoss;
  validationLoss: RankerLoss;
  /** P(click) AUC of the served model on the validation rows after this epoch. */
  validationClickAuc: number;
  /** Training examples per second in this epoch (forward + backward + Adam). */
  rowsPerSecond: number;
};

export type RankerPipelineCallbacks = {
  onPhase?: (phase: RankerPipelinePhase) => void;
  /** During reading (rows read) and training (rows done in the current epoch). */
  onProgress?: (progress: { phase: "read" | "train"; done: number; total: number | null; epoch?: number; epochs?: number }) => void;
  onEpoch?: (summary: RankerEpochSummary) => void;
};

export type RankerMetrics = {
  click: ClickMetrics;
  /** Only for a position-aware model: the same metrics with the logged positions fed in. */
  clickAtLoggedPosition: ClickMetrics | null;
  like: { auc: number; positives: number };
  watch: { meanAbsoluteError: number; meanPredicted: number; meanObserved: number; correlation: number };
};

export type RankerPipelineResult = {
  /** The served model: input columns = featureNames (position folded in when position bias is on). */
  model: MultiTaskRanker;
  /** The model as trained (with the position column when position bias is on). */
  trainedModel: MultiTaskRanker;
  onnxBytes: Uint8Array;
  /** The ONNX input `features` columns, in order: registry feature names only. */
  featureNames: readonly string[];
  outputs: readonly RankerOutput[];
  config: RankerPipelineConfig;
  split: {
    trainRows: number;
    validationRows: number;
    /** Rows inside the gap before the validation period, used for neither. */
    gapRows: number;
    trainFrom: string;
    trainTo: string;
    validationFrom: string;
    validationTo: string;
  };
  ips: Omit<InversePropensityWeights, "weights"> | null;
  training: { initialLoss: RankerLoss; epochs: RankerEpochSummary[]; seconds: number; rowsPerSecond: number };
  metrics: RankerMetrics;
  baseline: {
    name: "logistic regression";
    model: LogisticRegression;
    metrics: ClickMetrics;
    clickAtLoggedPosition: ClickMetrics | null;
    seconds: number;
  } | null;
  /** The validation rows (indices into `examples`) and the served model's scores for them. */
  validation: { rows: Int32Array; scores: RankerScores; baselineClick: Float64Array | null };
  examples: RankingExamples;
  /** Plain-text tables for the terminal and the model registry. */
  report: string;
};

/**
 * Trains the ranker from a training-set file (CSV, JSONL or Parquet, by extension) or from rows
 * already in memory (the same columns), with `config` validated by rankerPipelineConfigSchema.
 */
export async function trainRankerFromTrainingSet(
  source: string | readonly TrainingSetRecord[] | RankingExamples,
  configInput: RankerPipelineConfigInput = {},
  callbacks: RankerPipelineCallbacks = {},
): Promise<RankerPipelineResult> {
  const config = parseRankerPipelineConfig(configInput);
  callbacks.onPhase?.("read");
  const examples =
    typeof source === "string"
      ? await readTrainingSetFile(source, {
          ...(config.featureNames ? { featureNames: config.featureNames } : {}),
          onRows: (done) => callbacks.onProgress?.({ phase: "read", done, total: null }),
        })
      : isRankingExamples(source)
        ? config.featureNames
          ? selectFeatures(source, config.featureNames)
          : source
        : rankingExamplesFromRecords(source, config.featureNames);
  return trainRankerOnExamples(examples, config, callbacks);
}

function isRankingExamples(source: readonly TrainingSetRecord[] | RankingExamples): source is RankingExamples {
  return !Array.isArray(source);
}

function trainRankerOnExamples(examples: RankingExamples, config: RankerPipelineConfig, callbacks: RankerPipelineCallbacks): RankerPipelineResult {
  if (config.positionBias.enabled && examples.featureNames.includes(POSITION_FEATURE)) {
    throw new Error(`the training set already has a feature column named "${POSITION_FEATURE}"; position bias adds its own`);
  }
  callbacks.onPhase?.("split");
  const split = timeSplit(examples, config.validationFraction, config.splitGapMs);
  const F = examples.featureNames.length;
  const position = config.positionBias.enabled ? { values: examples.position, reference: config.positionBias.referencePosition } : undefined;
  const inputNames = position ? [...examples.featureNames, POSITION_FEATURE] : [...examples.featureNames];

  const trainData = datasetOf(examples, split.train, modelInput(examples.features, F, split.train, position));
  const ips = config.ipsWeighting.enabled ? inversePropensityWeights(pick(examples.propensity, split.train), config.ipsWeighting.clip) : null;
  if (ips) trainData.weights = ips.weights;
  const servedValidationInput = modelInput(examples.features, F, split.validation, position ? { ...position, fixed: true } : undefined);
  const validationData = datasetOf(examples, split.validation, servedValidationInput);
  // Validation is always re-weighted with the same clip, whether or not training was: the IPS
  // metrics then compare configs on one footing.
  const hasPropensity = split.validation.some((row) => examples.propensity[row]! > 0);
  const validationIps = hasPropensity ? inversePropensityWeights(pick(examples.propensity, split.validation), config.ipsWeighting.clip).weights : null;
  const lossOptions = { watchLossWeight: config.watchLossWeight, huberDelta: config.watchHuberDelta };

  callbacks.onPhase?.("train");
  const epochs: RankerEpochSummary[] = [];
  const started = performance.now();
  let epochStarted = started;
  const trained = trainMultiTaskRanker(trainData, {
    featureNames: inputNames,
    hiddenSizes: config.hiddenSizes,
    seed: config.seed,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    watchLossWeight: config.watchLossWeight,
    huberDelta: config.watchHuberDelta,
    onBatch: (epoch, done, total) => callbacks.onProgress?.({ phase: "train", done, total, epoch: epoch + 1, epochs: config.epochs }),
    onEpoch: (epoch, trainLoss, model) => {
      const seconds = (performance.now() - epochStarted) / 1000;
      const { loss: validationLoss, scores } = evaluateRankerLossAndScores(model, validationData, lossOptions);
      const summary: RankerEpochSummary = {
        epoch: epoch + 1,
        epochs: config.epochs,
        trainLoss,
        validationLoss,
        validationClickAuc: auc(scores.pClick, validationData.click),
        rowsPerSecond: trainData.rows / Math.max(seconds, 1e-9),
      };
      epochs.push(summary);
      callbacks.onEpoch?.(summary);
      epochStarted = performance.now();
    },
  });
  const trainingSeconds = (performance.now() - started) / 1000;
  const trainedModel = trained.model;
  matchMeanWatchSeconds(trainedModel, trainData);
  const model = servingRanker(trainedModel, config.positionBias.referencePosition);

  callbacks.onPhase?.("export");
  const onnxBytes = exportRankerToOnnx(model, {
    modelName: config.modelName,
    metadata: {
      "cascade.ranker.ips": config.ipsWeighting.enabled ? `clip ${config.ipsWeighting.clip}` : "off",
      "cascade.ranker.position_reference": config.positionBias.enabled ? String(config.positionBias.referencePosition) : "none",
    },
  });

  callbacks.onPhase?.("evaluate");
  const groups = pick(examples.requestGroup, split.validation);
  const validationFeatures = modelInput(examples.features, F, split.validation);
  const scores = scoreBatch(model, validationFeatures, split.validation.length);
  const metricOptions = { groups, ipsWeights: validationIps, k: config.ndcgK, calibrationBins: config.calibrationBins };
  const loggedPositionInput = position ? modelInput(examples.features, F, split.validation, position) : null;
  const clickAtLoggedPosition = loggedPositionInput
    ? clickMetrics({ ...metricOptions, scores: scoreBatch(trainedModel, loggedPositionInput, split.validation.length).pClick, labels: validationData.click })
    : null;
  const metrics: RankerMetrics = {
    click: clickMetrics({ ...metricOptions, scores: scores.pClick, labels: validationData.click }),
    clickAtLoggedPosition,
    like: { auc: auc(scores.pLike, validationData.like), positives: countPositives(validationData.like) },
    watch: watchMetrics(scores.watchSeconds, validationData.watchSeconds),
  };

  let baseline: RankerPipelineResult["baseline"] = null;
  let baselineClick: Float64Array | null = null;
  if (config.baseline) {
    callbacks.onPhase?.("baseline");
    const baselineStarted = performance.now();
    const lr = trainLogisticRegression(inputNames, trainData.features, trainData.click, trainData.weights);
    baselineClick = predictLogisticRegression(lr, servedValidationInput, split.validation.length);
    baseline = {
      name: "logistic regression",
      model: lr,
      metrics: clickMetrics({ ...metricOptions, scores: baselineClick, labels: validationData.click }),
      clickAtLoggedPosition: loggedPositionInput
        ? clickMetrics({ ...metricOptions, scores: predictLogisticRegression(lr, loggedPositionInput, split.validation.length), labels: validationData.click })
        : null,
      seconds: (performance.now() - baselineStarted) / 1000,
    };
  }

  const iso = (ms: number) => new Date(ms).toISOString();
  const result: RankerPipelineResult = {
    model,
    trainedModel,
    onnxBytes,
    featureNames: model.featureNames,
    outputs: RANKER_OUTPUTS,
    config,
    split: {
      trainRows: split.train.length,
      validationRows: split.validation.length,
      gapRows: split.gapRows,
      trainFrom: iso(split.trainFromMs),
      trainTo: iso(split.trainToMs),
      validationFrom: iso(split.cutoffMs),
      validationTo: iso(split.validationToMs),
    },
    ips: ips ? { clipped: ips.clipped, missing: ips.missing, maxWeight: ips.maxWeight, effectiveSampleSize: ips.effectiveSampleSize } : null,
    training: {
      initialLoss: trained.initialLoss,
      epochs,
      seconds: trainingSeconds,
      rowsPerSecond: (trainData.rows * config.epochs) / Math.max(trainingSeconds, 1e-9),
    },
    metrics,
    baseline,
    validation: { rows: split.validation, scores, baselineClick },
    examples,
    report: "",
  };
  result.report = rankerReport(result);
  return result;
}

/**
 * Rescales the watch head so its mean prediction on the training rows equals their (weighted) mean
 * watch time. The Huber loss bounds the gradient of very long watches, which biases the head
 * towards typical rather than mean values; expected seconds should be a mean (the blend multiplies
 * it by a value per second), and one scale factor — already a constant of the exported graph —
 * restores it without touching the ranking the head induces.
 */
function matchMeanWatchSeconds(model: MultiTaskRanker, data: RankerDataset): void {
  const predicted = scoreBatch(model, data.features, data.rows).watchSeconds;
  let sumPredicted = 0;
  let sumObserved = 0;
  for (let i = 0; i < data.rows; i += 1) {
    const w = data.weights?.[i] ?? 1;
    sumPredicted += w * predicted[i]!;
    sumObserved += w * data.watchSeconds[i]!;
  }
  if (sumPredicted > 0 && sumObserved > 0) model.watchScale = Math.fround((model.watchScale * sumObserved) / sumPredicted);
}

type TimeSplit = {
  train: Int32Array;
  validation: Int32Array;
  gapRows: number;
  cutoffMs: number;
  trainFromMs: number;
  trainToMs: number;
  validationToMs: number;
};

/**
 * Rows at or after the time below which (1 − fraction) of the rows fall are validation; rows
 * before cutoff − gap are training; the gap's rows are dropped. A slate shares one time, so no
 * request is split.
 */
function timeSplit(examples: RankingExamples, fraction: number, gapMs: number): TimeSplit {
  const sorted = Float64Array.from(examples.impressionAtMs).sort();
  const cutoffMs = sorted[Math.min(sorted.length - 1, Math.floor((1 - fraction) * sorted.length))]!;
  const train: number[] = [];
  const validation: number[] = [];
  let gapRows = 0;
  let trainToMs = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < examples.rows; row += 1) {
    const at = examples.impressionAtMs[row]!;
    if (at >= cutoffMs) validation.push(row);
    else if (at < cutoffMs - gapMs) {
      train.push(row);
      trainToMs = Math.max(trainToMs, at);
    } else gapRows += 1;
  }
  if (train.length === 0 || validation.length === 0) {
    throw new Error(`training set too short to split by time: ${train.length} training and ${validation.length} validation rows (gap ${gapMs} ms)`);
  }
  return {
    train: Int32Array.from(train),
    validation: Int32Array.from(validation),
    gapRows,
    cutoffMs,
    trainFromMs: sorted[0]!,
    trainToMs,
    validationToMs: sorted[sorted.length - 1]!,
  };
}

function datasetOf(examples: RankingExamples, rows: Int32Array, features: Float32Array): RankerDataset {
  return {
    rows: rows.length,
    features,
    click: pickFloat32(examples.click, rows),
    like: pickFloat32(examples.like, rows),
    watchSeconds: pickFloat32(examples.watchSeconds, rows),
  };
}

function pick<T extends Float64Array | Int32Array>(values: T, rows: Int32Array): T {
  const out = new (values.constructor as new (length: number) => T)(rows.length);
  for (let i = 0; i < rows.length; i += 1) out[i] = values[rows[i]!]!;
  return out;
}

function pickFloat32(values: Float32Array, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i += 1) out[i] = values[rows[i]!]!;
  return out;
}

function countPositives(labels: Float32Array): number {
  let count = 0;
  for (const label of labels) if (label > 0.5) count += 1;
  return count;
}

function watchMetrics(predicted: Float32Array, observed: Float32Array): RankerMetrics["watch"] {
  const n = predicted.length;
  let error = 0;
  let meanP = 0;
  let meanO = 0;
  for (let i = 0; i < n; i += 1) {
    error += Math.abs(predicted[i]! - observed[i]!);
    meanP += predicted[i]!;
    meanO += observed[i]!;
  }
  meanP /= n;
  meanO /= n;
  let covariance = 0;
  let varianceP = 0;
  let varianceO = 0;
  for (let i = 0; i < n; i += 1) {
    covariance += (predicted[i]! - meanP) * (observed[i]! - meanO);
    varianceP += (predicted[i]! - meanP) ** 2;
    varianceO += (observed[i]! - meanO) ** 2;
  }
  return { meanAbsoluteError: error / n, meanPredicted: meanP, meanObserved: meanO, correlation: covariance / Math.sqrt(varianceP * varianceO) };
}

/** The validation table (ranker vs baseline) and one line on the split and training. */
export function rankerReport(result: RankerPipelineResult): string {
  const k = result.config.ndcgK;
  const row = (name: string, m: ClickMetrics) => ({ name, values: [m.auc, m.logLoss, m.ece, m.ndcgAtK, m.ipsAuc ?? Number.NaN, m.ipsLogLoss ?? Number.NaN] });
  const table: EvaluationReport = {
    title: `P(click) on the validation set (${result.split.validationRows} rows from ${result.split.validationFrom}; trained on ${result.split.trainRows})`,
    columns: ["auc", "log loss", "ece", `ndcg@${k}`, "ips auc", "ips log loss"],
    rows: [
      row("ranker (served)", result.metrics.click),
      ...(result.metrics.clickAtLoggedPosition ? [row("ranker (logged position)", result.metrics.clickAtLoggedPosition)] : []),
      ...(result.baseline ? [row("logistic regression (served)", result.baseline.metrics)] : []),
      ...(result.baseline?.clickAtLoggedPosition ? [row("logistic regression (logged position)", result.baseline.clickAtLoggedPosition)] : []),
    ],
  };
  const { like, watch } = result.metrics;
  const { ipsWeighting, positionBias } = result.config;
  return [
    formatReportTable(table, 4),
    `like auc ${like.auc.toFixed(4)} · watch seconds MAE ${watch.meanAbsoluteError.toFixed(2)} (mean predicted ${watch.meanPredicted.toFixed(2)}, observed ${watch.meanObserved.toFixed(2)}, r ${watch.correlation.toFixed(3)})`,
    `training: ${result.training.epochs.length} epochs, ${Math.round(result.training.rowsPerSecond)} rows/s · IPS ${ipsWeighting.enabled ? `on (clip ${ipsWeighting.clip})` : "off"} · position bias ${positionBias.enabled ? `on (served at position ${positionBias.referencePosition})` : "off"}`,
  ].join("\n");
}
