// The published-benchmark protocol (issue 4 item 8, issue 10 item 7), as RecBole's "RO 8:1:1"
// full-ranking tables define it: positives (by default every interaction — the published ML-100K
// numbers count all ratings), each user's positives shuffled and split 80/10/10 (core's
// benchmarkSplit: per user, seeded, time ignored) or a supplied split, every model fitted on the
// 80%, and for each user a full ranking over every item not in their train or validation part,
// scored on the test part: recall@10, NDCG@10, hit@10 (plus MRR, coverage, novelty). Rows:
//   twoTower        the two-tower model trained here on the 80% (validation = the validation part)
//   popularity      most positives in the 80%
//   itemKNN         item-based kNN (RecBole's ItemKNN: cosine, each candidate's top-100 neighbours)
//   EASE            Steck's closed-form linear autoencoder (λ = 250, RecBole's default)
//   coOccurrence    the engine's co-visitation source offline (history items' own neighbours)
//   itemToItem      the item-to-item model `cascade train` ships with the config's itemToItem
//                   settings (EASE truncated to each item's strongest weights, or item kNN above
//                   maxEaseItems; itemToItemModel.ts), short lists filled with popular items
//   fused sources (offline RRF)  two-tower, co-occurrence and popularity lists fused by weighted
//                   reciprocal rank; the weights are chosen on the validation part (never on test)
//                   from a small grid. NOT the served funnel: a caller can add a replay of it (or
//                   any other model) through `extraRecommenders`, which see the same split, the
//                   trained two-tower and the same masks.
import {
  createInteractionLog,
  benchmarkSplit,
  evaluateRecommenders,
  fitCoOccurrence,
  fitEase,
  fitItemKnn,
  fitPopularity,
  type EaseOptions,
  type EvaluationReport,
  type InteractionLog,
  type ItemKnnOptions,
  type NamedRecommender,
  type Recommender,
  FINITE_SCORES,
  topKByScore,
} from "@cascade/core";
import { parsePositiveSpec, type PositiveSpec } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { ProgressReporter } from "../../telemetry/progress.ts";
import type { Interactions } from "../retrieval/interactions.ts";
import { loadRetrievalData, type RetrievalData } from "../retrieval/retrievalTraining.ts";
import { backfilledWith, fitItemToItem, fittedItemToItemRecommender } from "../../retrieval/itemToItemModel.ts";
import { computeItemVectors, computeUserVector, createTwoTowerModel, dotAll, retrievalDimensions, type TwoTowerModel } from "../../retrieval/twoTowerModel.ts";
import { trainTwoTower, type EpochReport } from "../retrieval/twoTowerTraining.ts";
import type { TrainConfig } from "./trainConfig.ts";

/** The published protocol's positives: every rating (no threshold). */
export const DEFAULT_BENCHMARK_POSITIVES: PositiveSpec = parsePositiveSpec("any");

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

/** Every positive of the whole log (by default every engagement event and every rating: the published protocol). */
export async function loadBenchmarkData(db: Database, options: { positives?: PositiveSpec; onEvents?: (read: number) => void } = {}): Promise<RetrievalData> {
  const positives = options.positives ?? DEFAULT_BENCHMARK_POSITIVES;
  const [row] = await db.$queryRaw<{ newest: Date | null }[]>`SELECT max(occurred_at) AS newest FROM events`;
  if (!row?.newest) throw new Error("the event log is empty: import data first (cascade import movielens <dir>)");
  return loadRetrievalData(db, { to: new Date(row.newest.getTime() + 1) }, { positives, ...(options.onEvents ? { onEvents: options.onEvents } : {}) });
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
      return topKByScore(scores, k, undefined, FINITE_SCORES);
    },
  };
}

/**
 * Lists of each source, computed once per user and shared by every blend being compared. Every
 * call for a user passes the same (train) history, so the cached list is valid until a longer one
 * is asked for.
 */
function memoised(recommender: Recommender, length: number): Recommender {
  const cache = new Map<number, { list: Int32Array; asked: number }>();
  return {
    recommend(user, history, k) {
      let entry = cache.get(user);
      if (!entry || (entry.asked < k && entry.list.length === entry.asked)) {
        const asked = Math.max(k, length);
        entry = { list: recommender.recommend(user, history, asked), asked };
        cache.set(user, entry);
      }
      return entry.list.length > k ? entry.list.subarray(0, k) : entry.list;
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
      const best = topKByScore(scores, k, undefined, FINITE_SCORES);
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

/** Row names of the table (the JSON results and the README use them). */
export const BENCHMARK_ROWS = {
  twoTower: "twoTower",
  popularity: "popularity",
  itemKnn: "itemKNN",
  ease: "EASE",
  coOccurrence: "coOccurrence",
  itemToItem: "itemToItem",
  fusedSources: "fused sources (offline RRF)",
} as const;

/** What a caller's recommender is built from: the split and the two-tower trained on its 80%. */
export type BenchmarkContext = {
  data: RetrievalData;
  parts: BenchmarkSplitInteractions;
  /** The train part as core's InteractionLog (the baselines' input). */
  trainLog: InteractionLog;
  twoTower: TwoTowerModel;
};

/**
 * An extra row from the caller, e.g. a replay of the served funnel: created once the two-tower is
 * trained, then ranked for each test user with their train history, under the same masks as
 * every other row (it must exclude the history it is given; validation items are masked for it).
 */
export type BenchmarkRecommender = { name: string; create(context: BenchmarkContext): Recommender };

export type ModelTiming = { name: string; fitSeconds: number; recommendSeconds: number };

export type BenchmarkResult = {
  report: EvaluationReport;
  validationReport: EvaluationReport;
  funnelWeights: FunnelWeights;
  split: { kind: "random" | "supplied"; seed: number | null; train: number; validation: number; test: number; users: number; items: number };
  epochs: EpochReport[];
  trainingSeconds: number;
  /** Per row: fit (training) time and the time spent ranking for every test user. */
  timings: ModelTiming[];
  /** Rows left out and why (e.g. EASE above its item limit). */
  notes: string[];
};

export type BenchmarkOptions = {
  config: TrainConfig;
  seed: number;
  /** A supplied split (ids already mapped onto `data`) instead of the seeded random 80/10/10. */
  split?: BenchmarkSplitInteractions;
  /** What counted as a positive, for the table's title (e.g. describePositiveRule). */
  positives?: string;
  ks?: number[];
  /** Candidates per source for the fused row. Default 200. */
  funnelDepth?: number;
  itemKnn?: ItemKnnOptions;
  ease?: EaseOptions;
  extraRecommenders?: BenchmarkRecommender[];
  progress?: ProgressReporter;
};

/** Times a row's fit and every recommend call, into `timings`. */
function timed(name: string, fit: () => Recommender, timings: ModelTiming[], fitSeconds?: number): NamedRecommender {
  return {
    name,
    fit: () => {
      const started = performance.now();
      const model = fit();
      const timing: ModelTiming = { name, fitSeconds: fitSeconds ?? (performance.now() - started) / 1000, recommendSeconds: 0 };
      timings.push(timing);
      return {
        recommend(user, history, k) {
          const begun = performance.now();
          const list = model.recommend(user, history, k);
          timing.recommendSeconds += (performance.now() - begun) / 1000;
          return list;
        },
      };
    },
  };
}

export function runBenchmarkProtocol(data: RetrievalData, options: BenchmarkOptions): BenchmarkResult {
  const { config, seed, progress } = options;
  const users = data.userIds.length;
  const items = data.itemIds.length;
  const ks = options.ks ?? [10];
  const depth = options.funnelDepth ?? 200;
  const parts = options.split ?? splitForBenchmark(data.interactions, users, items, seed);
  if (parts.train.count === 0 || parts.test.count === 0)
    throw new Error(`benchmark protocol: ${data.interactions.count} positives are too few to split 80/10/10`);

  const model = createTwoTowerModel(
    {
      users,
      items,
      categories: Math.max(1, data.categoryNames.length),
      creators: Math.max(1, data.creatorIds.length),
      tags: data.tagNames.length,
      seed,
      ...config.retrieval.model,
    },
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
  const validationLog = toInteractionLog(parts.validation, users, items);
  // The fused row's sources are memoised (the weight grid re-asks for the same lists); the
  // single-source rows below use their own un-cached instances so their timings are honest.
  const twoTowerSource = memoised(twoTowerRecommender(model, data.window.toMs), depth);
  const coOccurrenceSource = memoised(fitCoOccurrence(trainLog), depth);
  const popularitySource = memoised(fitPopularity(trainLog), depth);
  const funnel = (weights: FunnelWeights) =>
    fusionRecommender(
      [
        { recommender: twoTowerSource, weight: weights.twoTower },
        { recommender: coOccurrenceSource, weight: weights.coOccurrence },
        { recommender: popularitySource, weight: weights.popularity },
      ],
      items,
      depth,
    );

  // Fusion weights: best NDCG@k (the protocol's headline k) on the validation part, train masked.
  progress?.start("fused-sources weights on the validation split", FUNNEL_WEIGHT_GRID.length);
  const headlineK = Math.min(...ks);
  const validation = evaluateRecommenders({
    train: trainLog,
    test: validationLog,
    recommenders: FUNNEL_WEIGHT_GRID.map((weights) => ({
      name: `fused tt=${weights.twoTower} co=${weights.coOccurrence} pop=${weights.popularity}`,
      fit: () => {
        progress?.increment();
        return funnel(weights);
      },
    })),
    ks: [headlineK],
    title: "fused-sources weights, validation split",
  });
  progress?.stop();
  const ndcgColumn = validation.report.columns.indexOf(`ndcg@${headlineK}`);
  let bestIndex = 0;
  validation.report.rows.forEach((row, index) => {
    if (row.values[ndcgColumn]! > validation.report.rows[bestIndex]!.values[ndcgColumn]!) bestIndex = index;
  });
  const funnelWeights = FUNNEL_WEIGHT_GRID[bestIndex]!;

  const timings: ModelTiming[] = [];
  const notes: string[] = [];
  const rows: NamedRecommender[] = [
    timed(BENCHMARK_ROWS.twoTower, () => twoTowerRecommender(model, data.window.toMs), timings, trainingSeconds),
    timed(BENCHMARK_ROWS.popularity, () => fitPopularity(trainLog), timings),
    timed(BENCHMARK_ROWS.itemKnn, () => fitItemKnn(trainLog, options.itemKnn), timings),
  ];
  const easeMaxItems = options.ease?.maxItems ?? 10_000;
  if (items <= easeMaxItems) rows.push(timed(BENCHMARK_ROWS.ease, () => fitEase(trainLog, options.ease), timings));
  else notes.push(`EASE left out: ${items} items exceed its dense-inverse limit of ${easeMaxItems}`);
  rows.push(
    timed(BENCHMARK_ROWS.coOccurrence, () => fitCoOccurrence(trainLog), timings),
    timed(
      BENCHMARK_ROWS.itemToItem,
      () => backfilledWith(fittedItemToItemRecommender(fitItemToItem(trainLog, config.itemToItem)), fitPopularity(trainLog)),
      timings,
    ),
    timed(BENCHMARK_ROWS.fusedSources, () => funnel(funnelWeights), timings),
  );
  const context: BenchmarkContext = { data, parts, trainLog, twoTower: model };
  for (const extra of options.extraRecommenders ?? []) rows.push(timed(extra.name, () => extra.create(context), timings));

  progress?.start("benchmark rows on the test split", rows.length);
  const test = evaluateRecommenders({
    train: trainLog,
    test: toInteractionLog(parts.test, users, items),
    masked: validationLog,
    recommenders: rows.map((row) => ({
      name: row.name,
      fit: (train) => {
        progress?.increment();
        return row.fit(train);
      },
    })),
    ks,
    title: [
      `benchmark protocol (RecBole "RO 8:1:1", full ranking) — ${options.split ? "supplied split" : `per-user random 80/10/10, seed ${seed}`}`,
      `${options.positives ?? "positives as loaded"}; train + validation items masked at test`,
      `${parts.train.count} train / ${parts.validation.count} validation / ${parts.test.count} test positives, ${users} users × ${items} items`,
    ].join(" · "),
  });
  progress?.stop();
  return {
    report: test.report,
    validationReport: validation.report,
    funnelWeights,
    split: {
      kind: options.split ? "supplied" : "random",
      seed: options.split ? null : seed,
      train: parts.train.count,
      validation: parts.validation.count,
      test: parts.test.count,
      users,
      items,
    },
    epochs: training.epochs,
    trainingSeconds,
    timings,
    notes,
  };
}
