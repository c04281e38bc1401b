import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateApiKey,
  healthResponse,
  listModelsResponse,
  promoteModelResponse,
  registerExternalRankerResponse,
  rollbackModelResponse,
  type ApiKeyScope,
} from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEventDeduplicator, createEventStream } from "../../events/index.ts";
import { ActiveModels } from "../../models/activeModels.ts";
import { FIXTURE_FEATURES, rankerOnnx, registerItemToItemFixture, registerRankerFixture } from "../../models/testing/modelFixtures.ts";
import { PopularityRanking } from "../../sources/popularityRanking.ts";
import { createMemoryOnlineStore } from "../../stores/index.ts";
import { buildEngineApp } from "../../composition/engine.ts";

const databaseUrl = process.env.TEST_DATABASE_URL!;
const logger = pino({ level: "silent" });
let db: Database;
let app: FastifyInstance;
let activeModels: ActiveModels;
let dataDir: string;
let admin: string;
let ingestOnly: string;
const keyPrefixes: string[] = [];

async function createKey(scopes: ApiKeyScope[]): Promise<string> {
  const { key, prefix, hashedKey } = generateApiKey();
  await db.apiKey.create({ data: { name: `admin-models-test ${scopes.join("+")}`, prefix, hashedKey, scopes } });
  keyPrefixes.push(prefix);
  return `Bearer ${key}`;
}

beforeAll(async () => {
  db = createPrismaClient(databaseUrl, { poolSize: 4 });
  dataDir = await mkdtemp(join(tmpdir(), "cascade-admin-models-"));
  activeModels = new ActiveModels({ db, logger, pollIntervalMs: 0 });
  await activeModels.start();
  ({ app } = await buildEngineApp({
    db,
    store: createMemoryOnlineStore(),
    logger,
    info: { version: "test", databaseMode: "external", storeMode: "memory" },
    eventStream: await createEventStream({}),
    eventDeduplicator: await createEventDeduplicator({}),
    bodyLimitBytes: 64 * 1024,
    popularityRanking: new PopularityRanking(db, logger),
    activeModels,
    dataDir,
    modelUploadLimitBytes: 2 * 1024 * 1024,
  }));
  admin = await createKey(["admin"]);
  ingestOnly = await createKey(["ingest", "recommend"]);
});
afterAll(async () => {
  await app.close();
  await activeModels.stop();
  await db.apiKey.deleteMany({ where: { prefix: { in: keyPrefixes } } });
  await db.$disconnect();
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await db.modelVersion.deleteMany({});
  await activeModels.refresh();
});

const registerBody = (overrides: Record<string, unknown> = {}) => ({
  name: "partner ranker",
  features: [...FIXTURE_FEATURES],
  outputs: ["p_click", "p_like"],
  onnxBase64: Buffer.from(rankerOnnx()).toString("base64"),
  ...overrides,
});

describe("model admin API", () => {
  it("needs an admin key", async () => {
    expect((await app.inject({ method: "GET", url: "/v1/admin/models" })).statusCode).toBe(401);
    const forbidden = await app.inject({ method: "GET", url: "/v1/admin/models", headers: { authorization: ingestOnly } });
    expect(forbidden.statusCode).toBe(403);
  });

  it("registers a valid external ranker (body larger than the general limit), lists it, and promotes it", async () => {
    // a wide hidden layer makes the file larger than the engine's general 64 KiB body limit
    const onnxBase64 = Buffer.from(rankerOnnx(FIXTURE_FEATURES, 7, [4000])).toString("base64");
    expect(onnxBase64.length).toBeGreaterThan(64 * 1024);
    const body = registerBody({ notes: "from the data science team", onnxBase64 });
    const created = await app.inject({ method: "POST", url: "/v1/admin/models/external-rankers", headers: { authorization: admin }, payload: body });
    expect(created.statusCode).toBe(201);
    const registered = registerExternalRankerResponse.parse(created.json());
    expect(registered.model).toMatchObject({
      kind: "external_ranker",
      version: 1,
      status: "candidate",
      features: [...FIXTURE_FEATURES],
      outputs: ["p_click", "p_like"],
    });
    expect(registered.promoted).toBe(false);

    const listed = listModelsResponse.parse(
      (await app.inject({ method: "GET", url: "/v1/admin/models?slot=ranker", headers: { authorization: admin } })).json(),
    );
    expect(listed.models.map((model) => model.id)).toEqual([registered.model.id]);
    expect(listed.availableFeatures.map((feature) => feature.name)).toEqual(expect.arrayContaining(["item_ctr_3d", "position", "retrieval_score"]));
    expect(listed.serving.ranker).toBeNull();

    const promoted = await app.inject({
      method: "POST",
      url: `/v1/admin/models/${registered.model.id}/promote`,
      headers: { authorization: admin, "x-cascade-actor": "ops@example.com" },
    });
    expect(promoted.statusCode).toBe(200);
    const promotion = promoteModelResponse.parse(promoted.json());
    expect(promotion.serving.ranker?.id).toBe(registered.model.id);
    const audit = await db.auditLog.findFirst({ where: { action: "model.promote", entityId: registered.model.id } });
    expect(audit).toMatchObject({ actorType: "console_user", actorId: "ops@example.com" });

    const health = healthResponse.parse((await app.inject({ method: "GET", url: "/v1/health" })).json());
    expect(health.models.ranker).toMatchObject({ id: registered.model.id, version: 1, name: "partner ranker" });
    expect(health.model.status).toBe("ok");
  });

  it("refuses invalid uploads with 400 naming the field, and stores nothing", async () => {
    const cases: Array<{ body: Record<string, unknown>; path: string; message: RegExp }> = [
      { body: registerBody({ onnxBase64: Buffer.from("garbage garbage").toString("base64") }), path: "onnxBase64", message: /not a loadable ONNX model/ },
      {
        body: registerBody({ features: ["item_ctr_3d", "user_shoe_size", "context_hour_of_day", "item_popularity_3d"] }),
        path: "features",
        message: /unknown feature "user_shoe_size"/,
      },
      {
        body: registerBody({ features: FIXTURE_FEATURES.slice(0, 3) }),
        path: "features",
        message: /3 declared, but the model's input "features" takes 4 columns/,
      },
      { body: registerBody({ outputs: ["p_share"] }), path: "outputs", message: /no output "p_share"/ },
      { body: registerBody({ name: "" }), path: "name", message: /empty/ },
      { body: registerBody({ onnxBase64: "not base64!" }), path: "onnxBase64", message: /base64/ },
    ];
    for (const testCase of cases) {
      const response = await app.inject({
        method: "POST",
        url: "/v1/admin/models/external-rankers",
        headers: { authorization: admin },
        payload: testCase.body,
      });
      expect(response.statusCode, JSON.stringify(testCase.body).slice(0, 80)).toBe(400);
      const issue = (response.json() as { error: { issues: Array<{ path: string; message: string }> } }).error.issues[0]!;
      expect(issue.path).toBe(testCase.path);
      expect(issue.message).toMatch(testCase.message);
    }
    expect(await db.modelVersion.count()).toBe(0);
  });

  it("refuses uploads over the model upload limit with 413", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/admin/models/external-rankers",
      headers: { authorization: admin },
      payload: registerBody({ onnxBase64: "A".repeat(3 * 1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
  });

  it("rolls back a slot, answers 409 when there is nothing to roll back to and 404 for unknown ids", async () => {
    expect((await app.inject({ method: "POST", url: "/v1/admin/models/nope/promote", headers: { authorization: admin } })).statusCode).toBe(404);
    const none = await app.inject({ method: "POST", url: "/v1/admin/models/rollback", headers: { authorization: admin }, payload: { slot: "ranker" } });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ error: { code: "no_previous_version" } });
    const badSlot = await app.inject({ method: "POST", url: "/v1/admin/models/rollback", headers: { authorization: admin }, payload: { slot: "everything" } });
    expect(badSlot.statusCode).toBe(400);
    expect(badSlot.json()).toMatchObject({ error: { issues: [{ path: "slot" }] } });

    const v1 = await registerRankerFixture(db, dataDir, { name: "one", bytes: rankerOnnx(FIXTURE_FEATURES, 1) });
    const v2 = await registerRankerFixture(db, dataDir, { name: "two", bytes: rankerOnnx(FIXTURE_FEATURES, 2) });
    for (const id of [v1.id, v2.id]) await app.inject({ method: "POST", url: `/v1/admin/models/${id}/promote`, headers: { authorization: admin } });
    expect(activeModels.ranker()?.version.id).toBe(v2.id);
    const rolled = await app.inject({ method: "POST", url: "/v1/admin/models/rollback", headers: { authorization: admin }, payload: { slot: "ranker" } });
    expect(rolled.statusCode).toBe(200);
    const body = rollbackModelResponse.parse(rolled.json());
    expect(body.restored.id).toBe(v1.id);
    expect(body.retired?.id).toBe(v2.id);
    expect(body.serving.ranker?.id).toBe(v1.id);
  });

  it("promotes and rolls back the itemToItem slot, which /v1/health and the model list report", async () => {
    const v1 = await registerItemToItemFixture(db, dataDir, { name: "i2i one", neighbours: { a: [["b", 1]] } });
    const v2 = await registerItemToItemFixture(db, dataDir, { name: "i2i two", neighbours: { a: [["c", 1]] } });
    for (const id of [v1.id, v2.id])
      expect((await app.inject({ method: "POST", url: `/v1/admin/models/${id}/promote`, headers: { authorization: admin } })).statusCode).toBe(200);
    expect(activeModels.itemToItem()?.version.id).toBe(v2.id);
    const health = healthResponse.parse((await app.inject({ method: "GET", url: "/v1/health" })).json());
    expect(health.models.itemToItem).toMatchObject({ id: v2.id, kind: "item_item", version: 2, name: "i2i two" });
    expect(health.models.retrieval).toBeNull();
    const listed = listModelsResponse.parse(
      (await app.inject({ method: "GET", url: "/v1/admin/models?slot=itemToItem", headers: { authorization: admin } })).json(),
    );
    expect(listed.models.map((model) => [model.kind, model.version, model.status])).toEqual([
      ["item_item", 2, "active"],
      ["item_item", 1, "retired"],
    ]);
    const rolled = await app.inject({ method: "POST", url: "/v1/admin/models/rollback", headers: { authorization: admin }, payload: { slot: "itemToItem" } });
    expect(rolled.statusCode).toBe(200);
    expect(rollbackModelResponse.parse(rolled.json()).serving.itemToItem?.id).toBe(v1.id);
  });

  it("registers and promotes in one call", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/admin/models/external-rankers",
      headers: { authorization: admin },
      payload: registerBody({ promote: true }),
    });
    expect(created.statusCode).toBe(201);
    const body = registerExternalRankerResponse.parse(created.json());
    expect(body.promoted).toBe(true);
    expect(body.model.status).toBe("active");
    expect(activeModels.ranker()?.version.id).toBe(body.model.id);
  });
});

describe("no absolute server paths", () => {
  it("lists, promotes and registers with artifact paths relative to the data dir, also inside config, and none outside it", async () => {
    const inside = await registerRankerFixture(db, dataDir, { name: "paths inside", bytes: rankerOnnx() });
    expect(inside.artifactPath.startsWith(dataDir)).toBe(true);
    // A version whose files live outside the data dir, with a path in its config (as the two-tower's item vectors).
    const outside = await db.modelVersion.update({
      where: { id: (await registerRankerFixture(db, dataDir, { name: "paths outside", bytes: rankerOnnx() })).id },
      data: {
        artifactPath: "/srv/secret/layout/ranker.onnx",
        indexPath: "/srv/secret/layout/index.hnsw",
        config: { itemVectorsPath: `${dataDir}/models/two_tower/x/item-vectors.bin`, other: "/etc/secret/file.bin", epochs: 3 },
      },
    });
    const listed = listModelsResponse.parse((await app.inject({ method: "GET", url: "/v1/admin/models", headers: { authorization: admin } })).json());
    const promoted = await app.inject({ method: "POST", url: `/v1/admin/models/${inside.id}/promote`, headers: { authorization: admin } });
    const registered = await app.inject({
      method: "POST",
      url: "/v1/admin/models/external-rankers",
      headers: { authorization: admin },
      payload: registerBody(),
    });
    for (const text of [JSON.stringify(listed), promoted.body, registered.body]) {
      expect(text).not.toContain(dataDir);
      expect(text).not.toContain("/srv/secret");
      expect(text).not.toContain("/etc/secret");
    }
    const byId = new Map(listed.models.map((model) => [model.id, model]));
    expect(byId.get(inside.id)!.artifactPath).toBe(inside.artifactPath.slice(dataDir.length + 1));
    expect(byId.get(outside.id)!.artifactPath).toBe("ranker.onnx");
    expect(byId.get(outside.id)!.indexPath).toBe("index.hnsw");
    expect(byId.get(outside.id)!.config).toEqual({ itemVectorsPath: "models/two_tower/x/item-vectors.bin", other: "file.bin", epochs: 3 });
    expect(registerExternalRankerResponse.parse(registered.json()).model.artifactPath).toMatch(/^models\//);
  });
});
