// The published-benchmark protocol (issue 4, item 8): positives only (a rating of at least
// `positiveRating` stars, or an implicit positive event), each user's positives shuffled and split
// 80/10/10 (core's benchmarkSplit: per user, seeded, time ignored), every model fitted on the 80%,
// and for each user a full ranking over every item not in their 80% scored on the 10% test part:
// recall@10, NDCG@10, hit@10 (plus MRR, coverage, novelty). Compared on that same split:
//   twoTower      the two-tower model trained here on the 80% (validation = the 10% validation part)
//   popularity    most positives in the 80%
//   coOccurrence  item-to-item binary-cosine co-occurrence
//   funnel        the engine's candidate sources merged and re-scored: two-tower, co-visitation and
//                 trending lists fused by weighted reciprocal rank; the weights are chosen on the
//                 validation part (never on test) from a small grid.
import {
  createInteractionLog,
  benchmarkSplit,
  evaluateRecommenders,
  fitCoOccurrence,
  fitPopularity,
  type EvaluationReport,
  type InteractionLog,
  type NamedRecommender,
  type Recommender,
} from "@cascade/core";
import type { Database } from "@cascade/db";
import type { ProgressReporter } from "../../cli/progress.ts";
import { POSITIVE_EVENT_TYPES, type Interactions } from "../../retrieval/interactions.ts";
import { loadRetrievalData, type RetrievalData } from "../../retrieval/retrievalTraining.ts";
import { topK } from "../../retrieval/topK.ts";
import { computeItemVectors, computeUserVector, createTwoTowerModel, dotAll, retrievalDimensions, type TwoTowerModel } from "../../retrieval/twoTowerModel.ts";
import { trainTwoTower, type EpochReport } from "../../retrieval/twoTowerTraining.ts";
import type { TrainConfig } from "./trainConfig.ts";

/** MovieLens convention (apps/engine/src/import/movieLens.ts MOVIELENS_POSITIVE_RATING). */
export const DEFAULT_POSITIVE_RATING = 4;

export type BenchmarkSplitInteractions = { train: Interactions; validation: Interactions; test: Interactions };

function select(interactions: Interactions, rows: Int32Array): Interactions {
  // Ascending row order keeps each part in time order (the trainer's history pooling relies on it).
  const sorted = Int32Array.from(rows).sort();
  const pick = <T extends Int32Array | Float64Array>(column: T): T => {
    const out = new (column.constructor as new (n: number) => T)(sorted.length);
    for (let i = 0; i < sorted.length; i += 1) out[i] = column[sorted[i]!]!;
    return out;
  };
  return { count: sorted.length, user: pick(interactions.user), item: pick(interactions.item), timeMs: pick(interactions.timeMs) };
}

export function toInteractionLog(interactions: Interactions, users: number, items: number): InteractionLog {
  return createInteractionLog({ users: interactions.user, items: interactions.item, timestamps: interactions.timeMs }, { numUsers: users, numItems: items });
}

/** Per-user random 80/10/10 of distinct (user, item) positives; the parts never share a pair. */
export function splitForBenchmark(interactions: Interactions, users: number, items: number, seed: number): BenchmarkSplitInteractions {
  const split = benchmarkSplit(toInteractionLog(interactions, users, items), { seed, validationShare: 0.1, testShare: 0.1 });
  return { train: select(interactions, split.train), validation: select(interactions, split.validation), test: select(interactions, split.test) };
}

/**
 * Every positive of the whole log: implicit positive events, plus ratings of at least
 * `positiveRating` stars; a (user, item) pair with a lower rating is not a positive.
 */
export async function loadBenchmarkData(db: Database, options: { positiveRating?: number; onEvents?: (read: number) => void } = {}): Promise<RetrievalData> {
  const threshold = options.positiveRating ?? DEFAULT_POSITIVE_RATING;
  const [row] = await db.$queryRaw<{ newest: Date | null }[]>`SELECT max(occurred_at) AS newest FROM events`;
  if (!row?.newest) throw new Error("the event log is empty: import data first (cascade import movielens <dir>)");
  const data = await loadRetrievalData(
    db,
    { to: new Date(row.newest.getTime() + 1) },
    { positiveTypes: [...POSITIVE_EVENT_TYPES, "rating"], ...(options.onEvents ? { onEvents: options.onEvents } : {}) },
  );
  const low = await db.$queryRaw<{ userId: string; itemId: string }[]>`
    SELECT DISTINCT user_id AS "userId", item_id AS "itemId" FROM events WHERE type = 'rating' AND (value IS NULL OR value < ${threshold})`;
  if (low.length === 0) return data;
  const userIndex = new Map(data.userIds.map((id, index) => [id, index]));
  const itemIndex = new Map(data.itemIds.map((id, index) => [id, index]));
  const negative = new Set<number>();
  for (const pair of low) {
    const u = userIndex.get(pair.userId);
    const i = itemIndex.get(pair.itemId);
    if (u !== undefined && i !== undefined) negative.add(u * 67_108_864 + i);
  }
  const keep: number[] = [];
  const { interactions } = data;
  for (let j = 0; j < interactions.count; j += 1) if (!negative.has(interactions.user[j]! * 67_108_864 + interactions.item[j]!)) keep.push(j);
  return { ...data, interactions: select(interactions, Int32Array.from(keep)) };
}

function twoTowerRecommender(model: TwoTowerModel, asOfMs: number): Recommender {
  const width = retrievalDimensions(model);
  const itemVectors = computeItemVectors(model, asOfMs);
  const userVector = new Float32Array(width);
  const scores = new Float32Array(model.config.items);
  return {
    recommend(user, history, k) {
      computeUserVector(model, user, history, userVector);
      dotAll(itemVectors, width, userVector, scores);
      for (let h = 0; h < history.length; h += 1) scores[history[h]!] = -Infinity;
      return topK(scores, k).ids;
    },
  };
}

/** Lists of each source, computed once per user and shared by every blend being compared. */
function memoised(recommender: Recommender, length: number): Recommender {
  const cache = new Map<number, Int32Array>();
  return {
    recommend(user, history, k) {
      let list = cache.get(user);
      if (!list) {
        list = recommender.recommend(user, history, Math.max(k, length));
        cache.set(user, list);
      }
      return list.length > k ? list.subarray(0, k) : list;
    },
  };
}

export type FunnelWeights = { twoTower: number; coOccurrence: number; popularity: number };

/** Weighted reciprocal-rank fusion of the sources' top-`depth` lists (RRF constant 60). */
export function fusionRecommender(sources: { recommender: Recommender; weight: number }[], items: number, depth: number): Recommender {
  const scores = new Float32Array(items).fill(-Infinity);
  const touched: number[] = [];
  return {
    recommend(user, history, k) {
      for (const { recommender, weight } of sources) {
        if (weight === 0) continue;
        const list = recommender.recommend(user, history, depth);
        for (let rank = 0; rank < list.length; rank += 1) {
          const item = list[rank]!;
          if (scores[item] === -Infinity) {
            scores[item] = 0;
            touched.push(item);
          }
          scores[item]! += weight / (60 + rank + 1);
        }
      }
      const best = topK(scores, k).ids;
      for (const item of touched) scores[item] = -Infinity;
      touched.length = 0;
      return best;
    },
  };
}

export const FUNNEL_WEIGHT_GRID: readonly FunnelWeights[] = (() => {
  const grid: FunnelWeights[] = [];
  for (const coOccurrence of [0, 0.25, 0.5, 1, 2, 4]) for (const popularity of [0, 0.25, 0.5, 1]) grid.push({ twoTower: 1, coOccurrence, popularity });
  return grid;
})();

export type BenchmarkResult = {
  report: EvaluationReport;
  validationReport: EvaluationReport;
  funnelWeights: FunnelWeights;
  split: { train: number; validation: number; test: number; users: number; items: number };
  epochs: EpochReport[];
  trainingSeconds: number;
};

export type BenchmarkOptions = {
  config: TrainConfig;
  seed: number;
  ks?: number[];
  /** Candidates per source for the funnel. Default 200. */
  funnelDepth?: number;
  progress?: ProgressReporter;
};

export function runBenchmarkProtocol(data: RetrievalData, options: BenchmarkOptions): BenchmarkResult {
  const { config, seed, progress } = options;
  const users = data.userIds.length;
  const items = data.itemIds.length;
  const ks = options.ks ?? [10];
  const depth = options.funnelDepth ?? 200;
  const parts = splitForBenchmark(data.interactions, users, items, seed);
  if (parts.train.count === 0 || parts.test.count === 0) throw new Error(`benchmark protocol: ${data.interactions.count} positives are too few to split 80/10/10`);

  const model = createTwoTowerModel(
    { users, items, categories: Math.max(1, data.categoryNames.length), creators: Math.max(1, data.creatorIds.length), tags: data.tagNames.length, seed, ...config.retrieval.model },
    data.items,
    data.follows,
  );
  const epochs = config.retrieval.training.epochs ?? 4;
  let lastDone = 0;
  let stage = 0;
  const started = performance.now();
  const training = trainTwoTower(model, parts.train, parts.validation, {
    ...config.retrieval.training,
    seed,
    validationAsOfMs: data.window.toMs,
    onProgress: (p) => {
      if (p.epoch !== stage) {
        stage = p.epoch;
        lastDone = 0;
        progress?.start(`two-tower (80% split) epoch ${p.epoch}/${epochs}`, p.total);
      }
      progress?.increment(p.done - lastDone);
      lastDone = p.done;
    },
    onEpoch: () => progress?.stop(),
  });
  const trainingSeconds = (performance.now() - started) / 1000;

  const trainLog = toInteractionLog(parts.train, users, items);
  const twoTower = memoised(twoTowerRecommender(model, data.window.toMs), depth);
  const coOccurrence = memoised(fitCoOccurrence(trainLog), depth);
  const popularity = memoised(fitPopularity(trainLog), depth);
  const funnel = (weights: FunnelWeights) =>
    fusionRecommender(
      [
        { recommender: twoTower, weight: weights.twoTower },
        { recommender: coOccurrence, weight: weights.coOccurrence },
        { recommender: popularity, weight: weights.popularity },
      ],
      items,
      depth,
    );
  const fixed = (recommender: Recommender) => () => recommender;
  const named = (name: string, recommender: Recommender): NamedRecommender => ({ name, fit: fixed(recommender) });

  // Funnel weights: best NDCG@k (the protocol's headline k) on the validation part.
  progress?.start("funnel weights on the validation split", FUNNEL_WEIGHT_GRID.length);
  const headlineK = Math.min(...ks);
  const validation = evaluateRecommenders({
    train: trainLog,
    test: toInteractionLog(parts.validation, users, items),
    recommenders: FUNNEL_WEIGHT_GRID.map((weights) => ({
      name: `funnel tt=${weights.twoTower} co=${weights.coOccurrence} pop=${weights.popularity}`,
      fit: () => {
        progress?.increment();
        return funnel(weights);
      },
    })),
    ks: [headlineK],
    title: "funnel weights, validation split",
  });
  progress?.stop();
  const ndcgColumn = validation.report.columns.indexOf(`ndcg@${headlineK}`);
  let bestIndex = 0;
  validation.report.rows.forEach((row, index) => {
    if (row.values[ndcgColumn]! > validation.report.rows[bestIndex]!.values[ndcgColumn]!) bestIndex = index;
  });
  const funnelWeights = FUNNEL_WEIGHT_GRID[bestIndex]!;

  const test = evaluateRecommenders({
    train: trainLog,
    test: toInteractionLog(parts.test, users, items),
    recommenders: [named("twoTower", twoTower), named("popularity", popularity), named("coOccurrence", coOccurrence), named("funnel", funnel(funnelWeights))],
    ks,
    title: `benchmark protocol: per-user random 80/10/10 (seed ${seed}), full ranking over unseen items — ${parts.train.count} train / ${parts.validation.count} validation / ${parts.test.count} test positives, ${users} users × ${items} items`,
  });
  return {
    report: test.report,
    validationReport: validation.report,
    funnelWeights,
    split: { train: parts.train.count, validation: parts.validation.count, test: parts.test.count, users, items },
    epochs: training.epochs,
    trainingSeconds,
  };
}
