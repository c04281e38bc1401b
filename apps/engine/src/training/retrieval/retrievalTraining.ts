// The one entry point `cascade train` calls for retrieval: data (loadRetrievalData from Postgres,
// or demo/demoRetrievalData.ts) → time split → two-tower training with per-epoch validation and progress
// → item vectors as of the end of the window → offline evaluation against popularity and
// item-to-item co-occurrence on the same split → artifacts (saveRetrievalArtifacts).
//
// The time split: interactions in the last `validationDays` of the window validate, the rest
// train; if that leaves too little on either side (short or sparse windows) the last
// `fallbackValidationFraction` of interactions by time validate instead. Validation pairs are by
// construction pairs first seen after the split, so "exclude items the user already had" is the
// same rule for every recommender (core's evaluateRecommenders applies it too).
// The metrics describe the model trained on the training side of the split. With `refitOnAllData`
// the model that ships is a second one, same shape, seed and epochs, fitted on every interaction
// of the window (the validation period is the newest data: users first seen there would otherwise
// be served without an embedding); without it, the held-out model ships. Item vectors are
// computed as of the window's end (item age moves).
import {
  createInteractionLog,
  evaluateRecommenders,
  fitCoOccurrence,
  fitPopularity,
  formatReportTable,
  ItemMarker,
  type InteractionLog,
  type NamedRecommender,
  type Recommender,
  type RetrievalEvaluation,
  FINITE_SCORES,
  topKByScore,
} from "@cascade/core";
import type { ProgressReporter } from "../../telemetry/progress.ts";
import { splitByTime, type Interactions } from "./interactions.ts";
import type { RetrievalData } from "./retrievalData.ts";
import { saveItemVectors, saveTwoTowerModel, withUserVector, type LoadedRetrievalModel, type SavedArtifact } from "../../retrieval/retrievalArtifacts.ts";
import {
  computeItemVectors,
  computeUserVector,
  createTwoTowerModel,
  DAY_MS,
  dotAll,
  retrievalDimensions,
  type TwoTowerConfig,
  type TwoTowerModel,
} from "../../retrieval/twoTowerModel.ts";
import { trainTwoTower, type EpochReport, type TrainingProgress, type TrainingReport, type TwoTowerTrainingOptions } from "./twoTowerTraining.ts";

export { loadRetrievalData, type RetrievalData, type RetrievalWindow } from "./retrievalData.ts";
export { loadItemVectors, loadTwoTowerModel, type ItemVectors, type LoadedRetrievalModel } from "../../retrieval/retrievalArtifacts.ts";

export type RetrievalTrainingConfig = {
  /** Model shape; sizes come from the data. */
  model?: Partial<Pick<TwoTowerConfig, "dimensions" | "historyLength" | "ageBuckets" | "temperature" | "initScale">>;
  /** Optimiser and loop settings (epochs, batchSize, learningRate, …). */
  training?: Partial<Omit<TwoTowerTrainingOptions, "onProgress" | "onEpoch" | "seed" | "validationAsOfMs">>;
  /** Seed of initialisation and example order. Default 42. */
  seed?: number;
  /** Interactions in the last N days of the window validate. Default 4. */
  validationDays?: number;
  /** Used when the day-based split leaves either side under 10% of the interactions. Default 0.15. */
  fallbackValidationFraction?: number;
  /** Offline evaluation: cut-offs (default [10, 100]), users evaluated (default 2,000, every n-th), baselines (default on). */
  evaluation?: { ks?: number[]; maxUsers?: number; baselines?: boolean };
  /**
   * After evaluating the held-out model, train a fresh one (same shape, seed and epochs) on every
   * interaction of the window and return that one. Default false here; `cascade train` turns it on.
   */
  refitOnAllData?: boolean;
};

export type RetrievalTrainingCallbacks = {
  /** If given, drives a CLI progress bar: one stage per epoch ("two-tower epoch e/E"), then "evaluation". */
  progress?: ProgressReporter;
  onProgress?: (progress: TrainingProgress) => void;
  onEpoch?: (epoch: EpochReport) => void;
};

export type RetrievalTrainingResult = LoadedRetrievalModel & {
  /** Retrieval vectors (items × dimensions, [v̂, τ·b]) as of `asOfMs` = the window's end. */
  itemVectors: Float32Array;
  dimensions: number;
  asOfMs: number;
  training: TrainingReport;
  split: { atMs: number; trainInteractions: number; validationInteractions: number; rule: "days" | "fraction" };
  /** Set when the returned model was refitted on all interactions after validation (the metrics describe the held-out model). */
  refit: { interactions: number; users: number; seconds: number } | null;
  /** With a refit: the held-out model the metrics describe (a promotion gate compares it with the active version on the same hold-out). */
  heldOut: LoadedRetrievalModel | null;
  /** Two-tower, popularity and co-occurrence on the same split (core's table-ready report). */
  evaluation: RetrievalEvaluation;
  /** Flat metrics for the registry: "<recommender>.<metric>", e.g. "twoTower.recall@100". */
  metrics: Record<string, number>;
  /** The evaluation as a fixed-width text table. */
  report: string;
};

export const TWO_TOWER_NAME = "twoTower";

/** Splits, trains, evaluates. Synchronous compute; async only for API stability. */
export async function trainRetrievalModel(
  data: RetrievalData,
  config: RetrievalTrainingConfig = {},
  callbacks: RetrievalTrainingCallbacks = {},
): Promise<RetrievalTrainingResult> {
  const seed = config.seed ?? 42;
  const interactions = data.interactions;
  if (interactions.count < 2) throw new Error(`trainRetrievalModel: ${interactions.count} positive interactions in the window, need at least 2`);
  const split = chooseSplit(interactions, data.window.toMs, config.validationDays ?? 4, config.fallbackValidationFraction ?? 0.15);
  const { train, validation } = splitByTime(interactions, split.atMs);

  const modelConfig = {
    users: data.userIds.length,
    items: data.itemIds.length,
    categories: Math.max(1, data.categoryNames.length),
    creators: Math.max(1, data.creatorIds.length),
    tags: data.tagNames.length,
    seed,
    ...config.model,
  };
  const epochs = config.training?.epochs ?? 4;
  const fit = (trainOn: Interactions, validateOn: Interactions, validationAsOfMs: number, label: string) => {
    const fitted = createTwoTowerModel(modelConfig, data.items, data.follows);
    let stageEpoch = 0;
    let lastDone = 0;
    const report = trainTwoTower(fitted, trainOn, validateOn, {
      ...config.training,
      seed,
      validationAsOfMs,
      maxValidationUsers: config.training?.maxValidationUsers ?? config.evaluation?.maxUsers ?? 2_000,
      onProgress: (progress) => {
        if (callbacks.progress) {
          if (progress.epoch !== stageEpoch) {
            stageEpoch = progress.epoch;
            callbacks.progress.start(`${label} epoch ${progress.epoch}/${epochs}`, progress.total);
            lastDone = 0;
          }
          callbacks.progress.increment(progress.done - lastDone);
          lastDone = progress.done;
        }
        callbacks.onProgress?.(progress);
      },
      onEpoch: (epoch) => {
        callbacks.progress?.stop();
        callbacks.onEpoch?.(epoch);
      },
    });
    return { fitted, report };
  };
  const { fitted: model, report: training } = fit(train, validation, split.atMs, "two-tower");
  const vocabulary = { userIds: data.userIds, itemIds: data.itemIds, categoryNames: data.categoryNames, creatorIds: data.creatorIds, tagNames: data.tagNames };
  const evaluation = evaluateRetrieval(model, train, validation, split.atMs, config.evaluation, callbacks.progress);
  const metrics: Record<string, number> = {};
  for (const row of evaluation.report.rows) {
    row.values.forEach((value, j) => {
      metrics[`${row.name}.${evaluation.report.columns[j]!}`] = value;
    });
  }
  const asOfMs = data.window.toMs;
  // The held-out model never saw the validation period: users who first appear there would get no
  // embedding of their own, and the newest items none either. Ship a model fitted on everything.
  let shipped = model;
  let refit: RetrievalTrainingResult["refit"] = null;
  if (config.refitOnAllData && validation.count > 0) {
    const begin = performance.now();
    shipped = fit(
      interactions,
      { count: 0, user: new Int32Array(0), item: new Int32Array(0), timeMs: new Float64Array(0) },
      asOfMs,
      "two-tower (all data)",
    ).fitted;
    const seen = new Uint8Array(data.userIds.length);
    let users = 0;
    for (let j = 0; j < interactions.count; j += 1)
      if (seen[interactions.user[j]!] === 0) {
        seen[interactions.user[j]!] = 1;
        users += 1;
      }
    refit = { interactions: interactions.count, users, seconds: (performance.now() - begin) / 1000 };
  }
  return {
    ...withUserVector(shipped, vocabulary),
    itemVectors: computeItemVectors(shipped, asOfMs),
    dimensions: retrievalDimensions(model),
    asOfMs,
    training,
    split: { atMs: split.atMs, trainInteractions: train.count, validationInteractions: validation.count, rule: split.rule },
    refit,
    heldOut: refit ? withUserVector(model, vocabulary) : null,
    evaluation,
    metrics,
    report: formatReportTable(evaluation.report),
  };
}

/** The time split (see the top of this file); exported so the item-to-item step validates on the same one. */
export function chooseSplit(
  interactions: Interactions,
  toMs: number,
  validationDays: number,
  fallbackFraction: number,
): { atMs: number; rule: "days" | "fraction" } {
  const byDays = toMs - validationDays * DAY_MS;
  let before = 0;
  while (before < interactions.count && interactions.timeMs[before]! < byDays) before += 1;
  const share = before / interactions.count;
  if (share >= 0.1 && share <= 0.9) return { atMs: byDays, rule: "days" };
  const index = Math.min(interactions.count - 1, Math.max(1, Math.floor((1 - fallbackFraction) * interactions.count)));
  return { atMs: interactions.timeMs[index]!, rule: "fraction" };
}

function toLog(interactions: Interactions, users: number, items: number): InteractionLog {
  return createInteractionLog({ users: interactions.user, items: interactions.item, timestamps: interactions.timeMs }, { numUsers: users, numItems: items });
}

/** Exact top-K by retrieval score, the user's training items excluded (what HNSW approximates). */
function twoTowerRecommender(model: TwoTowerModel, asOfMs: number): NamedRecommender {
  return {
    name: TWO_TOWER_NAME,
    fit(): Recommender {
      const width = retrievalDimensions(model);
      const itemVectors = computeItemVectors(model, asOfMs);
      const userVector = new Float32Array(width);
      const scores = new Float32Array(model.config.items);
      const seen = new ItemMarker(model.config.items);
      return {
        recommend(user, history, k) {
          computeUserVector(model, user, history, userVector);
          dotAll(itemVectors, width, userVector, scores);
          seen.clear();
          for (let h = 0; h < history.length; h += 1) {
            seen.add(history[h]!);
            scores[history[h]!] = -Infinity;
          }
          return topKByScore(scores, k, undefined, FINITE_SCORES);
        },
      };
    },
  };
}

/** Two-tower and the baselines, fitted on `train`, scored on `validation` with core's metrics. */
export function evaluateRetrieval(
  model: TwoTowerModel,
  train: Interactions,
  validation: Interactions,
  asOfMs: number,
  options: RetrievalTrainingConfig["evaluation"] = {},
  progress?: ProgressReporter,
): RetrievalEvaluation {
  const { users, items } = model.config;
  const trainLog = toLog(train, users, items);
  const testLog = toLog(validation, users, items);
  const withHeldOut = new Uint8Array(users);
  for (let j = 0; j < validation.count; j += 1) withHeldOut[validation.user[j]!] = 1;
  const candidates: number[] = [];
  for (let u = 0; u < users; u += 1) if (withHeldOut[u] === 1) candidates.push(u);
  const maxUsers = options.maxUsers ?? 2_000;
  const picks = Math.min(maxUsers, candidates.length);
  const evaluatedUsers = Int32Array.from({ length: picks }, (_, pick) => candidates[Math.floor((pick * candidates.length) / picks)]!);
  const recommenders: NamedRecommender[] = [twoTowerRecommender(model, asOfMs)];
  if (options.baselines ?? true) {
    recommenders.push({ name: "popularity", fit: fitPopularity }, { name: "coOccurrence", fit: (log) => fitCoOccurrence(log) });
  }
  progress?.start("retrieval evaluation", recommenders.length);
  const evaluation = evaluateRecommenders({
    train: trainLog,
    test: testLog,
    recommenders: recommenders.map((recommender) => ({
      name: recommender.name,
      fit: (log) => {
        progress?.increment();
        return recommender.fit(log);
      },
    })),
    ks: options.ks ?? [10, 100],
    users: evaluatedUsers,
    title: `retrieval, time split (${train.count} train / ${validation.count} validation interactions, ${picks} users)`,
  });
  progress?.stop();
  return evaluation;
}

export type SavedRetrievalArtifacts = { model: SavedArtifact; itemVectors: SavedArtifact };

/** Writes two-tower.bin and item-vectors.bin into `directory` (which must exist). */
export async function saveRetrievalArtifacts(directory: string, result: RetrievalTrainingResult): Promise<SavedRetrievalArtifacts> {
  const vocabulary = {
    userIds: result.userIds,
    itemIds: result.itemIds,
    categoryNames: result.categoryNames,
    creatorIds: result.creatorIds,
    tagNames: result.tagNames,
  };
  const model = await saveTwoTowerModel(directory, result.model, vocabulary);
  const itemVectors = await saveItemVectors(directory, {
    itemIds: result.itemIds,
    dimensions: result.dimensions,
    asOfMs: result.asOfMs,
    vectors: result.itemVectors,
  });
  return { model, itemVectors };
}
