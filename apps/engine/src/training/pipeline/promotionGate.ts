// The promotion gate of scheduled retraining: a freshly trained candidate replaces the active
// version of its slot only if, on the same hold-out, it is not worse by more than a margin.
//
// "The same hold-out" is the candidate run's own validation data, scored for both models by the
// same code on the same rows:
//   retrieval  recall@K on the interactions after the candidate's time split, for every user with
//              one, history = everything before the split. The candidate is scored by its held-out
//              model (the one trained before the split; the shipped one is refitted on all data
//              and would be scored in-sample); the active version through its own vocabulary.
//   itemToItem recall@K on the same rows as retrieval: the candidate's held-out item-to-item model
//              (fitted before the split) against the active one, ids mapped through each model's
//              own item list, short lists filled with popular items for both (as in training).
//   ranker     AUC of P(click) on the candidate's validation examples (its training set's rows
//              after its validation cut; the ranker is never refitted), each model reading the
//              feature columns it declares.
// The active version may have been trained on part of that hold-out (an earlier run's window can
// reach into it): that can only flatter it, so the gate errs towards keeping what is serving.
import { evaluateRecommenders, fitPopularity, type EvaluationReport, type NamedRecommender } from "@cascade/core";
import type { Database, ModelVersion } from "@cascade/db";
import { z } from "zod";
import { assertDigest, readArtifact } from "../../models/artifactStore.ts";
import { clickMetrics } from "../ranker/clickMetrics.ts";
import { loadOnnxRanker } from "../../ranking/onnxInference.ts";
import { readTrainingSetFile } from "../ranker/trainingSetFile.ts";
import { splitByTime } from "../retrieval/interactions.ts";
import { loadItemToItemModel } from "../../retrieval/itemToItemArtifacts.ts";
import { backfilledWith } from "../../retrieval/itemToItemModel.ts";
import { loadRetrievalData, loadTwoTowerModel, type RetrievalData } from "../retrieval/retrievalTraining.ts";
import { toInteractionLog } from "./benchmarkProtocol.ts";
import { mappedItemToItemRecommender, mappedTwoTowerRecommender } from "./evaluateVersion.ts";
import type { TrainConfig } from "./trainConfig.ts";

export type GateComparison = { metric: string; candidate: number; active: number; rows: number };

/**
 * Why a ranker trained on sampled negatives (a log without impressions) is not promoted by
 * default: it learns "positive vs random item" from popularity, recency and affinity features
 * but has no retrieval-score input yet, so reranking retrieval's candidates throws away their
 * personal order. Measured through the HTTP API on MovieLens-100K (published protocol, seed 1):
 * two-tower candidates alone recall@10 0.176, reranked by such a ranker 0.081. It stays a
 * registered candidate; `cascade models promote` can still activate it.
 */
export const SAMPLED_NEGATIVE_RANKER_NOT_PROMOTED =
  "trained on sampled negatives (no impressions), which served worse than retrieval's own order on real data (MovieLens-100K: recall@10 0.176 → 0.081); it has no retrieval-score input yet";

/**
 * Why a trained two-tower must not be promoted by default, or null: on its own hold-out it does
 * not beat plain popularity at the deepest evaluated cut-off (the depth retrieval hands the
 * ranker), so serving from it would make recommendations worse than no model (seen on Last.fm
 * plays: recall@10 0.058 vs popularity 0.072). It stays registered; `cascade models promote` can
 * still activate it.
 */
export function retrievalBelowPopularity(report: EvaluationReport, twoTowerRow = "twoTower"): string | null {
  const recallColumns = report.columns
    .map((column, index) => ({ column, index, k: Number(/^recall@(\d+)$/.exec(column)?.[1]) }))
    .filter((c) => Number.isFinite(c.k));
  if (recallColumns.length === 0) return null;
  const deepest = recallColumns.reduce((a, b) => (b.k > a.k ? b : a));
  const value = (name: string) => report.rows.find((row) => row.name === name)?.values[deepest.index];
  const mine = value(twoTowerRow);
  const popular = value("popularity");
  if (mine === undefined || popular === undefined || !Number.isFinite(mine) || !Number.isFinite(popular)) return null;
  return mine > popular ? null : `${deepest.column} ${mine.toFixed(4)} on its hold-out does not beat popularity's ${popular.toFixed(4)}`;
}

/** `candidate` passes when it is at most `margin` (relative) below `active`. */
export function passesGate(comparison: Pick<GateComparison, "candidate" | "active">, margin: number): boolean {
  if (!Number.isFinite(comparison.active)) return true;
  if (!Number.isFinite(comparison.candidate)) return false;
  return comparison.candidate >= comparison.active * (1 - margin);
}

const twoTowerSplit = z.object({ split: z.object({ atMs: z.number() }) });
const rankerSplit = z.object({ split: z.object({ validationFrom: z.string() }) });

type HeldOutSplit = { data: RetrievalData; atMs: number };

/**
 * recall@K of two recommenders ("candidate" and "active") on the candidate's own time split: the
 * positives of its window, history before the split, the interactions after it held out.
 */
async function compareOnHeldOutSplit(
  db: Database,
  options: { candidate: ModelVersion; config: TrainConfig; k: number; what: string },
  recommenders: (split: HeldOutSplit) => NamedRecommender[],
): Promise<GateComparison> {
  const { candidate, config, k } = options;
  const stored = twoTowerSplit.safeParse(candidate.config);
  if (!stored.success || !candidate.trainingWindowStart || !candidate.trainingWindowEnd) throw new Error(`candidate ${candidate.id} has no stored time split`);
  const data = await loadRetrievalData(db, { from: candidate.trainingWindowStart, to: candidate.trainingWindowEnd }, { positives: config.positives });
  const atMs = stored.data.split.atMs;
  const { train, validation } = splitByTime(data.interactions, atMs);
  const users = data.userIds.length;
  const items = data.itemIds.length;
  const evaluation = evaluateRecommenders({
    train: toInteractionLog(train, users, items),
    test: toInteractionLog(validation, users, items),
    recommenders: recommenders({ data, atMs }),
    ks: [k],
    title: `promotion gate: ${options.what}`,
  });
  const column = evaluation.report.columns.indexOf(`recall@${k}`);
  const value = (name: string) => evaluation.report.rows.find((row) => row.name === name)!.values[column]!;
  return { metric: `recall@${k}`, candidate: value("candidate"), active: value("active"), rows: validation.count };
}

function assertActiveDigest(active: ModelVersion, loaded: { sha256: string }): void {
  if (loaded.sha256 !== active.artifactDigest) throw new Error(`active model ${active.id}: ${active.artifactPath} does not match its registered digest`);
}

export async function compareTwoTowers(
  db: Database,
  options: { candidate: ModelVersion; heldOutModelFile: string; active: ModelVersion; config: TrainConfig; k: number },
): Promise<GateComparison> {
  const [heldOut, current] = await Promise.all([loadTwoTowerModel(options.heldOutModelFile), loadTwoTowerModel(options.active.artifactPath)]);
  assertActiveDigest(options.active, current);
  return compareOnHeldOutSplit(db, { ...options, what: "retrieval" }, ({ data, atMs }) => [
    mappedTwoTowerRecommender("candidate", heldOut, data, atMs),
    mappedTwoTowerRecommender("active", current, data, atMs),
  ]);
}

export async function compareItemToItem(
  db: Database,
  options: { candidate: ModelVersion; heldOutModelFile: string; active: ModelVersion; config: TrainConfig; k: number },
): Promise<GateComparison> {
  const [heldOut, current] = await Promise.all([loadItemToItemModel(options.heldOutModelFile), loadItemToItemModel(options.active.artifactPath)]);
  assertActiveDigest(options.active, current);
  return compareOnHeldOutSplit(db, { ...options, what: "item-to-item" }, ({ data }) =>
    [mappedItemToItemRecommender("candidate", heldOut, data.itemIds), mappedItemToItemRecommender("active", current, data.itemIds)].map((recommender) => ({
      name: recommender.name,
      // The same popularity fill as the training run's evaluation (users without history get popular items from both).
      fit: (log) => backfilledWith(recommender.fit(log), fitPopularity(log)),
    })),
  );
}

export async function compareRankers(options: { candidate: ModelVersion; trainingSetFile: string; active: ModelVersion }): Promise<GateComparison> {
  const { candidate, active } = options;
  const split = rankerSplit.safeParse(candidate.config);
  if (!split.success) throw new Error(`candidate ${candidate.id} has no stored validation split`);
  const fromMs = Date.parse(split.data.split.validationFrom);
  const auc = async (version: ModelVersion): Promise<{ auc: number; rows: number }> => {
    const bytes = await readArtifact(version.artifactPath);
    assertDigest(version.artifactPath, bytes, version.artifactDigest);
    const examples = await readTrainingSetFile(options.trainingSetFile, { featureNames: version.features });
    const F = examples.featureNames.length;
    const rows: number[] = [];
    for (let row = 0; row < examples.rows; row += 1) if (examples.impressionAtMs[row]! >= fromMs) rows.push(row);
    const features = new Float32Array(rows.length * F);
    rows.forEach((row, i) => features.set(examples.features.subarray(row * F, (row + 1) * F), i * F));
    const ranker = await loadOnnxRanker(bytes, { featureCount: F });
    try {
      const { pClick } = await ranker.score(features, rows.length);
      const metrics = clickMetrics({
        scores: pClick,
        labels: Float32Array.from(rows, (row) => examples.click[row]!),
        groups: Int32Array.from(rows, (row) => examples.requestGroup[row]!),
        ipsWeights: null,
        k: 10,
        calibrationBins: 10,
      });
      return { auc: metrics.auc, rows: rows.length };
    } finally {
      await ranker.release();
    }
  };
  const [mine, theirs] = [await auc(candidate), await auc(active)];
  return { metric: "auc", candidate: mine.auc, active: theirs.auc, rows: mine.rows };
}
