// `cascade train` on a log shaped like a real public data set (issue 10): ratings only, no
// impressions, seven months long and twenty-eight years old. The run must train on the whole log
// (not the last 28 days of the wall clock), train the ranker on sampled negatives instead of
// refusing, honour the positive definition and `steps`, and ship a two-tower fitted on every
// interaction. In a scratch database of its own (the pipeline reads the whole event log).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, createPrismaClient, ensureDatabase, migrationsDir, type Database } from "@cascade/db";
import { readTrainingSetFile } from "../../ranking/model/trainingSetFile.ts";
import { parseTrainConfig, type TrainConfigInput } from "./trainConfig.ts";
import { runTrainPipeline } from "./trainPipeline.ts";
import { stepDir } from "./stepCache.ts";
import { TRAINING_SET_FILE } from "./trainSteps.ts";

const serverUrl = new URL(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/cascade_test");
const scratchName = `cascade_train_ratings_${process.pid}`;
const databaseUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${scratchName}`;
  return url.toString();
})();

const DAY = 86_400_000;
const START = Date.UTC(1997, 8, 20);
const SPAN_DAYS = 210;
const ITEMS = 40;
const USERS = 48;
const RATINGS_PER_USER = 12;

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(serverUrl);
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Deterministic: users like items of their own genre (of 4), rating them 4–5 stars, others 1–3 (stored ×2: the API's ratings are 0–10). */
function ratings(): { user: string; item: number; stars: number; atMs: number }[] {
  const rows: { user: string; item: number; stars: number; atMs: number }[] = [];
  for (let u = 0; u < USERS; u += 1) {
    // The last 8 users only arrive in the final 5% of the log: a held-out model never sees them.
    const late = u >= USERS - 8;
    const from = late ? START + SPAN_DAYS * 0.95 * DAY : START;
    const to = late ? START + SPAN_DAYS * DAY : START + SPAN_DAYS * 0.9 * DAY;
    for (let r = 0; r < RATINGS_PER_USER; r += 1) {
      const item = (u * 7 + r * (r % 3 === 0 ? 4 : 1) * 3) % ITEMS;
      const liked = item % 4 === u % 4;
      rows.push({ user: `u${u}`, item, stars: liked ? 4 + (r % 2) : 1 + (r % 3), atMs: Math.round(from + ((to - from) * (r + (u % 5) / 5)) / RATINGS_PER_USER) });
    }
  }
  return rows;
}

const TINY: TrainConfigInput = {
  seed: 3,
  retrieval: { model: { dimensions: 8 }, training: { epochs: 2, batchSize: 32 }, evaluation: { ks: [10], maxUsers: 100 } },
  ann: { recallQueries: 10, efConstruction: 32 },
  ranker: { epochs: 2, hiddenSizes: [8], batchSize: 64 },
};

let db: Database;
let dataDir: string;
const rows = ratings();
const distinctPairs = new Set(rows.map((row) => `${row.user}:${row.item}`)).size;
const pairsAtLeast4 = new Set(rows.filter((row) => row.stars >= 4).map((row) => `${row.user}:${row.item}`)).size;

beforeAll(async () => {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${scratchName}" WITH (FORCE)`));
  await ensureDatabase(databaseUrl);
  await applyMigrations(databaseUrl, migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let i = 0; i < ITEMS; i += 1) {
      await client.query(`INSERT INTO items (id, title, category, tags, published_at) VALUES ($1, $2, $3, $4, $5)`, [
        `m${i}`,
        `Movie ${i}`,
        `genre-${i % 4}`,
        [`genre-${i % 4}`],
        new Date(Date.UTC(1990 + (i % 7), 0, 1)),
      ]);
    }
    for (const [index, row] of rows.entries()) {
      await client.query(`INSERT INTO events (event_id, type, user_id, item_id, occurred_at, value) VALUES ($1, 'rating', $2, $3, $4, $5)`, [
        `r${index}`,
        row.user,
        `m${row.item}`,
        new Date(row.atMs),
        row.stars * 2,
      ]);
    }
  } finally {
    await client.end();
  }
  db = createPrismaClient(databaseUrl, { poolSize: 2 });
  dataDir = mkdtempSync(join(tmpdir(), "cascade-train-ratings-"));
});

afterAll(async () => {
  await db?.$disconnect();
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${scratchName}" WITH (FORCE)`));
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
      expect.objectContaining({ model: "ranker", trained: true, reason: expect.stringMatching(/sampled negatives.*no impressions/) }),
    ]);
    expect(result.report).toMatch(/ranker\s+trained: ranker from sampled negatives/);

    const twoTower = result.twoTower!.version;
    const config = twoTower.config as { split: { trainInteractions: number; validationInteractions: number }; refit: { interactions: number; users: number } };
    expect(config.split.trainInteractions + config.split.validationInteractions).toBe(distinctPairs);
    // The shipped model saw everything, the late users included.
    expect(config.refit).toMatchObject({ interactions: distinctPairs, users: USERS });

    const rankerConfig = result.ranker!.version.config as { trainingSet: { examples: string; sampling: { positives: number; negativesPerPositive: number } }; ips: unknown };
    expect(rankerConfig.trainingSet.examples).toBe("sampledNegatives");
    expect(rankerConfig.trainingSet.sampling).toMatchObject({ positives: distinctPairs, negativesPerPositive: 4 });
    expect(rankerConfig.ips).not.toBeNull();

    // The training set: one positive and four negatives per positive pair, features as of the rating.
    const step = result.steps.find((s) => s.step === "training-set")!;
    expect(step.reused).toBe(false);
    const set = await readTrainingSetFile(join(stepDir(join(dataDir, "train"), "training-set", step.digest), TRAINING_SET_FILE), { featureNames: result.ranker!.version.features });
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
    const retrievalOnly = await runTrainPipeline(db, { config: parseTrainConfig({ ...TINY, positives: { eventTypes: ["rating"], minRating: 8 } }), dataDir, steps: "retrieval" });
    expect(retrievalOnly.ranker).toBeNull();
    expect(retrievalOnly.plan[1]).toEqual({ model: "ranker", trained: false, reason: "--steps retrieval" });
    expect(retrievalOnly.steps.map((step) => step.step)).toEqual(["two-tower", "ann-index", "register"]);
    const split = (retrievalOnly.twoTower!.version.config as { split: { trainInteractions: number; validationInteractions: number } }).split;
    expect(split.trainInteractions + split.validationInteractions).toBe(pairsAtLeast4);

    const rankerOnly = await runTrainPipeline(db, { config: parseTrainConfig(TINY), dataDir, steps: "ranker" });
    expect(rankerOnly.twoTower).toBeNull();
    expect(rankerOnly.ranker).not.toBeNull();
  });

  it("says why, instead of failing, when the ranker may only learn from impressions", async () => {
    const result = await runTrainPipeline(db, { config: parseTrainConfig({ ...TINY, rankerExamples: { source: "impressions" } }), dataDir });
    expect(result.ranker).toBeNull();
    expect(result.twoTower).not.toBeNull();
    expect(result.plan[1]).toMatchObject({ model: "ranker", trained: false, reason: expect.stringMatching(/no impressions/) });
  });
});
