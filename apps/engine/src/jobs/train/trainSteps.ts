// The steps of `cascade train`, each a cached step (stepCache.ts) keyed by its digest:
//   training-set  point-in-time-correct ranker examples (jobs/trainingSet.ts), Parquet
//   two-tower     retrieval data → two-tower training with per-epoch validation → time-split
//                 evaluation against popularity and co-occurrence → two-tower.bin, item-vectors.bin
//   ann-index     HNSW over the item vectors → index.hnsw, and its recall@100 against exact search
//   ranker        multi-task ranker (+ logistic-regression baseline) from the training set → model.onnx
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvaluationReport } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { ProgressReporter } from "../../cli/progress.ts";
import { type RankerMetrics, trainRankerFromTrainingSet } from "../../ranking/model/rankerPipeline.ts";
import type { ClickMetrics } from "../../ranking/model/clickMetrics.ts";
import { annRecall, buildAnnIndex, exactTopK, queryAnnIndex, saveAnnIndex } from "../../retrieval/annIndex.ts";
import { POSITIVE_EVENT_TYPES } from "../../retrieval/interactions.ts";
import { loadItemVectors, loadRetrievalData, loadTwoTowerModel, saveRetrievalArtifacts, trainRetrievalModel } from "../../retrieval/retrievalTraining.ts";
import { ITEM_VECTORS_ARTIFACT, TWO_TOWER_ARTIFACT } from "../../retrieval/retrievalArtifacts.ts";
import { buildTrainingSet, type TrainingSetSummary } from "../trainingSet.ts";
import { DAY_MS } from "../../retrieval/twoTowerModel.ts";
import type { DataFingerprint, DataWindow } from "./dataWindow.ts";
import { stepDigest } from "./digest.ts";
import { runStep, type StepResult } from "./stepCache.ts";
import type { TrainConfig } from "./trainConfig.ts";

export const TRAINING_SET_FILE = "training-set.parquet";
export const RANKER_ONNX_FILE = "model.onnx";

export type StepContext = {
  db: Database;
  config: TrainConfig;
  window: DataWindow;
  fingerprint: DataFingerprint;
  workDir: string;
  progress: ProgressReporter;
};

const windowJson = (window: DataWindow) => ({ from: window.from.toISOString(), to: window.to.toISOString() });

// ───────────────────────────── training set ─────────────────────────────

export type TrainingSetOutputs = { summary: Omit<TrainingSetSummary, "out">; impressionsFrom: string; impressionsTo: string };

/** Impressions in [from, to − label window): every example gets its whole label window. */
export async function trainingSetStep(context: StepContext): Promise<StepResult<TrainingSetOutputs>> {
  const { config, window, fingerprint } = context;
  const digest = stepDigest("training-set", { config: config.trainingSet, window: windowJson(window), fingerprint });
  return runStep(context.workDir, "training-set", digest, async (dir) => {
    const labelWindowMs = config.trainingSet.labelWindowMinutes * 60_000;
    const to = new Date(Math.max(window.from.getTime() + 1, window.to.getTime() - labelWindowMs));
    const summary = await buildTrainingSet(context.db, {
      from: window.from,
      to,
      out: join(dir, TRAINING_SET_FILE),
      format: "parquet",
      labelWindowMs,
      ...(config.trainingSet.warmupDays ? { warmupFrom: new Date(window.from.getTime() - config.trainingSet.warmupDays * DAY_MS) } : {}),
      progress: context.progress,
    });
    if (summary.examples === 0) throw new Error(`no impressions between ${window.from.toISOString()} and ${to.toISOString()}: the ranker has nothing to learn from`);
    const { out: _out, ...rest } = summary;
    return { summary: rest, impressionsFrom: window.from.toISOString(), impressionsTo: to.toISOString() };
  });
}

// ───────────────────────────── two-tower ─────────────────────────────

export type TwoTowerOutputs = {
  items: number;
  users: number;
  interactions: number;
  skippedEvents: number;
  dimensions: number;
  split: { atMs: number; trainInteractions: number; validationInteractions: number; rule: "days" | "fraction" };
  epochs: { epoch: number; loss: number; validationRecall: number; seconds: number }[];
  interactionsPerSecond: number;
  /** Two-tower, popularity and co-occurrence on the same time split. */
  report: EvaluationReport;
};

/** Written by saveRetrievalArtifacts. */
export const TWO_TOWER_FILE = TWO_TOWER_ARTIFACT.file;
export const ITEM_VECTORS_FILE = ITEM_VECTORS_ARTIFACT.file;

export async function twoTowerStep(context: StepContext): Promise<StepResult<TwoTowerOutputs>> {
  const { config, window, fingerprint, progress } = context;
  const digest = stepDigest("two-tower", { config: config.retrieval, seed: config.seed, window: windowJson(window), fingerprint });
  return runStep(context.workDir, "two-tower", digest, async (dir) => {
    const [count] = await context.db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) AS count FROM events
      WHERE occurred_at >= ${window.from}::timestamptz AND occurred_at < ${window.to}::timestamptz AND type::text = ANY(${[...POSITIVE_EVENT_TYPES]}::text[])`;
    progress.start("retrieval data: positive events", Number(count?.count ?? 0));
    let read = 0;
    const data = await loadRetrievalData(context.db, { from: window.from, to: window.to }, {
      onEvents: (total) => {
        progress.increment(total - read);
        read = total;
      },
    });
    progress.stop();
    const r = config.retrieval;
    const result = await trainRetrievalModel(
      data,
      {
        model: r.model,
        training: r.training,
        seed: config.seed,
        validationDays: r.validationDays,
        fallbackValidationFraction: r.fallbackValidationFraction,
        evaluation: { ks: r.evaluation.ks, maxUsers: r.evaluation.maxUsers, baselines: true },
      },
      { progress },
    );
    await saveRetrievalArtifacts(dir, result);
    await writeFile(join(dir, "evaluation.txt"), result.report + "\n");
    return {
      items: data.itemIds.length,
      users: data.userIds.length,
      interactions: data.interactions.count,
      skippedEvents: data.skippedEvents,
      dimensions: result.dimensions,
      split: result.split,
      epochs: result.training.epochs.map((epoch) => ({ epoch: epoch.epoch, loss: epoch.loss, validationRecall: epoch.validationRecall, seconds: epoch.seconds })),
      interactionsPerSecond: result.training.interactionsPerSecond,
      report: result.evaluation.report,
    };
  });
}

// ───────────────────────────── ANN index ─────────────────────────────

export type AnnOutputs = { items: number; dimensions: number; k: number; queries: number; recall: number; exactMsPerQuery: number; annMsPerQuery: number; buildSeconds: number };

export const ANN_INDEX_FILE = "index.hnsw";

export async function annIndexStep(context: StepContext, twoTower: StepResult<TwoTowerOutputs>): Promise<StepResult<AnnOutputs>> {
  const { config, progress } = context;
  const vectorsFile = twoTower.files[ITEM_VECTORS_FILE];
  const modelFile = twoTower.files[TWO_TOWER_FILE];
  if (!vectorsFile || !modelFile) throw new Error(`two-tower step ${twoTower.dir} lacks ${ITEM_VECTORS_FILE} or ${TWO_TOWER_FILE}`);
  const digest = stepDigest("ann-index", { config: config.ann, seed: config.seed, itemVectors: vectorsFile.sha256, model: modelFile.sha256 });
  return runStep(context.workDir, "ann-index", digest, async (dir) => {
    const vectors = await loadItemVectors(vectorsFile.path);
    const count = vectors.itemIds.length;
    progress.start("HNSW index", count);
    let added = 0;
    const started = performance.now();
    const index = buildAnnIndex(vectors.vectors, vectors.dimensions, {
      m: config.ann.m,
      efConstruction: config.ann.efConstruction,
      efSearch: config.ann.efSearch,
      seed: config.seed,
      progressEvery: Math.max(1, Math.min(10_000, Math.ceil(count / 100))),
      onProgress: (done) => {
        progress.increment(done - added);
        added = done;
      },
    });
    const buildSeconds = (performance.now() - started) / 1000;
    progress.stop();
    await saveAnnIndex(index, join(dir, ANN_INDEX_FILE));

    // Recall of the index against exact search, for user vectors of the trained model (users
    // embedded by id and follows; every n-th user so the sample spans the id range).
    const model = await loadTwoTowerModel(modelFile.path);
    const users = model.userIds.length;
    const queryCount = Math.min(config.ann.recallQueries, users);
    const d = vectors.dimensions;
    const queries = new Float32Array(queryCount * d);
    for (let q = 0; q < queryCount; q += 1) queries.set(model.userVector(model.userIds[Math.floor((q * users) / queryCount)]!, []), q * d);
    const k = Math.min(100, count);
    const recall = queryCount > 0 ? annRecall(index, vectors.vectors, queries, k) : Number.NaN;
    const timed = (search: (query: Float32Array) => void) => {
      const begin = performance.now();
      for (let q = 0; q < queryCount; q += 1) search(queries.subarray(q * d, (q + 1) * d));
      return queryCount > 0 ? (performance.now() - begin) / queryCount : Number.NaN;
    };
    const scratch = new Float32Array(count);
    const exactMsPerQuery = timed((query) => exactTopK(vectors.vectors, d, query, k, scratch));
    const annMsPerQuery = timed((query) => queryAnnIndex(index, query, k));
    return { items: count, dimensions: d, k, queries: queryCount, recall, exactMsPerQuery, annMsPerQuery, buildSeconds };
  });
}

// ───────────────────────────── ranker ─────────────────────────────

export type RankerOutputs = {
  featureNames: string[];
  outputs: string[];
  split: { trainRows: number; validationRows: number; gapRows: number; trainFrom: string; trainTo: string; validationFrom: string; validationTo: string };
  ips: { clipped: number; missing: number; maxWeight: number; effectiveSampleSize: number } | null;
  training: { initialLoss: unknown; epochs: { epoch: number; validationClickAuc: number; rowsPerSecond: number }[]; seconds: number; rowsPerSecond: number };
  metrics: RankerMetrics;
  baseline: { name: string; metrics: ClickMetrics; clickAtLoggedPosition: ClickMetrics | null; seconds: number } | null;
  report: string;
};

export async function rankerStep(context: StepContext, trainingSet: StepResult<TrainingSetOutputs>, modelName: string): Promise<StepResult<RankerOutputs>> {
  const { config, progress } = context;
  const file = trainingSet.files[TRAINING_SET_FILE];
  if (!file) throw new Error(`training-set step ${trainingSet.dir} lacks ${TRAINING_SET_FILE}`);
  const rankerConfig = { ...config.ranker, seed: config.seed, modelName };
  const digest = stepDigest("ranker", { config: rankerConfig, trainingSet: file.sha256 });
  return runStep(context.workDir, "ranker", digest, async (dir) => {
    const rows = trainingSet.outputs.summary.examples;
    let stage = "";
    let done = 0;
    const result = await trainRankerFromTrainingSet(file.path, rankerConfig, {
      onProgress: (p) => {
        const label = p.phase === "read" ? "ranker: read training set" : `ranker epoch ${p.epoch}/${p.epochs}`;
        if (label !== stage) {
          stage = label;
          done = 0;
          progress.start(label, p.total ?? rows);
        }
        progress.increment(p.done - done);
        done = p.done;
      },
      onPhase: (phase) => {
        if (phase !== "train" && phase !== "read") progress.stop();
      },
    });
    progress.stop();
    await writeFile(join(dir, RANKER_ONNX_FILE), result.onnxBytes);
    await writeFile(join(dir, "report.txt"), result.report + "\n");
    return {
      featureNames: [...result.featureNames],
      outputs: [...result.outputs],
      split: result.split,
      ips: result.ips,
      training: {
        initialLoss: result.training.initialLoss,
        epochs: result.training.epochs.map((epoch) => ({ epoch: epoch.epoch, validationClickAuc: epoch.validationClickAuc, rowsPerSecond: epoch.rowsPerSecond })),
        seconds: result.training.seconds,
        rowsPerSecond: result.training.rowsPerSecond,
      },
      metrics: result.metrics,
      baseline: result.baseline
        ? { name: result.baseline.name, metrics: result.baseline.metrics, clickAtLoggedPosition: result.baseline.clickAtLoggedPosition, seconds: result.baseline.seconds }
        : null,
      report: result.report,
    };
  });
}
