import { auc } from "./auc.ts";
import { calibration, type Calibration } from "./calibration.ts";
import { groupedNdcgAtK } from "./groupedNdcg.ts";
import { itemPopularity, type InteractionLog } from "./interactionLog.ts";
import { ItemMarker } from "./itemSet.ts";
import { logLoss } from "./logLoss.ts";
import type { NamedRecommender } from "./recommender.ts";
import { RetrievalAccumulator, type RetrievalMetrics } from "./retrievalEvaluation.ts";
import { groupByUser, userItems } from "./userHistories.ts";

/** Table-ready: one row per model, `values[j]` is the metric named `columns[j]` (NaN = undefined). */
export interface EvaluationReport {
  title: string;
  columns: string[];
  rows: { name: string; values: number[] }[];
}

export interface RetrievalEvaluationInput {
  train: InteractionLog;
  test: InteractionLog;
  recommenders: NamedRecommender[];
  /** Cut-offs; the largest is the list length requested. Default [10, 100]. */
  ks?: number[];
  /**
   * Rows whose items are also taken out of each user's ranking and relevant set, beside their
   * train items: the benchmark protocol scores test with the validation part masked too (else a
   * user's validation items, which a good model ranks high, take top-k slots no test item can
   * win). Default none — the time protocol masks train only.
   */
  masked?: InteractionLog;
  /** Restrict to these users (e.g. a sample); default every user with a held-out item. */
  users?: ArrayLike<number>;
  title?: string;
}

export interface RetrievalEvaluation {
  report: EvaluationReport;
  metrics: { name: string; metrics: RetrievalMetrics }[];
}

export function retrievalColumns(ks: readonly number[]): string[] {
  const columns = ["users", "mrr"];
  for (const k of [...ks].sort((a, b) => a - b)) {
    columns.push(`recall@${k}`, `precision@${k}`, `ndcg@${k}`, `hit@${k}`, `coverage@${k}`, `novelty@${k}`);
  }
  return columns;
}

function retrievalValues(m: RetrievalMetrics): number[] {
  const values = [m.users, m.mrr];
  for (const a of m.atK) values.push(a.recall, a.precision, a.ndcg, a.hitRate, a.coverage, a.novelty);
  return values;
}

/**
 * Fits every recommender on the same train split and scores them on the same test split with the
 * same metrics, so baselines and models sit in one comparable table. A user's relevant items are
 * their test items minus their train (and `masked`) items: an item the user already had cannot be
 * recommended (recommenders exclude history; masked items are filtered here), so counting it would
 * only lower every row equally. Metrics follow RecBole's full-ranking definitions: recall@k = hits /
 * |relevant|, NDCG@k with the ideal DCG over min(|relevant|, k) hits, hit@k, MRR, averaged over
 * users with at least one relevant item.
 */
export function evaluateRecommenders(input: RetrievalEvaluationInput): RetrievalEvaluation {
  const { train, test } = input;
  const { masked } = input;
  if (
    train.numItems !== test.numItems ||
    train.numUsers !== test.numUsers ||
    (masked && (masked.numItems !== train.numItems || masked.numUsers !== train.numUsers))
  ) {
    throw new Error("evaluateRecommenders: train, test and masked must share user and item id spaces");
  }
  const ks = input.ks ?? [10, 100];
  const maxK = Math.max(...ks);
  const counts = itemPopularity(train);
  const trainHistories = groupByUser(train);
  const testHistories = groupByUser(test);
  const relevant = new ItemMarker(train.numItems);
  const trainSeen = new ItemMarker(train.numItems);
  const maskedHistories = masked ? groupByUser(masked) : null;
  const maskedSeen = new ItemMarker(train.numItems);
  const kept = new Int32Array(maxK);
  const userCount = input.users?.length ?? train.numUsers;

  const metrics = input.recommenders.map(({ name, fit }) => {
    const model = fit(train);
    const accumulator = new RetrievalAccumulator(ks, train.numItems, counts);
    for (let x = 0; x < userCount; x++) {
      const u = input.users ? input.users[x]! : x;
      if (!(u >= 0 && u < train.numUsers)) throw new Error(`evaluateRecommenders: user ${u} outside [0, ${train.numUsers})`);
      const held = userItems(testHistories, u);
      if (held.length === 0) continue;
      const history = userItems(trainHistories, u);
      trainSeen.clear();
      for (let i = 0; i < history.length; i++) trainSeen.add(history[i]!);
      maskedSeen.clear();
      const extra = maskedHistories ? userItems(maskedHistories, u) : null;
      if (extra) for (let i = 0; i < extra.length; i++) if (!trainSeen.has(extra[i]!)) maskedSeen.add(extra[i]!);
      relevant.clear();
      for (let i = 0; i < held.length; i++) if (!trainSeen.has(held[i]!) && !maskedSeen.has(held[i]!)) relevant.add(held[i]!);
      if (relevant.size === 0) continue;
      if (maskedSeen.size === 0) {
        accumulator.add(model.recommend(u, history, maxK), relevant);
        continue;
      }
      // The model sees the train history only; asking for |masked| more and dropping the masked
      // items gives exactly its top maxK over the items outside train ∪ masked.
      const list = model.recommend(u, history, maxK + maskedSeen.size);
      let n = 0;
      for (let i = 0; i < list.length && n < maxK; i++) if (!maskedSeen.has(list[i]!)) kept[n++] = list[i]!;
      accumulator.add(kept.subarray(0, n), relevant);
    }
    return { name, metrics: accumulator.result() };
  });
  return {
    report: {
      title: input.title ?? "retrieval",
      columns: retrievalColumns(ks),
      rows: metrics.map(({ name, metrics: m }) => ({ name, values: retrievalValues(m) })),
    },
    metrics,
  };
}

export interface ScoredModel {
  name: string;
  /** Predicted probability per labelled row, same order as `labels`. */
  predictions: ArrayLike<number>;
}

export interface RankingEvaluationInput {
  /** 0/1 outcome per row (e.g. clicked). */
  labels: ArrayLike<number>;
  /** Group per row (e.g. request id) for NDCG of the ranked list; omit to skip NDCG. */
  groups?: ArrayLike<number>;
  models: ScoredModel[];
  ndcgK?: number;
  calibrationBins?: number;
  title?: string;
}

export interface RankingEvaluation {
  report: EvaluationReport;
  /** Per model, the reliability bins behind the ECE column (for a calibration chart). */
  calibration: { name: string; calibration: Calibration }[];
}

/** AUC, log loss, ECE and grouped NDCG@K for several scorers of the same labelled rows. */
export function evaluateScorers(input: RankingEvaluationInput): RankingEvaluation {
  const k = input.ndcgK ?? 10;
  const columns = ["rows", "auc", "logLoss", "ece"];
  if (input.groups) columns.push(`ndcg@${k}`);
  const calibrations: RankingEvaluation["calibration"] = [];
  const rows = input.models.map(({ name, predictions }) => {
    const cal = calibration(predictions, input.labels, input.calibrationBins ?? 10);
    calibrations.push({ name, calibration: cal });
    const values = [input.labels.length, auc(predictions, input.labels), logLoss(predictions, input.labels), cal.ece];
    if (input.groups) values.push(groupedNdcgAtK(input.groups, predictions, input.labels, k).ndcg);
    return { name, values };
  });
  return { report: { title: input.title ?? "ranking", columns, rows }, calibration: calibrations };
}
