// `cascade eval --protocol time`: re-evaluates a registered version on the data as it is now.
// The test period is what happened after the version's training window (a true holdout); when
// nothing has happened since, it is the training run's own validation period — only for a model
// fitted on the data before it (a two-tower refitted on all data is refused: that would be
// in-sample; the ranker is never refitted). Baselines are fitted on the
// data before the test period and scored on the same rows with the same metrics.
//   two_tower: two-tower (ids mapped between the model's vocabulary and today's data; items new
//              since training cannot be retrieved) vs popularity and co-occurrence
//   item_item: the item-to-item model (ids mapped likewise; short lists filled with popular items,
//              as in training) vs popularity and co-occurrence, on the positives it was trained on
//   ranker:    the registered ONNX ranker vs a logistic regression fitted on the impressions
//              before the test period, on a fresh point-in-time-correct training set
import {
  evaluateRecommenders,
  fitCoOccurrence,
  fitPopularity,
  positiveSpecSchema,
  type EvaluationReport,
  type NamedRecommender,
  type PositiveSpec,
  FINITE_SCORES,
  topKByScore,
} from "@cascade/core";
import type { Database, ModelVersion } from "@cascade/db";
import { z } from "zod";
import { silentProgress, type ProgressReporter } from "../../telemetry/progress.ts";
import { assertDigest, readArtifact } from "../../models/artifactStore.ts";
import { clickMetrics, type ClickMetrics } from "../ranker/clickMetrics.ts";
import { inversePropensityWeights } from "../ranker/inversePropensityWeights.ts";
import { predictLogisticRegression, trainLogisticRegression } from "../ranker/logisticRegression.ts";
import { loadOnnxRanker } from "../../ranking/onnxInference.ts";
import { readTrainingSetFile } from "../ranker/trainingSetFile.ts";
import { splitByTime, type Interactions } from "../retrieval/interactions.ts";
import { loadItemToItemModel, type LoadedItemToItemModel } from "../../retrieval/itemToItemArtifacts.ts";
import { backfilledWith, fittedItemToItemRecommender, ITEM_TO_ITEM_ROW } from "../../retrieval/itemToItemModel.ts";
import { loadRetrievalData, loadTwoTowerModel, type LoadedRetrievalModel, type RetrievalData } from "../retrieval/retrievalTraining.ts";
import { computeItemVectors, computeUserVector, dotAll, retrievalDimensions } from "../../retrieval/twoTowerModel.ts";
import { newestEventTime } from "../dataset/eventLog.ts";
import { toInteractionLog } from "./benchmarkProtocol.ts";
import { fingerprintData } from "./dataWindow.ts";
import { stepDigest } from "./digest.ts";
import type { TrainConfig } from "./trainConfig.ts";
import { TRAINING_SET_FILE, planRankerExamples, trainingSetStep } from "./trainSteps.ts";

export type VersionEvaluation = {
  version: ModelVersion;
  report: EvaluationReport;
  testPeriod: { from: string; to: string; rule: "after-window" | "training-validation" };
};

const storedSplit = z.object({
  positives: positiveSpecSchema.optional(),
  split: z.object({ atMs: z.number() }).optional(),
  refit: z.object({ interactions: z.number() }).nullish(),
  ranker: z.object({ ndcgK: z.number().optional(), ipsWeighting: z.object({ clip: z.number() }).optional() }).optional(),
});

/** The positive spec a retrieval version was trained with (undefined: the loader's default). */
export function storedPositives(version: ModelVersion): PositiveSpec | undefined {
  const stored = storedSplit.safeParse(version.config);
  return stored.success ? stored.data.positives : undefined;
}

const rankerSplit = z.object({ split: z.object({ validationFrom: z.string() }) });

/** Up to `maxUsers` of the users with a test interaction, evenly spaced in index order (deterministic). */
export function evenlySpacedTestUsers(test: Interactions, users: number, maxUsers: number): Int32Array {
  const held = new Uint8Array(users);
  for (let j = 0; j < test.count; j += 1) held[test.user[j]!] = 1;
  const candidates: number[] = [];
  for (let u = 0; u < users; u += 1) if (held[u] === 1) candidates.push(u);
  const picks = Math.min(maxUsers, candidates.length);
  return Int32Array.from({ length: picks }, (_, pick) => candidates[Math.floor((pick * candidates.length) / picks)]!);
}

export function windowOf(version: ModelVersion): { from: Date; to: Date } {
  if (!version.trainingWindowStart || !version.trainingWindowEnd)
    throw new Error(`model ${version.id} has no training window: it was not trained by cascade train`);
  return { from: version.trainingWindowStart, to: version.trainingWindowEnd };
}

/**
 * A registered two-tower as a recommender over `data`'s dense ids: ids are mapped through the
 * model's vocabulary (users and items it never saw get no embedding of their own; unseen items
 * cannot be retrieved), item vectors as of `asOfMs`, the user's history excluded.
 */
export function mappedTwoTowerRecommender(
  name: string,
  loaded: LoadedRetrievalModel,
  data: Pick<RetrievalData, "userIds" | "itemIds">,
  asOfMs: number,
): NamedRecommender {
  const items = data.itemIds.length;
  const modelUser = new Map(loaded.userIds.map((id, index) => [id, index]));
  const modelItem = new Map(loaded.itemIds.map((id, index) => [id, index]));
  const userMap = Int32Array.from(data.userIds, (id) => modelUser.get(id) ?? -1);
  const itemMap = Int32Array.from(data.itemIds, (id) => modelItem.get(id) ?? -1);
  const model = loaded.model;
  const width = retrievalDimensions(model);
  return {
    name,
    fit: () => {
      const vectors = computeItemVectors(model, asOfMs);
      const userVector = new Float32Array(width);
      const modelScores = new Float32Array(model.config.items);
      const scores = new Float32Array(items);
      return {
        recommend(user, history, k) {
          const known: number[] = [];
          for (const item of history) if (itemMap[item]! >= 0) known.push(itemMap[item]!);
          computeUserVector(model, userMap[user]!, known, userVector);
          dotAll(vectors, width, userVector, modelScores);
          for (let i = 0; i < items; i += 1) scores[i] = itemMap[i]! >= 0 ? modelScores[itemMap[i]!]! : -Infinity;
          for (const item of history) scores[item] = -Infinity;
          return topKByScore(scores, k, undefined, FINITE_SCORES);
        },
      };
    },
  };
}

type StoredRetrievalSplit =
  { success: true; data: { split?: { atMs: number } | undefined; refit?: { interactions: number } | null | undefined } } | { success: false };

/**
 * The test period of a retrieval version: what happened after its training window; when nothing
 * has, its training run's own validation period — unless the shipped model was refitted on that
 * period too (then scoring it there would be in-sample, and it is refused).
 */
function retrievalTestPeriod(
  version: ModelVersion,
  window: { to: Date },
  timesMs: Float64Array,
  stored: StoredRetrievalSplit,
): { splitAtMs: number; rule: VersionEvaluation["testPeriod"]["rule"] } {
  const afterWindow = window.to.getTime();
  if (timesMs.some((t) => t >= afterWindow)) return { splitAtMs: afterWindow, rule: "after-window" };
  if (!stored.success || !stored.data.split)
    throw new Error(`model ${version.id}: no interactions after its training window and no stored validation split to fall back on`);
  if (stored.data.refit) {
    throw new Error(
      `model ${version.id} was refitted on every interaction of its window, and nothing has happened since ${window.to.toISOString()}: there is no out-of-sample period to evaluate it on yet (its held-out metrics are stored with the version: cascade models list)`,
    );
  }
  return { splitAtMs: stored.data.split.atMs, rule: "training-validation" };
}

/**
 * The positives of a retrieval version's window up to the newest event, read with the positive
 * definition the version was trained with (a two-tower trained on ratings must be scored on them).
 */
async function retrievalDataSince(db: Database, window: { from: Date }, positives: PositiveSpec | undefined) {
  const now = await newestEventTime(db);
  const data = await loadRetrievalData(db, { from: window.from, to: now }, positives ? { positives } : {});
  return { data, now };
}

type RetrievalEvaluationOptions = { ks?: number[]; maxUsers?: number; progress?: ProgressReporter };

/**
 * The time-protocol table of a retrieval version: its row (built by `modelRow` on today's data,
 * as of the split) beside popularity and co-occurrence, on the users with a test interaction.
 */
async function evaluateRetrievalVersion(
  db: Database,
  version: ModelVersion,
  options: RetrievalEvaluationOptions,
  table: { label: string; titleSuffix: string; modelRow: (data: RetrievalData, splitAtMs: number) => NamedRecommender },
): Promise<VersionEvaluation> {
  const progress = options.progress ?? silentProgress;
  const window = windowOf(version);
  const stored = storedSplit.safeParse(version.config);
  const { data, now } = await retrievalDataSince(db, window, stored.success ? stored.data.positives : undefined);
  const { splitAtMs, rule } = retrievalTestPeriod(version, window, data.interactions.timeMs, stored);
  const { train, validation } = splitByTime(data.interactions, splitAtMs);
  const users = data.userIds.length;
  const items = data.itemIds.length;
  const sample = evenlySpacedTestUsers(validation, users, options.maxUsers ?? 2_000);
  const recommenders: NamedRecommender[] = [
    table.modelRow(data, splitAtMs),
    { name: "popularity", fit: fitPopularity },
    { name: "coOccurrence", fit: (log) => fitCoOccurrence(log) },
  ];
  progress.start(table.label, recommenders.length);
  const evaluation = evaluateRecommenders({
    train: toInteractionLog(train, users, items),
    test: toInteractionLog(validation, users, items),
    recommenders: recommenders.map((r) => ({ name: r.name, fit: (log) => (progress.increment(), r.fit(log)) })),
    ks: options.ks ?? [10, 100],
    users: sample,
    title: `${version.name} v${version.version} (${version.id}), time split at ${new Date(splitAtMs).toISOString()} (${rule === "after-window" ? "after its training window" : "its training run's validation period"}): ${train.count} train / ${validation.count} test interactions, ${sample.length} users${table.titleSuffix}`,
  });
  progress.stop();
  return { version, report: evaluation.report, testPeriod: { from: new Date(splitAtMs).toISOString(), to: now.toISOString(), rule } };
}

export async function evaluateTwoTowerVersion(db: Database, version: ModelVersion, options: RetrievalEvaluationOptions = {}): Promise<VersionEvaluation> {
  const loaded = await loadTwoTowerModel(version.artifactPath);
  if (loaded.sha256 !== version.artifactDigest) throw new Error(`model ${version.id}: ${version.artifactPath} does not match its registered digest`);
  return evaluateRetrievalVersion(db, version, options, {
    label: "retrieval evaluation",
    titleSuffix: "",
    modelRow: (data, splitAtMs) => mappedTwoTowerRecommender("twoTower", loaded, data, splitAtMs),
  });
}

/** A stored item-to-item model as a recommender over `itemIds` (data indices): items it never saw neither seed nor come back. */
export function mappedItemToItemRecommender(name: string, loaded: LoadedItemToItemModel, itemIds: readonly string[]): NamedRecommender {
  const rowOf = new Map(loaded.itemIds.map((id, row) => [id, row]));
  const modelRow = Int32Array.from(itemIds, (id) => rowOf.get(id) ?? -1);
  const dataIndex = new Int32Array(loaded.items).fill(-1);
  modelRow.forEach((row, index) => {
    if (row >= 0) dataIndex[row] = index;
  });
  return {
    name,
    fit: () => {
      const inner = fittedItemToItemRecommender(loaded);
      return {
        recommend(user, history, k) {
          const seeds = Int32Array.from(history, (item) => modelRow[item]!).filter((row) => row >= 0);
          return inner
            .recommend(user, seeds, k + seeds.length)
            .map((row) => dataIndex[row]!)
            .filter((index) => index >= 0)
            .slice(0, k);
        },
      };
    },
  };
}

export async function evaluateItemToItemVersion(db: Database, version: ModelVersion, options: RetrievalEvaluationOptions = {}): Promise<VersionEvaluation> {
  const loaded = await loadItemToItemModel(version.artifactPath);
  if (loaded.sha256 !== version.artifactDigest) throw new Error(`model ${version.id}: ${version.artifactPath} does not match its registered digest`);
  return evaluateRetrievalVersion(db, version, options, {
    label: "item-to-item evaluation",
    titleSuffix: "; popular items fill short item-to-item lists",
    modelRow: (data) => {
      const mapped = mappedItemToItemRecommender(ITEM_TO_ITEM_ROW, loaded, data.itemIds);
      return { name: ITEM_TO_ITEM_ROW, fit: (log) => backfilledWith(mapped.fit(log), fitPopularity(log)) };
    },
  });
}

export async function evaluateRankerVersion(
  db: Database,
  version: ModelVersion,
  options: { config: TrainConfig; dataDir: string; workDir: string; progress?: ProgressReporter },
): Promise<VersionEvaluation> {
  const progress = options.progress ?? silentProgress;
  const window = windowOf(version);
  const bytes = await readArtifact(version.artifactPath);
  assertDigest(version.artifactPath, bytes, version.artifactDigest);
  const now = await newestEventTime(db);
  const config = options.config;
  const evalWindow = { from: window.from, to: now };
  const fingerprint = await fingerprintData(db, new Date(now.getTime() + config.trainingSet.labelWindowMinutes * 60_000));
  const plan = await planRankerExamples({ db, config, window: evalWindow });
  if (plan.kind === "none") throw new Error(`model ${version.id}: ${plan.reason}`);
  const trainingSet = await trainingSetStep({ db, config, window: evalWindow, fingerprint, workDir: options.workDir, progress }, plan);
  const examples = await readTrainingSetFile(trainingSet.files[TRAINING_SET_FILE]!.path, { featureNames: version.features });

  let splitAtMs = window.to.getTime();
  let rule: VersionEvaluation["testPeriod"]["rule"] = "after-window";
  if (!examples.impressionAtMs.some((t) => t >= splitAtMs)) {
    const stored = rankerSplit.safeParse(version.config);
    if (!stored.success) throw new Error(`model ${version.id}: no impressions after its training window and no stored validation split to fall back on`);
    splitAtMs = Date.parse(stored.data.split.validationFrom);
    rule = "training-validation";
  }
  const F = examples.featureNames.length;
  const gapMs = config.trainingSet.labelWindowMinutes * 60_000;
  const trainRows: number[] = [];
  const testRows: number[] = [];
  for (let row = 0; row < examples.rows; row += 1) {
    const at = examples.impressionAtMs[row]!;
    if (at >= splitAtMs) testRows.push(row);
    else if (at < splitAtMs - gapMs) trainRows.push(row);
  }
  if (trainRows.length === 0 || testRows.length === 0)
    throw new Error(
      `model ${version.id}: ${trainRows.length} impressions before and ${testRows.length} after ${new Date(splitAtMs).toISOString()}: cannot evaluate`,
    );
  const gather = (rows: number[]) => {
    const features = new Float32Array(rows.length * F);
    rows.forEach((row, i) => features.set(examples.features.subarray(row * F, (row + 1) * F), i * F));
    return {
      features,
      click: Float32Array.from(rows, (row) => examples.click[row]!),
      groups: Int32Array.from(rows, (row) => examples.requestGroup[row]!),
      propensity: Float64Array.from(rows, (row) => examples.propensity[row]!),
    };
  };
  const trainPart = gather(trainRows);
  const testPart = gather(testRows);
  const ranker = await loadOnnxRanker(bytes, { featureCount: F });
  let rankerClick: Float32Array;
  try {
    rankerClick = (await ranker.score(testPart.features, testRows.length)).pClick;
  } finally {
    await ranker.release();
  }
  const lr = trainLogisticRegression(examples.featureNames, trainPart.features, trainPart.click, undefined);
  const lrClick = predictLogisticRegression(lr, testPart.features, testRows.length);
  const stored = storedSplit.safeParse(version.config);
  const k = (stored.success ? stored.data.ranker?.ndcgK : undefined) ?? 10;
  const hasPropensity = testPart.propensity.some((p) => p > 0);
  const ipsWeights = hasPropensity
    ? inversePropensityWeights(testPart.propensity, (stored.success ? stored.data.ranker?.ipsWeighting?.clip : undefined) ?? 20).weights
    : null;
  const metrics = (scores: ArrayLike<number>): ClickMetrics =>
    clickMetrics({ scores, labels: testPart.click, groups: testPart.groups, ipsWeights, k, calibrationBins: 10 });
  const values = (m: ClickMetrics) => [m.rows, m.auc, m.logLoss, m.ece, m.ndcgAtK, m.ipsAuc ?? Number.NaN, m.ipsLogLoss ?? Number.NaN];
  return {
    version,
    report: {
      title: `${version.name} v${version.version} (${version.id}), P(click) on ${testRows.length} impressions from ${new Date(splitAtMs).toISOString()} (${rule === "after-window" ? "after its training window" : "its training run's validation period"}); logistic regression fitted on the ${trainRows.length} before`,
      columns: ["rows", "auc", "logLoss", "ece", `ndcg@${k}`, "ipsAuc", "ipsLogLoss"],
      rows: [
        { name: "ranker", values: values(metrics(rankerClick)) },
        { name: "logisticRegression", values: values(metrics(lrClick)) },
      ],
    },
    testPeriod: { from: new Date(splitAtMs).toISOString(), to: now.toISOString(), rule },
  };
}

/** Digest of a benchmark run's inputs, printed with its report so runs can be matched up. */
export function benchmarkRunDigest(config: TrainConfig, seed: number, fingerprint: unknown): string {
  return stepDigest("benchmark", { retrieval: config.retrieval, seed, fingerprint });
}
