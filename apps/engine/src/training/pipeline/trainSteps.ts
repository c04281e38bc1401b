// The steps of `cascade train`, each a cached step (stepCache.ts) keyed by its digest:
//   training-set  point-in-time-correct ranker examples (training/dataset/trainingSet.ts), Parquet
//   two-tower     retrieval data → two-tower training with per-epoch validation → time-split
//                 evaluation against popularity and co-occurrence → two-tower.bin, item-vectors.bin
//   ann-index     HNSW over the item vectors → index.hnsw, and its recall@100 against exact search
//   item-to-item  EASE or item kNN (itemToItemModel.ts) fitted on the training side of the two-tower's
//                 time split and evaluated on the validation side, then refitted on the whole
//                 window → item-to-item.bin (+ held-out-item-to-item.bin for the promotion gate)
//   ranker        multi-task ranker (+ logistic-regression baseline) from the training set → model.onnx
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  describePositiveSpec,
  evaluateRecommenders,
  fitCoOccurrence,
  fitPopularity,
  formatReportTable,
  type EvaluationReport,
  type NamedRecommender,
} from "@cascade/core";
import type { Database } from "@cascade/db";
import type { ProgressReporter } from "../../telemetry/progress.ts";
import { type RankerMetrics, trainRankerFromTrainingSet } from "../ranker/rankerPipeline.ts";
import type { ClickMetrics } from "../ranker/clickMetrics.ts";
import { annRecall, buildAnnIndex, exactTopK, queryAnnIndex, saveAnnIndex } from "../../retrieval/annIndex.ts";
import {
  chooseSplit,
  loadItemVectors,
  loadRetrievalData,
  loadTwoTowerModel,
  saveRetrievalArtifacts,
  trainRetrievalModel,
  type RetrievalData,
} from "../retrieval/retrievalTraining.ts";
import { splitByTime } from "../retrieval/interactions.ts";
import { ITEM_TO_ITEM_ARTIFACT, saveItemToItemModel } from "../../retrieval/itemToItemArtifacts.ts";
import { backfilledWith, chooseItemToItemMethod, fitItemToItem, fittedItemToItemRecommender, ITEM_TO_ITEM_ROW } from "../../retrieval/itemToItemModel.ts";
import { toInteractionLog } from "./benchmarkProtocol.ts";
import { ITEM_VECTORS_ARTIFACT, saveTwoTowerModel, TWO_TOWER_ARTIFACT } from "../../retrieval/retrievalArtifacts.ts";
import { buildTrainingSet, type TrainingSetSummary } from "../dataset/trainingSet.ts";
import { SampledNegativeExamples, type CatalogueItem } from "../dataset/sampledNegatives.ts";
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

export type TrainingSetOutputs = {
  summary: Omit<TrainingSetSummary, "out">;
  impressionsFrom: string;
  impressionsTo: string;
  examples: "impressions" | "sampledNegatives";
  /** Sampled-negatives runs: positives used, positives skipped (unknown item, or nothing left to draw). */
  sampling: { positives: number; skipped: number; negativesPerPositive: number; popularShare: number } | null;
};

/** Where the ranker's examples come from in this window, and why (the run reports it). */
export type RankerExamplePlan = { kind: "impressions" | "sampledNegatives"; reason: string } | { kind: "none"; reason: string };

/** Reads whether the window has impressions, and picks the ranker's example source from the config. */
export async function planRankerExamples(context: Pick<StepContext, "db" | "config" | "window">): Promise<RankerExamplePlan> {
  const { window, config } = context;
  const [row] = await context.db.$queryRaw<{ impressions: bigint }[]>`
    SELECT count(*) AS impressions FROM (
      SELECT 1 FROM events WHERE type = 'impression' AND occurred_at >= ${window.from}::timestamptz AND occurred_at < ${window.to}::timestamptz LIMIT 1000
    ) AS sample`;
  const impressions = Number(row?.impressions ?? 0);
  const source = config.rankerExamples.source;
  if (source === "sampledNegatives") return { kind: "sampledNegatives", reason: "rankerExamples.source is sampledNegatives" };
  if (impressions > 0) return { kind: "impressions", reason: `the window has logged impressions${impressions >= 1000 ? " (≥ 1,000)" : ` (${impressions})`}` };
  if (source === "impressions") return { kind: "none", reason: "the window has no impressions and rankerExamples.source is impressions: no ranker trained" };
  return {
    kind: "sampledNegatives",
    reason: `the window has no impressions: positives (${positivesLabel(config.positives)}) with ${config.rankerExamples.negativesPerPositive} sampled negatives each`,
  };
}

export function positivesLabel(positives: TrainConfig["positives"]): string {
  return describePositiveSpec(positives);
}

/**
 * Impressions in [from, to − label window): every example gets its whole label window. Or, for a
 * window without impressions, positives with sampled negatives (training/dataset/sampledNegatives.ts).
 */
export async function trainingSetStep(
  context: StepContext,
  plan: RankerExamplePlan & { kind: "impressions" | "sampledNegatives" },
): Promise<StepResult<TrainingSetOutputs>> {
  const { config, window, fingerprint } = context;
  const sampled = plan.kind === "sampledNegatives";
  const digest = stepDigest("training-set", {
    config: config.trainingSet,
    window: windowJson(window),
    fingerprint,
    ...(sampled ? { examples: "sampledNegatives", sampling: config.rankerExamples, positives: config.positives, seed: config.seed } : {}),
  });
  return runStep(context.workDir, "training-set", digest, async (dir) => {
    const labelWindowMs = config.trainingSet.labelWindowMinutes * 60_000;
    // Sampled examples are labelled by their own event: no label window to wait for.
    const to = sampled ? window.to : new Date(Math.max(window.from.getTime() + 1, window.to.getTime() - labelWindowMs));
    const sampler = sampled
      ? new SampledNegativeExamples(await catalogueItems(context.db), {
          positives: config.positives,
          negativesPerPositive: config.rankerExamples.negativesPerPositive,
          popularShare: config.rankerExamples.popularShare,
          seed: config.seed,
        })
      : null;
    const summary = await buildTrainingSet(context.db, {
      from: window.from,
      to,
      out: join(dir, TRAINING_SET_FILE),
      format: "parquet",
      labelWindowMs,
      ...(config.trainingSet.warmupDays ? { warmupFrom: new Date(window.from.getTime() - config.trainingSet.warmupDays * DAY_MS) } : {}),
      progress: context.progress,
      ...(sampler ? { examples: { kind: "sampledNegatives" as const, sampler } } : {}),
    });
    if (summary.examples === 0) {
      throw new Error(
        sampled
          ? `no positives (${positivesLabel(config.positives)}) between ${window.from.toISOString()} and ${to.toISOString()}: the ranker has nothing to learn from`
          : `no impressions between ${window.from.toISOString()} and ${to.toISOString()}: the ranker has nothing to learn from`,
      );
    }
    const { out: _out, ...rest } = summary;
    return {
      summary: rest,
      impressionsFrom: window.from.toISOString(),
      impressionsTo: to.toISOString(),
      examples: plan.kind,
      sampling: sampler
        ? {
            positives: sampler.positives,
            skipped: sampler.skipped,
            negativesPerPositive: config.rankerExamples.negativesPerPositive,
            popularShare: config.rankerExamples.popularShare,
          }
        : null,
    };
  });
}

async function catalogueItems(db: Database): Promise<CatalogueItem[]> {
  const rows = await db.$queryRaw<{ id: string; publishedAt: Date }[]>`SELECT id, published_at AS "publishedAt" FROM items ORDER BY id`;
  return rows.map((row) => ({ id: row.id, publishedAtMs: row.publishedAt.getTime() }));
}

// ───────────────────────────── two-tower ─────────────────────────────

export type TwoTowerOutputs = {
  items: number;
  users: number;
  interactions: number;
  skippedEvents: number;
  dimensions: number;
  split: { atMs: number; trainInteractions: number; validationInteractions: number; rule: "days" | "fraction" };
  /** The shipped model was refitted on every interaction of the window (the metrics are the held-out model's). */
  refit: { interactions: number; users: number; seconds: number } | null;
  epochs: { epoch: number; loss: number; validationRecall: number; seconds: number }[];
  interactionsPerSecond: number;
  /** Two-tower, popularity and co-occurrence on the same time split. */
  report: EvaluationReport;
};

/** Written by saveRetrievalArtifacts. */
export const TWO_TOWER_FILE = TWO_TOWER_ARTIFACT.file;
/** With a refit: the model trained on the training side of the split only (what the metrics describe). */
export const HELD_OUT_TWO_TOWER_FILE = "held-out-two-tower.bin";
export const ITEM_VECTORS_FILE = ITEM_VECTORS_ARTIFACT.file;

export async function twoTowerStep(context: StepContext): Promise<StepResult<TwoTowerOutputs>> {
  const { config, window, fingerprint, progress } = context;
  const digest = stepDigest("two-tower", { config: config.retrieval, positives: config.positives, seed: config.seed, window: windowJson(window), fingerprint });
  return runStep(context.workDir, "two-tower", digest, async (dir) => {
    const data = await readPositives(context);
    const r = config.retrieval;
    const result = await trainRetrievalModel(
      data,
      {
        model: r.model,
        training: r.training,
        seed: config.seed,
        validationDays: r.validationDays,
        fallbackValidationFraction: r.fallbackValidationFraction,
        refitOnAllData: r.refitOnAllData,
        evaluation: { ks: r.evaluation.ks, maxUsers: r.evaluation.maxUsers, baselines: true },
      },
      { progress },
    );
    await saveRetrievalArtifacts(dir, result);
    if (result.heldOut) {
      // Same artifact format under another name: runStep hashes the step directory's top-level files.
      const scratch = join(dir, "held-out");
      await mkdir(scratch);
      const { userIds, itemIds, categoryNames, creatorIds, tagNames } = result.heldOut;
      const saved = await saveTwoTowerModel(scratch, result.heldOut.model, { userIds, itemIds, categoryNames, creatorIds, tagNames });
      await rename(saved.path, join(dir, HELD_OUT_TWO_TOWER_FILE));
      await rm(scratch, { recursive: true });
    }
    await writeFile(join(dir, "evaluation.txt"), result.report + "\n");
    return {
      items: data.itemIds.length,
      users: data.userIds.length,
      interactions: data.interactions.count,
      skippedEvents: data.skippedEvents,
      dimensions: result.dimensions,
      split: result.split,
      refit: result.refit,
      epochs: result.training.epochs.map((epoch) => ({
        epoch: epoch.epoch,
        loss: epoch.loss,
        validationRecall: epoch.validationRecall,
        seconds: epoch.seconds,
      })),
      interactionsPerSecond: result.training.interactionsPerSecond,
      report: result.evaluation.report,
    };
  });
}

/** Reads the window's positives with a progress bar (the retrieval steps' shared input). */
async function readPositives(context: StepContext): Promise<RetrievalData> {
  const { config, window, progress } = context;
  const [count] = await context.db.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM events
    WHERE occurred_at >= ${window.from}::timestamptz AND occurred_at < ${window.to}::timestamptz AND type::text = ANY(${[...config.positives.eventTypes]}::text[])`;
  progress.start("retrieval data: positive events", Number(count?.count ?? 0));
  let read = 0;
  const data = await loadRetrievalData(
    context.db,
    { from: window.from, to: window.to },
    {
      positives: config.positives,
      onEvents: (total) => {
        progress.increment(total - read);
        read = total;
      },
    },
  );
  progress.stop();
  return data;
}

// ───────────────────────────── item-to-item ─────────────────────────────

export type ItemToItemOutputs = {
  method: "ease" | "knn";
  /** Why that method (item count against maxEaseItems, or the config's choice). */
  reason: string;
  items: number;
  /** Items with at least one positive in the window (the ones the model relates). */
  activeItems: number;
  users: number;
  /** Evaluated users with no interaction before the split (item-to-item alone has nothing to offer them). */
  coldUsers: number;
  interactions: number;
  skippedEvents: number;
  /** The two-tower's time split (same rule, same settings): the metrics describe the model fitted before it. */
  split: { atMs: number; trainInteractions: number; validationInteractions: number; rule: "days" | "fraction" };
  /** Neighbour entries stored by the shipped model, and the fit times (held-out, then on all interactions). */
  storedNeighbours: number;
  fitSeconds: number;
  refitSeconds: number;
  /** itemToItem beside popularity and co-occurrence on the split. */
  report: EvaluationReport;
};

export const ITEM_TO_ITEM_FILE = ITEM_TO_ITEM_ARTIFACT.file;
/** The model fitted on the training side of the split only (what the metrics describe; the promotion gate scores it). */
export const HELD_OUT_ITEM_TO_ITEM_FILE = "held-out-item-to-item.bin";

export async function itemToItemStep(context: StepContext): Promise<StepResult<ItemToItemOutputs>> {
  const { config, window, fingerprint, progress } = context;
  const r = config.retrieval;
  const digest = stepDigest("item-to-item", {
    config: config.itemToItem,
    positives: config.positives,
    split: { validationDays: r.validationDays, fallbackValidationFraction: r.fallbackValidationFraction },
    evaluation: r.evaluation,
    window: windowJson(window),
    fingerprint,
  });
  return runStep(context.workDir, "item-to-item", digest, async (dir) => {
    const data = await readPositives(context);
    const interactions = data.interactions;
    if (interactions.count < 2) throw new Error(`item-to-item: ${interactions.count} positive interactions in the window, need at least 2`);
    const users = data.userIds.length;
    const items = data.itemIds.length;
    const options = {
      method: config.itemToItem.method,
      maxEaseItems: config.itemToItem.maxEaseItems,
      neighbours: config.itemToItem.neighbours,
      regularization: config.itemToItem.regularization,
      scoringWeights: config.itemToItem.scoringWeights,
    };
    const all = toInteractionLog(interactions, users, items);
    const active = new Set(all.items).size;
    const choice = chooseItemToItemMethod(active, options);

    const split = chooseSplit(interactions, data.window.toMs, r.validationDays, r.fallbackValidationFraction);
    const { train, validation } = splitByTime(interactions, split.atMs);
    const trainLog = toInteractionLog(train, users, items);
    progress.start(`item-to-item (${choice.method}): fit on the training side`, 1);
    let began = performance.now();
    const heldOut = fitItemToItem(trainLog, options);
    const fitSeconds = (performance.now() - began) / 1000;
    progress.increment();
    progress.stop();

    const evaluated = sampleValidationUsers(validation.user, users, r.evaluation.maxUsers);
    const withHistory = new Uint8Array(users);
    for (let j = 0; j < train.count; j += 1) withHistory[train.user[j]!] = 1;
    const coldUsers = evaluated.reduce((cold, user) => cold + (withHistory[user] === 1 ? 0 : 1), 0);
    const recommenders: NamedRecommender[] = [
      // Users without history before the split get nothing from item-to-item alone: popular items fill its list, as in serving.
      { name: ITEM_TO_ITEM_ROW, fit: (log) => backfilledWith(fittedItemToItemRecommender(heldOut), fitPopularity(log)) },
      { name: "popularity", fit: fitPopularity },
      { name: "coOccurrence", fit: (log) => fitCoOccurrence(log) },
    ];
    progress.start("item-to-item evaluation", recommenders.length);
    const evaluation = evaluateRecommenders({
      train: trainLog,
      test: toInteractionLog(validation, users, items),
      recommenders: recommenders.map((recommender) => ({ name: recommender.name, fit: (log) => (progress.increment(), recommender.fit(log)) })),
      ks: r.evaluation.ks,
      users: evaluated,
      title: `item-to-item (${choice.method}; popular items fill short lists), time split (${train.count} train / ${validation.count} validation interactions, ${evaluated.length} users, ${coldUsers} without history before the split)`,
    });
    progress.stop();

    progress.start(`item-to-item (${choice.method}): refit on every interaction`, 1);
    began = performance.now();
    const shipped = validation.count > 0 ? fitItemToItem(all, options) : heldOut;
    const refitSeconds = (performance.now() - began) / 1000;
    progress.increment();
    progress.stop();
    await saveItemToItemModel(dir, shipped, data.itemIds);
    // Same format under another name: runStep hashes the step directory's top-level files.
    const scratch = join(dir, "held-out");
    await mkdir(scratch);
    const savedHeldOut = await saveItemToItemModel(scratch, heldOut, data.itemIds);
    await rename(savedHeldOut.path, join(dir, HELD_OUT_ITEM_TO_ITEM_FILE));
    await rm(scratch, { recursive: true });
    await writeFile(join(dir, "evaluation.txt"), formatReportTable(evaluation.report) + "\n");
    return {
      method: choice.method,
      reason: choice.reason,
      items,
      activeItems: active,
      users,
      coldUsers,
      interactions: interactions.count,
      skippedEvents: data.skippedEvents,
      split: { atMs: split.atMs, trainInteractions: train.count, validationInteractions: validation.count, rule: split.rule },
      storedNeighbours: shipped.neighbours.length,
      fitSeconds,
      refitSeconds,
      report: evaluation.report,
    };
  });
}

/** Users with a validation interaction, at most `maxUsers` of them, every n-th (as the two-tower's evaluation picks them). */
function sampleValidationUsers(validationUsers: Int32Array, users: number, maxUsers: number): Int32Array {
  const held = new Uint8Array(users);
  for (let j = 0; j < validationUsers.length; j += 1) held[validationUsers[j]!] = 1;
  const candidates: number[] = [];
  for (let u = 0; u < users; u += 1) if (held[u] === 1) candidates.push(u);
  const picks = Math.min(maxUsers, candidates.length);
  return Int32Array.from({ length: picks }, (_, pick) => candidates[Math.floor((pick * candidates.length) / picks)]!);
}

// ───────────────────────────── ANN index ─────────────────────────────

export type AnnOutputs = {
  items: number;
  dimensions: number;
  k: number;
  queries: number;
  recall: number;
  exactMsPerQuery: number;
  annMsPerQuery: number;
  buildSeconds: number;
};

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
  // Sampled negatives carry their importance weight as 1 / propensity (sampledNegatives.ts): the
  // inverse-propensity weighting is what applies it, so it is on for them whatever the config says.
  const sampled = trainingSet.outputs.examples === "sampledNegatives";
  const rankerConfig = {
    ...config.ranker,
    ...(sampled
      ? { ipsWeighting: { enabled: true, clip: Math.max(config.ranker.ipsWeighting.clip, 1 / Math.max(0.05, 1 - config.rankerExamples.popularShare)) } }
      : {}),
    seed: config.seed,
    modelName,
  };
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
        epochs: result.training.epochs.map((epoch) => ({
          epoch: epoch.epoch,
          validationClickAuc: epoch.validationClickAuc,
          rowsPerSecond: epoch.rowsPerSecond,
        })),
        seconds: result.training.seconds,
        rowsPerSecond: result.training.rowsPerSecond,
      },
      metrics: result.metrics,
      baseline: result.baseline
        ? {
            name: result.baseline.name,
            metrics: result.baseline.metrics,
            clickAtLoggedPosition: result.baseline.clickAtLoggedPosition,
            seconds: result.baseline.seconds,
          }
        : null,
      report: result.report,
    };
  });
}
