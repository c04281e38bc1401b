import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient, type Database } from "./client.ts";
import {
  MODEL_CHANGED_CHANNEL,
  ModelRegistryError,
  getActiveModelVersions,
  getModelVersion,
  listModelVersions,
  promoteModelVersion,
  registerModelVersion,
  rollbackModelSlot,
  type ModelChangedNotice,
} from "./modelRegistry.ts";
import type { ModelKind } from "./generated/prisma/client.ts";

const databaseUrl = process.env.TEST_DATABASE_URL!;
let db: Database;
let listener: pg.Client;
const notices: ModelChangedNotice[] = [];

beforeAll(async () => {
  db = createPrismaClient(databaseUrl, { poolSize: 4 });
  listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  listener.on("notification", (message) => {
    if (message.channel === MODEL_CHANGED_CHANNEL && message.payload) notices.push(JSON.parse(message.payload) as ModelChangedNotice);
  });
  await listener.query(`LISTEN ${MODEL_CHANGED_CHANNEL}`);
});
afterAll(async () => {
  await listener.end();
  await db.$disconnect();
});
beforeEach(async () => {
  await db.modelVersion.deleteMany({});
  await db.auditLog.deleteMany({ where: { entityType: "model_version" } });
  notices.length = 0;
});

const register = (kind: ModelKind, name = `${kind}-model`) =>
  registerModelVersion(db, { kind, name, artifactPath: `/tmp/${name}`, artifactDigest: "a".repeat(64), features: ["f1"], outputs: ["p_click"] });

/** A round trip through the listener connection: every notification sent before it has arrived. */
async function drainNotifications(): Promise<void> {
  await listener.query("SELECT 1");
}

describe("model registry", () => {
  it("numbers versions per kind, also under concurrent registration", async () => {
    const rankers = await Promise.all(Array.from({ length: 6 }, (_, index) => register("ranker", `r${index}`)));
    const towers = [await register("two_tower"), await register("two_tower")];
    expect(rankers.map((row) => row.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(towers.map((row) => row.version)).toEqual([1, 2]);
    expect(rankers.every((row) => row.status === "candidate")).toBe(true);
    const external = await register("external_ranker");
    expect(external.version).toBe(1);
  });

  it("lists by slot, kind and status, and gets by id", async () => {
    const tower = await register("two_tower");
    const ranker = await register("ranker");
    const external = await register("external_ranker");
    await promoteModelVersion(db, ranker.id);
    expect((await listModelVersions(db, { slot: "ranker" })).map((row) => row.id).sort()).toEqual([ranker.id, external.id].sort());
    expect((await listModelVersions(db, { slot: "retrieval" })).map((row) => row.id)).toEqual([tower.id]);
    expect((await listModelVersions(db, { status: "active" })).map((row) => row.id)).toEqual([ranker.id]);
    expect((await listModelVersions(db, { kind: "external_ranker", slot: "retrieval" })).length).toBe(0);
    expect((await getModelVersion(db, external.id))?.name).toBe("external_ranker-model");
    expect(await getModelVersion(db, "missing")).toBeNull();
  });

  it("keeps one active version per slot across ranker kinds and retires the previous one", async () => {
    const ranker = await register("ranker");
    const external = await register("external_ranker");
    const tower = await register("two_tower");
    const first = await promoteModelVersion(db, ranker.id, { type: "cli" });
    expect(first.retired).toBeNull();
    await promoteModelVersion(db, tower.id);
    const second = await promoteModelVersion(db, external.id, { type: "api_key", id: "ck_test" });
    expect(second.promoted.status).toBe("active");
    expect(second.retired?.id).toBe(ranker.id);
    expect(second.retired?.status).toBe("retired");
    const active = await getActiveModelVersions(db);
    expect(active.ranker?.id).toBe(external.id);
    expect(active.retrieval?.id).toBe(tower.id);
    expect((await getModelVersion(db, ranker.id))?.retiredAt).not.toBeNull();

    const audit = await db.auditLog.findMany({ where: { entityType: "model_version", action: "model.promote" }, orderBy: { id: "asc" } });
    expect(audit.map((row) => row.entityId)).toEqual([ranker.id, tower.id, external.id]);
    expect(audit[2]!.actorType).toBe("api_key");
    expect(audit[2]!.actorId).toBe("ck_test");
  });

  it("treats promoting the active version as a no-op", async () => {
    const ranker = await register("ranker");
    await promoteModelVersion(db, ranker.id);
    await drainNotifications();
    notices.length = 0;
    const again = await promoteModelVersion(db, ranker.id);
    expect(again.retired).toBeNull();
    await drainNotifications();
    expect(notices).toEqual([]);
  });

  it("rolls back to the most recently retired version of the slot, and back again", async () => {
    const v1 = await register("ranker");
    const v2 = await register("ranker");
    const v3 = await register("external_ranker");
    await promoteModelVersion(db, v1.id);
    await promoteModelVersion(db, v2.id);
    await promoteModelVersion(db, v3.id);
    const rolled = await rollbackModelSlot(db, "ranker", { type: "cli" });
    expect(rolled.restored.id).toBe(v2.id);
    expect(rolled.retired?.id).toBe(v3.id);
    expect((await getActiveModelVersions(db)).ranker?.id).toBe(v2.id);
    const audit = await db.auditLog.findFirst({ where: { action: "model.rollback" } });
    expect(audit?.entityId).toBe(v2.id);
    // A second rollback undoes the first (v3 is now the most recently retired).
    const undone = await rollbackModelSlot(db, "ranker");
    expect(undone.restored.id).toBe(v3.id);
  });

  it("refuses rollback when the slot has nothing to roll back to, and promote of an unknown id", async () => {
    const tower = await register("two_tower");
    await promoteModelVersion(db, tower.id);
    await expect(rollbackModelSlot(db, "retrieval")).rejects.toThrow(/retrieval slot has no retired version/);
    await expect(rollbackModelSlot(db, "ranker")).rejects.toBeInstanceOf(ModelRegistryError);
    await expect(promoteModelVersion(db, "nope")).rejects.toThrow(/does not exist/);
    expect((await getActiveModelVersions(db)).retrieval?.id).toBe(tower.id);
  });

  it("emits cascade_model_changed on promote and rollback, after commit", async () => {
    const v1 = await register("two_tower");
    const v2 = await register("two_tower");
    await promoteModelVersion(db, v1.id);
    await promoteModelVersion(db, v2.id);
    await rollbackModelSlot(db, "retrieval");
    await drainNotifications();
    expect(notices).toEqual([
      { slot: "retrieval", action: "promote", activeId: v1.id },
      { slot: "retrieval", action: "promote", activeId: v2.id },
      { slot: "retrieval", action: "rollback", activeId: v1.id },
    ]);
  });

  it("serialises concurrent promotions so a slot never ends with two active versions", async () => {
    const versions = await Promise.all(Array.from({ length: 5 }, (_, index) => register("ranker", `c${index}`)));
    await Promise.all(versions.map((row) => promoteModelVersion(db, row.id)));
    const active = await listModelVersions(db, { slot: "ranker", status: "active" });
    expect(active.length).toBe(1);
  });
});
