// The two-tower trainer on a tiny synthetic world where taste is everything: items fall in
// clusters, each user draws 90% of their items uniformly from one favourite cluster, so there is
// no popularity to exploit and a model that learns taste must beat popularity by a wide margin.
// Tests assert that it learns (loss falls, recall ≫ random and > popularity), is deterministic
// by seed, and that each part (bias, logQ) can be switched off.
import { describe, expect, it } from "vitest";
import { createRandom } from "@cascade/core";
import { itemCounts, recallAtK, splitByTime, type Interactions } from "./interactions.ts";
import { computeItemVectors, createTwoTowerModel, retrievalDimensions, type TwoTowerModel } from "../../retrieval/twoTowerModel.ts";
import { trainTwoTower, twoTowerRecall, type TrainingReport } from "./twoTowerTraining.ts";

const CLUSTERS = 8;
const ITEMS_PER_CLUSTER = 40;
const ITEMS = CLUSTERS * ITEMS_PER_CLUSTER;
const USERS = 240;
const PER_USER = 24;
const K = 20;

/** Interactions in time order; user u's favourite cluster is u mod CLUSTERS; item i is in cluster i mod CLUSTERS. */
function tasteWorld(seed: number): Interactions {
  const random = createRandom(seed);
  const rows: { user: number; item: number; time: number }[] = [];
  for (let user = 0; user < USERS; user += 1) {
    const chosen = new Set<number>();
    while (chosen.size < PER_USER) {
      const item = random.chance(0.9) ? (user % CLUSTERS) + CLUSTERS * random.int(ITEMS_PER_CLUSTER) : random.int(ITEMS);
      chosen.add(item);
    }
    for (const item of chosen) rows.push({ user, item, time: random.int(1_000_000) });
  }
  rows.sort((a, b) => a.time - b.time);
  return {
    count: rows.length,
    user: Int32Array.from(rows, (row) => row.user),
    item: Int32Array.from(rows, (row) => row.item),
    timeMs: Float64Array.from(rows, (row) => row.time),
  };
}

const { train, validation } = splitByTime(tasteWorld(1), 800_000);

function newModel(seed = 42): TwoTowerModel {
  return createTwoTowerModel(
    { users: USERS, items: ITEMS, categories: 1, creators: 1, dimensions: 16, seed },
    { category: new Int32Array(ITEMS), creator: new Int32Array(ITEMS) },
  );
}

function trainOnce(seed = 42, epochs = 8): { model: TwoTowerModel; report: TrainingReport } {
  const model = newModel(seed);
  const report = trainTwoTower(model, train, validation, { epochs, batchSize: 64, seed, validationK: K });
  return { model, report };
}

const trained = trainOnce();

function popularityRecall(): number {
  const counts = itemCounts(train, ITEMS);
  return recallAtK(train, validation, ITEMS, USERS, K, (_user, _history, scores) => {
    for (let item = 0; item < scores.length; item += 1) scores[item] = counts[item]!;
  });
}

function randomRecall(): number {
  const random = createRandom(7);
  return recallAtK(train, validation, ITEMS, USERS, K, (_user, _history, scores) => {
    for (let item = 0; item < scores.length; item += 1) scores[item] = random.next();
  });
}

describe("two-tower training", () => {
  it("has a real time split to learn from", () => {
    expect(train.count).toBeGreaterThan(4_000);
    expect(validation.count).toBeGreaterThan(800);
    expect(train.timeMs[train.count - 1]!).toBeLessThan(validation.timeMs[0]!);
  });

  it("lowers the loss epoch after epoch", () => {
    const losses = trained.report.epochs.map((epoch) => epoch.loss);
    expect(losses.length).toBe(8);
    for (let e = 1; e < losses.length; e += 1) expect(losses[e]!).toBeLessThan(losses[e - 1]!);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.9);
    expect(trained.report.interactionsPerSecond).toBeGreaterThan(0);
    expect(trained.report.interactionsPerCpuSecond).toBeGreaterThan(0);
  });

  it("beats random by a wide margin and popularity clearly where taste matters", () => {
    const model = twoTowerRecall(trained.model, train, validation, K);
    const random = randomRecall();
    expect(random).toBeLessThan(0.1);
    expect(model).toBeGreaterThan(4 * random);
    expect(model).toBeGreaterThan(2 * popularityRecall());
  });

  it("improves validation recall over the first epoch", () => {
    const recalls = trained.report.epochs.map((epoch) => epoch.validationRecall);
    expect(Math.max(...recalls.slice(1))).toBeGreaterThan(recalls[0]!);
  });

  it("is deterministic: same seed, same vectors and losses; another seed, other vectors", () => {
    const run = (seed: number) => {
      const model = newModel(seed);
      const report = trainTwoTower(model, train, validation, { epochs: 2, batchSize: 64, seed, maxValidationUsers: 20 });
      return { vectors: computeItemVectors(model, 0), losses: report.epochs.map((epoch) => epoch.loss) };
    };
    const first = run(42);
    const again = run(42);
    expect(again.vectors).toEqual(first.vectors);
    expect(again.losses).toEqual(first.losses);
    expect(run(43).vectors).not.toEqual(first.vectors);
  });

  it("produces unit-length tower vectors with the scaled bias as the last coordinate", () => {
    const width = retrievalDimensions(trained.model);
    const vectors = computeItemVectors(trained.model, 0);
    for (const item of [0, 17, ITEMS - 1]) {
      let squared = 0;
      for (let c = 0; c < width - 1; c += 1) squared += vectors[item * width + c]! ** 2;
      expect(Math.sqrt(squared)).toBeCloseTo(1, 5);
      const bias =
        trained.model.itemBias[item]! +
        trained.model.categoryBias[0]! +
        trained.model.creatorBias[0]! +
        trained.model.ageBias[trained.model.config.ageBuckets - 1]!;
      expect(vectors[item * width + width - 1]!).toBeCloseTo(trained.model.config.temperature * bias, 5);
    }
  });

  it("leaves the biases at zero when the item bias is switched off", () => {
    const model = newModel();
    trainTwoTower(model, train, validation, { epochs: 1, batchSize: 64, itemBias: false, maxValidationUsers: 10 });
    expect(model.itemBias.every((value) => value === 0)).toBe(true);
    expect(model.ageBias.every((value) => value === 0)).toBe(true);
  });
});
