// `cascade train` end to end on a tiny demo world in a scratch database of its own (the pipeline
// reads the whole event log, so rows other test files leave in TEST_DATABASE_URL would change it):
// the two-tower, item-to-item and ranker versions are registered with metrics, baselines and
// verifiable artifacts the engine loads; a second run with the same inputs reuses every step and
// registers nothing; a ranker-only (or item-to-item-only) config change retrains only that model;
// a corrupt cached file is detected and rebuilt.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Database } from "@cascade/db";
import { createScratchDatabase, type ScratchDatabase } from "../../testing/scratchDatabase.ts";
import { seedDemo } from "../../demo/loadDemo.ts";
import { defaultModelLoaders } from "../../models/modelLoaders.ts";
import { hasRetrievalRows } from "../../models/retrievalRows.ts";
import { DAY_MS } from "../../retrieval/twoTowerModel.ts";
import { evaluateItemToItemVersion, evaluateRankerVersion, evaluateTwoTowerVersion } from "./evaluateVersion.ts";
import { parseTrainConfig, type TrainConfigInput } from "./trainConfig.ts";
import { runTrainPipeline, type TrainPipelineResult } from "./trainPipeline.ts";
import { TRAINING_SET_FILE } from "./trainSteps.ts";

const END = Date.UTC(2025, 5, 1);
let databaseUrl: string;
let scratch: ScratchDatabase;

const TINY: TrainConfigInput = {
  seed: 7,
  retrieval: { model: { dimensions: 8 }, training: { epochs: 2, batchSize: 64 }, evaluation: { ks: [10, 100], maxUsers: 200 } },
  ann: { recallQueries: 20, efConstruction: 64 },
  ranker: { epochs: 2, hiddenSizes: [8], batchSize: 128 },
};

let db: Database;
let dataDir: string;
let first: TrainPipelineResult;

const run = (input: TrainConfigInput, promote = false) => runTrainPipeline(db, { config: parseTrainConfig(input), dataDir, promote });
const stepsReused = (result: TrainPipelineResult) => Object.fromEntries(result.steps.map((step) => [step.step, step.reused]));

beforeAll(async () => {
  scratch = await createScratchDatabase("cascade_train_pipeline");
  databaseUrl = scratch.url;
  await seedDemo({ databaseUrl, size: "tiny", seed: 7, overrides: { endAtMs: END, events: 8_000 } });
  db = createPrismaClient(databaseUrl, { poolSize: 2 });
  dataDir = mkdtempSync(join(tmpdir(), "cascade-train-"));
  first = await run(TINY);
});

afterAll(async () => {
  await db?.$disconnect();
  await scratch?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("runTrainPipeline", () => {
  it("runs every step and registers two_tower, item_item and ranker candidates with the training window", () => {
    expect(stepsReused(first)).toEqual({
      "training-set": false,
      "two-tower": false,
      "ann-index": false,
      "item-to-item": false,
      ranker: false,
      register: false,
    });
    expect(first.twoTower!.created).toBe(true);
    expect(first.itemToItem!.created).toBe(true);
    expect(first.ranker!.created).toBe(true);
    expect(first.plan.map((line) => [line.model, line.trained])).toEqual([
      ["two_tower", true],
      ["item_item", true],
      ["ranker", true],
    ]);
    expect(first.plan[1]!.reason).toMatch(/EASE up to 4000 items with positives, item kNN above/);
    expect(first.plan[2]!.reason).toMatch(/logged impressions/);
    for (const { version } of [first.twoTower!, first.itemToItem!, first.ranker!]) {
      expect(version.status).toBe("candidate");
      expect(version.buildDigest).toMatch(/^[a-f0-9]{64}$/);
      expect(version.trainingWindowStart?.getTime()).toBe(first.window.from.getTime());
      expect(version.trainingWindowEnd?.getTime()).toBe(first.window.to.getTime());
      expect(version.features.length).toBeGreaterThan(0);
      expect(version.outputs.length).toBeGreaterThan(0);
    }
    expect(first.twoTower!.version.kind).toBe("two_tower");
    expect(first.itemToItem!.version.kind).toBe("item_item");
    expect(first.ranker!.version.kind).toBe("ranker");
    // The newest demo event is just before END; the window ends right after it.
    expect(first.window.to.getTime()).toBeLessThanOrEqual(END + 1);
  });

  it("stores metrics with the baselines computed on the same split", () => {
    const retrieval = first.twoTower!.version.metrics as Record<string, Record<string, Record<string, number>>>;
    expect(retrieval.retrieval!["recall@100"]).toBeGreaterThan(0);
    expect(retrieval.ann!["recall@100"]).toBeGreaterThan(0.5);
    for (const baseline of ["popularity", "coOccurrence"]) {
      expect(retrieval.baselines![baseline]).toMatchObject({ retrieval: { users: retrieval.retrieval!.users } });
      expect(Object.keys((retrieval.baselines![baseline] as unknown as Record<string, object>).retrieval!)).toEqual(Object.keys(retrieval.retrieval!));
    }
    const ranking = first.ranker!.version.metrics as Record<string, Record<string, Record<string, number>>>;
    expect(ranking.ranking!.auc).toBeGreaterThan(0.5);
    expect(ranking.baselines!.logisticRegression!).toMatchObject({ ranking: { rows: ranking.ranking!.rows } });
    // Item-to-item: EASE (500 items), evaluated on the two-tower's split (same validation rows and users).
    const itemToItem = first.itemToItem!.version;
    const itemMetrics = itemToItem.metrics as Record<string, Record<string, Record<string, number>>>;
    expect(itemToItem.config).toMatchObject({
      method: "ease",
      itemCount: 500,
      split: { atMs: (first.twoTower!.version.config as { split: { atMs: number } }).split.atMs },
    });
    expect(itemMetrics.retrieval!.users).toBe(retrieval.retrieval!.users);
    expect(itemMetrics.retrieval!["recall@100"]).toBeGreaterThan(0);
    expect(itemMetrics.baselines!.popularity).toEqual(retrieval.baselines!.popularity);
    expect(itemMetrics.fit!.storedNeighbours).toBeGreaterThan(0);
    expect(first.report).toMatch(/item-to-item \(ease; popular items fill short lists\), time split .* \d+ without history before the split/);
    expect(itemMetrics.evaluation!.coldUsers).toBeGreaterThanOrEqual(0);
    expect(first.report).toContain("itemToItem");
    expect(first.report).toContain("popularity");
    expect(first.report).toContain("coOccurrence");
    expect(first.report).toContain("logisticRegression");
  });

  it("stores artifacts the engine's loaders verify and load", async () => {
    const retrieval = await defaultModelLoaders.retrieval(first.twoTower!.version);
    expect(retrieval.itemIds.length).toBe(500);
    expect(retrieval.index.count).toBe(500);
    expect(hasRetrievalRows(retrieval)).toBe(true); // built at load, not by the first request
    const itemToItem = await defaultModelLoaders.itemToItem(first.itemToItem!.version);
    expect(itemToItem.itemIds.length).toBe(500);
    expect(itemToItem.offsets[500]).toBe(itemToItem.neighbours.length);
    expect(itemToItem.rowOf.get(itemToItem.itemIds[7]!)).toBe(7);
    const ranker = await defaultModelLoaders.ranker(first.ranker!.version);
    try {
      const scores = await ranker.score(new Float32Array(ranker.featureNames.length * 2), 2);
      expect(Object.keys(scores).sort()).toEqual([...first.ranker!.version.outputs].sort());
      for (const values of Object.values(scores)) expect(values).toHaveLength(2);
    } finally {
      await ranker.release();
    }
  });

  it("re-running with the same inputs reuses every step and registers no duplicate", async () => {
    const again = await run(TINY);
    expect(stepsReused(again)).toEqual({ "training-set": true, "two-tower": true, "ann-index": true, "item-to-item": true, ranker: true, register: true });
    expect(again.twoTower).toMatchObject({ created: false, version: { id: first.twoTower!.version.id } });
    expect(again.itemToItem).toMatchObject({ created: false, version: { id: first.itemToItem!.version.id } });
    expect(again.ranker).toMatchObject({ created: false, version: { id: first.ranker!.version.id } });
    expect(await db.modelVersion.count()).toBe(3);
  });

  it("a ranker-only config change retrains only the ranker and registers one new ranker version", async () => {
    const changed = await run({ ...TINY, ranker: { ...TINY.ranker, ipsWeighting: { enabled: true, clip: 10 } } }, true);
    expect(stepsReused(changed)).toMatchObject({ "training-set": true, "two-tower": true, "ann-index": true, "item-to-item": true, ranker: false });
    expect(changed.twoTower).toMatchObject({ created: false, version: { id: first.twoTower!.version.id } });
    expect(changed.ranker!.created).toBe(true);
    expect(changed.ranker!.version.version).toBe(2);
    expect((changed.ranker!.version.config as { ranker: { ipsWeighting: { enabled: boolean } } }).ranker.ipsWeighting.enabled).toBe(true);
    // --promote made all three active, and the result reports them as such.
    expect(changed.twoTower!.version.status).toBe("active");
    expect(changed.itemToItem!.version.status).toBe("active");
    expect(changed.ranker!.version.status).toBe("active");
    const active = await db.modelVersion.findMany({ where: { status: "active" }, orderBy: { kind: "asc" } });
    expect(active.map((version) => version.id).sort()).toEqual([first.twoTower!.version.id, first.itemToItem!.version.id, changed.ranker!.version.id].sort());
  });

  it("an item-to-item-only config change refits only that model; disabling it trains none", async () => {
    const changed = await run({ ...TINY, itemToItem: { method: "knn", neighbours: 20 } });
    expect(stepsReused(changed)).toMatchObject({ "training-set": true, "two-tower": true, "ann-index": true, "item-to-item": false, ranker: true });
    expect(changed.itemToItem).toMatchObject({ created: true, version: { version: 2, config: { method: "knn", methodReason: "itemToItem.method is knn" } } });
    const knn = await defaultModelLoaders.itemToItem(changed.itemToItem!.version);
    for (let item = 0; item < knn.items; item += 1) expect(knn.offsets[item + 1]! - knn.offsets[item]!).toBeLessThanOrEqual(20);
    const disabled = await run({ ...TINY, itemToItem: { enabled: false } });
    expect(disabled.itemToItem).toBeNull();
    expect(disabled.plan.find((line) => line.model === "item_item")).toEqual({ model: "item_item", trained: false, reason: "itemToItem.enabled is false" });
    expect(Object.keys(stepsReused(disabled))).not.toContain("item-to-item");
  });

  it("cascade eval (time protocol) re-evaluates the registered versions on the same split as training", async () => {
    const config = parseTrainConfig(TINY);
    // The shipped two-tower was refitted on the validation period too: re-scoring it there would be in-sample.
    await expect(evaluateTwoTowerVersion(db, first.twoTower!.version, {})).rejects.toThrow(/refitted on every interaction.*no out-of-sample period/);
    const heldOut = await run({ ...TINY, retrieval: { ...TINY.retrieval, refitOnAllData: false } });
    expect((heldOut.twoTower!.version.config as { refit: unknown }).refit).toBeNull();
    const retrieval = await evaluateTwoTowerVersion(db, heldOut.twoTower!.version, {
      ks: config.retrieval.evaluation.ks,
      maxUsers: config.retrieval.evaluation.maxUsers,
    });
    // No events after the window: the test period is the run's own validation period, so the
    // re-evaluation must reproduce the stored metrics (ids mapped back through the vocabulary).
    expect(retrieval.testPeriod.rule).toBe("training-validation");
    const stored = (heldOut.twoTower!.version.metrics as { retrieval: Record<string, number> }).retrieval;
    // The refit changes the shipped model, never the reported (held-out) metrics.
    expect(stored).toEqual((first.twoTower!.version.metrics as { retrieval: Record<string, number> }).retrieval);
    const row = retrieval.report.rows.find((entry) => entry.name === "twoTower")!;
    for (const [column, value] of Object.entries(stored)) expect(row.values[retrieval.report.columns.indexOf(column)]).toBeCloseTo(value, 9);
    expect(retrieval.report.rows.map((entry) => entry.name)).toEqual(["twoTower", "popularity", "coOccurrence"]);

    // Item-to-item: the shipped model is always refitted, so only a period after its window evaluates it.
    await expect(evaluateItemToItemVersion(db, first.itemToItem!.version)).rejects.toThrow(/refitted on every interaction.*no out-of-sample period/);
    const earlier = await runTrainPipeline(db, {
      config: parseTrainConfig({ ...TINY, window: { to: new Date(END - 4 * DAY_MS).toISOString() } }),
      dataDir,
      steps: "retrieval",
    });
    const later = await evaluateItemToItemVersion(db, earlier.itemToItem!.version, { ks: [10, 100], maxUsers: 200 });
    expect(later.testPeriod).toMatchObject({ rule: "after-window", from: earlier.window.to.toISOString() });
    expect(later.report.rows.map((entry) => entry.name)).toEqual(["itemToItem", "popularity", "coOccurrence"]);
    const recall100 = later.report.columns.indexOf("recall@100");
    expect(later.report.rows[0]!.values[recall100]).toBeGreaterThan(0);

    const ranking = await evaluateRankerVersion(db, first.ranker!.version, { config, dataDir, workDir: join(dataDir, "train") });
    expect(ranking.report.rows.map((entry) => entry.name)).toEqual(["ranker", "logisticRegression"]);
    const auc = ranking.report.columns.indexOf("auc");
    const storedAuc = (first.ranker!.version.metrics as { ranking: { auc: number } }).ranking.auc;
    expect(ranking.report.rows[0]!.values[auc]).toBeCloseTo(storedAuc, 5);
  });

  it("a corrupt cached step output is rebuilt instead of reused", async () => {
    const cached = join(dataDir, "train", `training-set-${first.steps[0]!.digest.slice(0, 16)}`, TRAINING_SET_FILE);
    writeFileSync(cached, "not parquet");
    const twoTowers = await db.modelVersion.count({ where: { kind: "two_tower" } });
    const rebuilt = await run(TINY);
    expect(stepsReused(rebuilt)["training-set"]).toBe(false);
    expect(stepsReused(rebuilt)["two-tower"]).toBe(true);
    expect(await db.modelVersion.count({ where: { kind: "two_tower" } })).toBe(twoTowers);
  });
});
