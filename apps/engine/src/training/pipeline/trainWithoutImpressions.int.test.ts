// `cascade train` on a log shaped like a real public data set (issue 10): ratings only, no
// impressions, seven months long and twenty-eight years old. The run must train on the whole log
// (not the last 28 days of the wall clock), train the ranker on sampled negatives instead of
// refusing, honour the positive definition and `steps`, and ship a two-tower fitted on every
// interaction. In a scratch database of its own (the pipeline reads the whole event log).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@cascade/db";
import { readTrainingSetFile } from "../ranker/trainingSetFile.ts";
import { stepDir } from "./stepCache.ts";
import { createRatingsDatabase, RATINGS_WORLD, type ScratchRatingsDatabase } from "./testing/ratingsWorld.ts";
import { parseTrainConfig, type TrainConfigInput } from "./trainConfig.ts";
import { runTrainPipeline } from "./trainPipeline.ts";
import { TRAINING_SET_FILE } from "./trainSteps.ts";

const TINY: TrainConfigInput = {
  seed: 3,
  retrieval: { model: { dimensions: 8 }, training: { epochs: 2, batchSize: 32 }, evaluation: { ks: [10], maxUsers: 100 } },
  ann: { recallQueries: 10, efConstruction: 32 },
  ranker: { epochs: 2, hiddenSizes: [8], batchSize: 64 },
};

let scratch: ScratchRatingsDatabase;
let db: Database;
let dataDir: string;
let rows: ScratchRatingsDatabase["rows"];
let distinctPairs: number;
let pairsAtLeast4: number;

beforeAll(async () => {
  scratch = await createRatingsDatabase("cascade_train_ratings");
  ({ db, rows } = scratch);
  distinctPairs = new Set(rows.map((row) => `${row.user}:${row.item}`)).size;
  pairsAtLeast4 = new Set(rows.filter((row) => row.stars >= 4).map((row) => `${row.user}:${row.item}`)).size;
  dataDir = mkdtempSync(join(tmpdir(), "cascade-train-ratings-"));
});

afterAll(async () => {
  await scratch?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("cascade train on a ratings log without impressions", () => {
  it("trains both models on the whole log: retrieval on every rating, the ranker on sampled negatives", async () => {
    const result = await runTrainPipeline(db, { config: parseTrainConfig(TINY), dataDir });
    const oldest = Math.min(...rows.map((row) => row.atMs));
    const newest = Math.max(...rows.map((row) => row.atMs));
    expect(result.window.from.getTime()).toBe(oldest);
    expect(result.window.to.getTime()).toBe(newest + 1);

    expect(result.plan).toEqual([
      expect.objectContaining({ model: "two_tower", trained: true }),
      expect.objectContaining({ model: "item_item", trained: true }),
      expect.objectContaining({ model: "ranker", trained: true, reason: expect.stringMatching(/sampled negatives.*no impressions/) }),
    ]);
    // Item-to-item on the same positives and split as the two-tower; the shipped model saw every pair.
    const itemToItem = result.itemToItem!.version;
    expect(itemToItem.config).toMatchObject({
      method: "ease",
      split: (result.twoTower!.version.config as { split: object }).split,
      refit: { interactions: distinctPairs },
    });
    expect(result.report).toMatch(/ranker\s+trained: ranker from sampled negatives/);

    const twoTower = result.twoTower!.version;
    const config = twoTower.config as { split: { trainInteractions: number; validationInteractions: number }; refit: { interactions: number; users: number } };
    expect(config.split.trainInteractions + config.split.validationInteractions).toBe(distinctPairs);
    // The shipped model saw everything, the late users included.
    expect(config.refit).toMatchObject({ interactions: distinctPairs, users: RATINGS_WORLD.users });

    const rankerConfig = result.ranker!.version.config as {
      trainingSet: { examples: string; sampling: { positives: number; negativesPerPositive: number } };
      ips: unknown;
    };
    expect(rankerConfig.trainingSet.examples).toBe("sampledNegatives");
    expect(rankerConfig.trainingSet.sampling).toMatchObject({ positives: distinctPairs, negativesPerPositive: 4 });
    expect(rankerConfig.ips).not.toBeNull();

    // The training set: one positive and four negatives per positive pair, features as of the rating.
    const step = result.steps.find((s) => s.step === "training-set")!;
    expect(step.reused).toBe(false);
    const set = await readTrainingSetFile(join(stepDir(join(dataDir, "train"), "training-set", step.digest), TRAINING_SET_FILE), {
      featureNames: result.ranker!.version.features,
    });
    expect(set.rows).toBe(distinctPairs * 5);
    let clicks = 0;
    let weighted = 0;
    for (let row = 0; row < set.rows; row += 1) {
      clicks += set.click[row]!;
      if (set.click[row] === 0 && set.propensity[row] !== 1) weighted += 1;
    }
    expect(clicks).toBe(distinctPairs);
    // Negatives drawn with popularity carry their importance weight (not all 1).
    expect(weighted).toBeGreaterThan(0);
    // Features are as of each rating: the genre-affinity feature is non-zero for some rows.
    const affinity = set.featureNames.indexOf("user_category_affinity");
    let withAffinity = 0;
    for (let row = 0; row < set.rows; row += 1) if (set.features[row * set.featureNames.length + affinity]! > 0) withAffinity += 1;
    expect(withAffinity).toBeGreaterThan(set.rows / 10);
  });

  it("honours --steps and the positive definition", async () => {
    const retrievalOnly = await runTrainPipeline(db, {
      config: parseTrainConfig({ ...TINY, positives: { eventTypes: ["rating"], minRating: 8 } }),
      dataDir,
      steps: "retrieval",
    });
    expect(retrievalOnly.ranker).toBeNull();
    expect(retrievalOnly.plan[2]).toEqual({ model: "ranker", trained: false, reason: "--steps retrieval" });
    expect(retrievalOnly.steps.map((step) => step.step)).toEqual(["two-tower", "ann-index", "item-to-item", "register"]);
    const split = (retrievalOnly.twoTower!.version.config as { split: { trainInteractions: number; validationInteractions: number } }).split;
    expect(split.trainInteractions + split.validationInteractions).toBe(pairsAtLeast4);
    const itemSplit = (retrievalOnly.itemToItem!.version.config as { split: { trainInteractions: number; validationInteractions: number } }).split;
    expect(itemSplit.trainInteractions + itemSplit.validationInteractions).toBe(pairsAtLeast4);

    const rankerOnly = await runTrainPipeline(db, { config: parseTrainConfig(TINY), dataDir, steps: "ranker" });
    expect(rankerOnly.twoTower).toBeNull();
    expect(rankerOnly.itemToItem).toBeNull();
    expect(rankerOnly.plan[1]).toEqual({ model: "item_item", trained: false, reason: "--steps ranker" });
    expect(rankerOnly.ranker).not.toBeNull();
  });

  it("says why, instead of failing, when the ranker may only learn from impressions", async () => {
    const result = await runTrainPipeline(db, { config: parseTrainConfig({ ...TINY, rankerExamples: { source: "impressions" } }), dataDir });
    expect(result.ranker).toBeNull();
    expect(result.twoTower).not.toBeNull();
    expect(result.plan[2]).toMatchObject({ model: "ranker", trained: false, reason: expect.stringMatching(/no impressions/) });
  });
});
