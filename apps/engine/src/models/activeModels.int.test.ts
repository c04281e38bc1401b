import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { createPrismaClient, promoteModelVersion, rollbackModelSlot, type Database } from "@cascade/db";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ActiveModels } from "./activeModels.ts";
import {
  FIXTURE_FEATURES,
  rankerOnnx,
  registerItemToItemFixture,
  registerRankerFixture,
  registerRetrievalFixture,
  registerTwoTowerFixture,
} from "./testing/modelFixtures.ts";
import type { LoadedRetrievalModel } from "../retrieval/retrievalArtifacts.ts";

const databaseUrl = process.env.TEST_DATABASE_URL!;
const logger = pino({ level: "silent" });
let db: Database;
let dataDir: string;
let models: ActiveModels | null = null;

beforeAll(async () => {
  db = createPrismaClient(databaseUrl, { poolSize: 4 });
});
afterAll(async () => {
  await db.$disconnect();
});
beforeEach(async () => {
  await db.modelVersion.deleteMany({});
  dataDir = await mkdtemp(join(tmpdir(), "cascade-active-models-"));
});
afterEach(async () => {
  await models?.stop();
  models = null;
  await rm(dataDir, { recursive: true, force: true });
});

/** Waits (bounded) until `condition` holds; the assertion is on the state, not on the time. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

const rows = 16;
const batch = new Float32Array(rows * FIXTURE_FEATURES.length).map((_, index) => (index % 11) / 11);

describe("active models", () => {
  it("serves nothing while the registry has no active version", async () => {
    models = new ActiveModels({ db, logger, pollIntervalMs: 0 });
    await models.start();
    expect(models.ranker()).toBeNull();
    expect(models.status()).toEqual({ retrieval: null, ranker: null, itemToItem: null, loadFailures: 0 });
  });

  it("hot-swaps on NOTIFY while requests are in flight, and none of them fails", async () => {
    const v1 = await registerRankerFixture(db, dataDir, { name: "first", bytes: rankerOnnx(FIXTURE_FEATURES, 1) });
    const v2 = await registerRankerFixture(db, dataDir, { name: "second", bytes: rankerOnnx(FIXTURE_FEATURES, 2) });
    await promoteModelVersion(db, v1.id);
    // No polling: the swap must come from LISTEN/NOTIFY. A short grace period exercises the
    // release of the old session while requests still hold it.
    models = new ActiveModels({ db, logger, databaseUrl, pollIntervalMs: 0, releaseGraceMs: 250 });
    await models.start();
    expect(models.ranker()?.version.id).toBe(v1.id);
    const active = models;

    let stop = false;
    const servedBy = new Set<string>();
    const firstScoreBy = new Map<string, number>();
    const failures: unknown[] = [];
    // Each simulated request takes the reference once, yields (as a real request would while it
    // fetches features), then scores with it.
    const request = async () => {
      const ranker = active.ranker();
      if (!ranker) throw new Error("no ranker");
      await nextTurn();
      const scores = await ranker.model.score(batch, rows);
      if (scores.p_click!.length !== rows) throw new Error("short output");
      servedBy.add(ranker.version.id);
      if (!firstScoreBy.has(ranker.version.id)) firstScoreBy.set(ranker.version.id, scores.p_click![0]!);
    };
    const client = async () => {
      while (!stop) await request().catch((error: unknown) => failures.push(error));
    };
    const clients = Array.from({ length: 4 }, () => client());
    await eventually(() => servedBy.has(v1.id), "served by v1");
    await promoteModelVersion(db, v2.id);
    await eventually(() => servedBy.has(v2.id), "served by v2 after the promote");
    stop = true;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(models.status().ranker).toMatchObject({ id: v2.id, version: v2.version, name: "second" });
    // the swap really changed the model: the same rows score differently
    expect(firstScoreBy.get(v1.id)).not.toBe(firstScoreBy.get(v2.id));
  });

  it("refuses a corrupt artifact, keeps the old version serving and reports the error", async () => {
    const good = await registerRankerFixture(db, dataDir, { name: "good", bytes: rankerOnnx() });
    const corrupt = await registerRankerFixture(db, dataDir, { name: "corrupt", bytes: rankerOnnx(FIXTURE_FEATURES, 3) });
    await writeFile(corrupt.artifactPath, "bit rot");
    await promoteModelVersion(db, good.id);
    models = new ActiveModels({ db, logger, pollIntervalMs: 0 });
    await models.start();
    await promoteModelVersion(db, corrupt.id);
    await models.refresh();

    expect(models.ranker()?.version.id).toBe(good.id);
    await expect(models.ranker()!.model.score(batch, rows)).resolves.toHaveProperty("p_click");
    const status = models.status();
    expect(status.loadFailures).toBe(1);
    expect(status.lastError).toMatchObject({ slot: "ranker", modelId: corrupt.id, message: expect.stringMatching(/corrupt/) });
    // not retried on every refresh
    await models.refresh();
    expect(models.status().loadFailures).toBe(1);
    // a rollback to the good version clears the error
    await rollbackModelSlot(db, "ranker");
    await models.refresh();
    expect(models.ranker()?.version.id).toBe(good.id);
    expect(models.status().lastError).toBeUndefined();
  });

  it("refuses incompatible rankers: wrong feature count, unknown feature, missing file", async () => {
    const good = await registerRankerFixture(db, dataDir, { name: "good", bytes: rankerOnnx() });
    await promoteModelVersion(db, good.id);
    models = new ActiveModels({ db, logger, pollIntervalMs: 0 });
    await models.start();

    const cases = [
      { name: "wrong-count", features: FIXTURE_FEATURES.slice(0, 3), expected: /takes 4 features, expected 3/ },
      {
        name: "unknown",
        features: ["item_ctr_3d", "item_popularity_3d", "user_category_affinity", "user_shoe_size"],
        expected: /does not compute: user_shoe_size/,
      },
    ];
    for (const testCase of cases) {
      const bad = await registerRankerFixture(db, dataDir, { name: testCase.name, bytes: rankerOnnx(), features: testCase.features });
      await promoteModelVersion(db, bad.id);
      await models.refresh();
      expect(models.ranker()?.version.id).toBe(good.id);
      expect(models.status().lastError?.message).toMatch(testCase.expected);
    }
    const missing = await registerRankerFixture(db, dataDir, { name: "missing", bytes: rankerOnnx() });
    await rm(missing.artifactPath);
    await promoteModelVersion(db, missing.id);
    await models.refresh();
    expect(models.ranker()?.version.id).toBe(good.id);
    expect(models.status()).toMatchObject({ loadFailures: 3, lastError: { modelId: missing.id, message: "an artifact file is missing" } });
  });

  it("serves external rankers with their declared outputs", async () => {
    const external = await registerRankerFixture(db, dataDir, { kind: "external_ranker", name: "ext", bytes: rankerOnnx(), outputs: ["p_like"] });
    await promoteModelVersion(db, external.id);
    const changes: Array<[string, string | null]> = [];
    models = new ActiveModels({ db, logger, pollIntervalMs: 0, onServingChange: (slot, model) => changes.push([slot, model?.id ?? null]) });
    await models.start();
    expect(changes).toEqual([["ranker", external.id]]);
    const scores = await models.ranker()!.model.score(batch, rows);
    expect(Object.keys(scores)).toEqual(["p_like"]);
    expect(models.ranker()!.model.featureNames).toEqual([...FIXTURE_FEATURES]);
  });

  it("loads retrieval versions (vectors + HNSW index) and refuses a corrupt index", async () => {
    const v1 = await registerRetrievalFixture(db, dataDir, { name: "tower-1", items: 200, dimensions: 8, seed: 1 });
    const v2 = await registerRetrievalFixture(db, dataDir, { name: "tower-2", items: 300, dimensions: 8, seed: 2 });
    await promoteModelVersion(db, v1.id);
    models = new ActiveModels({ db, logger, pollIntervalMs: 0 });
    await models.start();
    const first = models.retrieval()!;
    expect(first.model.itemIds.length).toBe(200);
    expect(first.model.index.count).toBe(200);

    await writeFile(v2.indexPath!, "not an index");
    await promoteModelVersion(db, v2.id);
    await models.refresh();
    expect(models.retrieval()).toBe(first);
    expect(models.status().lastError).toMatchObject({ slot: "retrieval", modelId: v2.id });
  });

  it("loads trained two-tower versions (model, item vectors, index) and refuses a corrupt item-vectors file", async () => {
    const v1 = await registerTwoTowerFixture(db, dataDir, { name: "two-tower-1", items: 30, seed: 1 });
    const v2 = await registerTwoTowerFixture(db, dataDir, { name: "two-tower-2", items: 40, seed: 2 });
    await promoteModelVersion(db, v1.id);
    models = new ActiveModels({ db, logger, pollIntervalMs: 0 });
    await models.start();
    const serving = models.retrieval()!;
    expect(serving.version.id).toBe(v1.id);
    expect(serving.model.itemIds.length).toBe(30);
    expect(serving.model.index.count).toBe(30);
    const userVector = (serving.model.model as LoadedRetrievalModel).userVector("user-1", ["item-3"]);
    expect(userVector.length).toBe(serving.model.dimensions);

    const config = v2.config as { itemVectorsPath: string };
    await writeFile(config.itemVectorsPath, "truncated");
    await promoteModelVersion(db, v2.id);
    await models.refresh();
    expect(models.retrieval()).toBe(serving);
    expect(models.status().lastError).toMatchObject({ slot: "retrieval", modelId: v2.id });
    expect(models.status().lastError?.message).not.toContain(dataDir);
  });

  it("loads item-to-item versions into their own slot, hot-swaps them and refuses a corrupt file", async () => {
    const v1 = await registerItemToItemFixture(db, dataDir, {
      name: "i2i-1",
      neighbours: {
        a: [
          ["b", 0.5],
          ["c", 0.25],
        ],
        b: [["a", 0.5]],
      },
    });
    const v2 = await registerItemToItemFixture(db, dataDir, { name: "i2i-2", neighbours: { a: [["c", 0.9]], c: [["a", 0.9]] } });
    const v3 = await registerItemToItemFixture(db, dataDir, { name: "i2i-3", neighbours: { a: [["d", 1]] } });
    await promoteModelVersion(db, v1.id);
    const changes: Array<[string, string | null]> = [];
    models = new ActiveModels({ db, logger, databaseUrl, pollIntervalMs: 0, onServingChange: (slot, model) => changes.push([slot, model?.id ?? null]) });
    await models.start();
    const first = models.itemToItem()!;
    expect(first.version.id).toBe(v1.id);
    expect(first.model.itemIds).toEqual(["a", "b", "c"]);
    expect(first.model.rowOf.get("c")).toBe(2);
    expect(Array.from(first.model.neighbours.subarray(first.model.offsets[0]!, first.model.offsets[1]!))).toEqual([1, 2]);
    expect(models.retrieval()).toBeNull();
    expect(models.status().itemToItem).toMatchObject({ id: v1.id, kind: "item_item", name: "i2i-1" });

    // NOTIFY → swap; the request that took v1 keeps its own reference.
    await promoteModelVersion(db, v2.id);
    const active = models;
    await eventually(() => active.itemToItem()?.version.id === v2.id, "swapped to v2");
    expect(first.model.itemIds).toEqual(["a", "b", "c"]);
    expect(changes).toEqual([
      ["itemToItem", v1.id],
      ["itemToItem", v2.id],
    ]);

    // A flipped byte: the digest no longer matches; v2 keeps serving.
    const bytes = await readFile(v3.artifactPath);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(v3.artifactPath, bytes);
    await promoteModelVersion(db, v3.id);
    await models.refresh();
    expect(models.itemToItem()?.version.id).toBe(v2.id);
    expect(models.status().lastError).toMatchObject({
      slot: "itemToItem",
      modelId: v3.id,
      message: "an artifact file is corrupt (sha256 differs from the registry)",
    });

    // Not an item-to-item file at all: refused with the reader's reason, no directories in it.
    await writeFile(v3.artifactPath, "not an artifact");
    await db.modelVersion.update({ where: { id: v3.id }, data: { artifactDigest: createHash("sha256").update("not an artifact").digest("hex") } });
    await rollbackModelSlot(db, "itemToItem");
    await models.refresh();
    await promoteModelVersion(db, v3.id);
    await models.refresh();
    expect(models.itemToItem()?.version.id).toBe(v2.id);
    expect(models.status().lastError?.message).toMatch(/item-to-item.bin is not a valid artifact: .*not a Cascade artifact/);
    expect(models.status().lastError?.message).not.toContain(dataDir);
  });

  it("picks up changes by polling when no LISTEN connection is configured", async () => {
    const v1 = await registerRankerFixture(db, dataDir, { name: "polled", bytes: rankerOnnx() });
    models = new ActiveModels({ db, logger, pollIntervalMs: 20 });
    await models.start();
    expect(models.ranker()).toBeNull();
    await promoteModelVersion(db, v1.id);
    const active = models;
    await eventually(() => active.ranker()?.version.id === v1.id, "poll loaded v1");
  });

  it("re-opens its LISTEN connection after the server drops it", async () => {
    const v1 = await registerRankerFixture(db, dataDir, { name: "before-drop", bytes: rankerOnnx() });
    models = new ActiveModels({ db, logger, databaseUrl, pollIntervalMs: 0, listenReconnectDelayMs: 20 });
    await models.start();
    const listeners = () =>
      db.$queryRaw<
        Array<{ pid: number }>
      >`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN cascade_model_changed' AND pid <> pg_backend_pid()`;
    let before: Array<{ pid: number }> = [];
    for (let attempt = 0; attempt < 200 && before.length === 0; attempt += 1) {
      before = await listeners();
      if (before.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(before.length).toBe(1);
    await db.$queryRaw`SELECT pg_terminate_backend(${before[0]!.pid}::int)`;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const after = await listeners();
      if (after.length === 1 && after[0]!.pid !== before[0]!.pid) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await promoteModelVersion(db, v1.id);
    const active = models;
    await eventually(() => active.ranker()?.version.id === v1.id, "loaded via the re-opened LISTEN connection");
  });
});
