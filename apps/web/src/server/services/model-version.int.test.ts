import { createPrismaClient, type Database, recordModelGateDecision, registerModelVersion } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDeclarableFeatures, listModelVersionRows, ModelChangeRefused, promoteVersion, rollbackSlot } from "./model-version.ts";

// Versions of this file carry a random name prefix; the shared test database may hold others, so
// the assertions only follow these rows (a roll back re-activates the most recently retired one,
// which is ours whatever else the slot holds).
const prefix = `webmodels${Math.random().toString(36).slice(2, 8)}`;
const actor = { type: "console_user", id: "test-user" };
let db: Database;

beforeAll(() => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
});

afterAll(async () => {
  await db.featureDefinition.deleteMany({ where: { name: { startsWith: prefix } } });
  await db.$disconnect();
});

function externalRanker(name: string, metrics: object) {
  return registerModelVersion(db, {
    kind: "external_ranker",
    name: `${prefix} ${name}`,
    artifactPath: `/tmp/${prefix}/${name}.onnx`,
    artifactDigest: `${name}`.padEnd(64, "0"),
    features: ["f1", "f2"],
    outputs: ["p_click"],
    metrics: metrics as never,
  });
}

describe("model versions for the console", () => {
  it("lists versions with flattened metrics and their baselines, in the ranker slot", async () => {
    const stored = await externalRanker("listed", {
      ranking: { auc: 0.71, calibration: { ece: 0.03, bins: [0.1] } },
      baselines: { logistic: { ranking: { auc: 0.66 } } },
    });
    const { rows } = await listModelVersionRows(db);
    const row = rows.find((entry) => entry.id === stored.id);
    expect(row).toMatchObject({
      slot: "ranker",
      status: "candidate",
      version: stored.version,
      features: ["f1", "f2"],
      metrics: { "ranking.auc": 0.71, "ranking.calibration.ece": 0.03 },
      baselines: [{ name: "logistic", metrics: { "ranking.auc": 0.66 } }],
      gate: null,
    });
  });

  it("carries the scheduler's gate verdict, stored with the version by recordModelGateDecision", async () => {
    const stored = await externalRanker("gated", { ranking: { auc: 0.6 } });
    const decision = {
      slot: "ranker" as const,
      activeId: null,
      metric: "auc",
      candidate: 0.6,
      active: 0.7,
      margin: 0.01,
      promoted: false,
      reason: "kept as a candidate: auc 0.6000 vs active 0.7000",
    };
    await recordModelGateDecision(db, stored.id, decision);
    const row = (await listModelVersionRows(db)).rows.find((entry) => entry.id === stored.id);
    expect(row?.gate).toEqual({ promoted: false, reason: decision.reason });
    expect(row?.metrics).toMatchObject({ "gate.candidate": 0.6, "gate.active": 0.7 });
  });

  it("promotes, retires the previous version, and rolls back to it", async () => {
    const first = await externalRanker("first", {});
    const second = await externalRanker("second", {});

    const promotedFirst = await promoteVersion(db, first.id, actor);
    expect(promotedFirst.active).toMatchObject({ id: first.id, status: "active" });

    const promotedSecond = await promoteVersion(db, second.id, actor);
    expect(promotedSecond.active).toMatchObject({ id: second.id, status: "active" });
    expect(promotedSecond.retired).toMatchObject({ id: first.id, status: "retired" });

    const rolledBack = await rollbackSlot(db, "ranker", actor);
    expect(rolledBack.active).toMatchObject({ id: first.id, status: "active" });
    expect(rolledBack.retired).toMatchObject({ id: second.id, status: "retired" });
  });

  it("turns registry refusals into ModelChangeRefused", async () => {
    const refusal = await promoteVersion(db, `${prefix}-missing`, actor).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ModelChangeRefused);
    expect((refusal as ModelChangeRefused).reason).toBe("not_found");
  });
});

describe("listDeclarableFeatures", () => {
  beforeAll(async () => {
    await db.featureDefinition.createMany({
      data: [`${prefix}_b`, `${prefix}_a`].map((name) => ({ name, entity: "user" as const, description: `${name} desc`, definitionDigest: "0123" })),
    });
  });

  it("adds the engine's serving inputs to the registry table's names, without duplicates", async () => {
    const list = await listDeclarableFeatures(db, async () => ({
      ok: true,
      data: [
        { name: `${prefix}_a`, description: "engine copy" },
        { name: `${prefix}_position`, description: "slot position" },
      ],
    }));
    const ours = list.features.filter((feature) => feature.name.startsWith(prefix));
    expect(list.fromEngine).toBe(true);
    expect(ours).toEqual([
      { name: `${prefix}_a`, description: `${prefix}_a desc`, source: "registry" },
      { name: `${prefix}_b`, description: `${prefix}_b desc`, source: "registry" },
      { name: `${prefix}_position`, description: "slot position", source: "serving" },
    ]);
  });

  it("falls back to the registry table when the engine cannot be asked", async () => {
    const list = await listDeclarableFeatures(db, async () => ({ ok: false }));
    expect(list.fromEngine).toBe(false);
    expect(list.features.filter((feature) => feature.name.startsWith(prefix)).map((feature) => feature.source)).toEqual(["registry", "registry"]);
  });
});
