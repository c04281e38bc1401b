// Rule sets against real PostgreSQL: drafts, publish (archive + audit + NOTIFY in the same
// transaction), roll back as a new version, and refusals with the schema's messages.
import { DEFAULT_SURFACE_CONFIGS, RULES_CHANGED_CHANNEL, surfaceConfigSchema } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  discardDraft,
  findDraftConfig,
  getRuleSetEditorState,
  listSurfaceRuleSets,
  publishRuleSet,
  rollbackToRuleSet,
  RuleSetChangeRefused,
  saveDraft,
} from "./rule-set.ts";

const surfaceId = `rules${Math.random().toString(36).slice(2, 8)}`;
const actor = { type: "console_user", id: null };
let db: Database;
let listener: pg.Client;
const notices: string[] = [];

const blocking = (category: string) =>
  surfaceConfigSchema.parse({
    ...DEFAULT_SURFACE_CONFIGS.home,
    filters: { ...DEFAULT_SURFACE_CONFIGS.home.filters, blocked: { itemIds: [], categories: [category], creators: [] } },
  });

async function noticesFor(expected: number): Promise<string[]> {
  // NOTIFY is delivered after commit; wait for the listener's connection to catch up.
  for (let attempt = 0; attempt < 100 && notices.filter((notice) => notice === surfaceId).length < expected; attempt++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return notices.filter((notice) => notice === surfaceId);
}

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await db.surface.create({ data: { id: surfaceId, name: "Rules test" } });
  listener = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await listener.connect();
  listener.on("notification", (message) => {
    if (message.channel === RULES_CHANGED_CHANNEL && message.payload) notices.push(message.payload);
  });
  await listener.query(`LISTEN ${RULES_CHANGED_CHANNEL}`);
});

afterAll(async () => {
  await listener?.end();
  await db.auditLog.deleteMany({ where: { entityType: "rule_set", after: { path: ["surfaceId"], equals: surfaceId } } });
  await db.surface.delete({ where: { id: surfaceId } });
  await db.$disconnect();
});

describe("rule sets", () => {
  it("keeps one draft per surface, validated, without notifying engines", async () => {
    const first = await saveDraft(db, { surfaceId, config: DEFAULT_SURFACE_CONFIGS.home, note: "first" }, actor);
    const second = await saveDraft(db, { surfaceId, config: blocking("news"), note: "second" }, actor);
    expect(second.id).toBe(first.id);
    expect(second.status).toBe("draft");
    expect((await findDraftConfig(db, surfaceId))?.filters.blocked.categories).toEqual(["news"]);
    await expect(
      saveDraft(db, { surfaceId, config: { ...DEFAULT_SURFACE_CONFIGS.home, filters: { expressions: [{ id: "x", keep: "age_hours <" }] } }, note: "" }, actor),
    ).rejects.toThrow(/config\.filters\.expressions\.0\.keep: column \d+/);
    expect(await noticesFor(0)).toEqual([]);
  });

  it("publishes the draft as a new version, archives the previous one, audits and notifies", async () => {
    const v1 = await publishRuleSet(db, { surfaceId, config: DEFAULT_SURFACE_CONFIGS.home, note: "baseline" }, actor);
    expect(v1.ruleSet).toMatchObject({ version: 1, status: "published" });
    expect(v1.archived).toBeNull();
    // The draft saved above was consumed by the publish.
    expect((await getRuleSetEditorState(db, surfaceId)).draft).toBeNull();

    const v2 = await publishRuleSet(db, { surfaceId, config: blocking("sports"), note: "block sports" }, actor);
    expect(v2.ruleSet).toMatchObject({ version: 2, status: "published" });
    expect(v2.archived).toMatchObject({ id: v1.ruleSet.id, status: "archived" });
    const state = await getRuleSetEditorState(db, surfaceId);
    expect(state.published).toMatchObject({ version: 2, configValid: true });
    expect((state.published!.config as { filters: { blocked: { categories: string[] } } }).filters.blocked.categories).toEqual(["sports"]);
    expect(await noticesFor(2)).toEqual([surfaceId, surfaceId]);
    const audit = await db.auditLog.findMany({ where: { entityType: "rule_set", entityId: v2.ruleSet.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "rule_set.publish",
      before: { published: { version: 1 } },
      after: { published: { version: 2 }, note: "block sports" },
    });
  });

  it("rolls back by publishing a copy of an older version; history stays append-only", async () => {
    const before = await listSurfaceRuleSets(db);
    const versions = before.surfaces.find((surface) => surface.id === surfaceId)!.versions;
    const v1 = versions.find((row) => row.version === 1)!;
    const change = await rollbackToRuleSet(db, { ruleSetId: v1.id }, actor);
    expect(change.ruleSet).toMatchObject({ version: 3, status: "published", note: "roll back to version 1" });
    expect(change.archived).toMatchObject({ version: 2, status: "archived" });
    const after = (await listSurfaceRuleSets(db)).surfaces.find((surface) => surface.id === surfaceId)!;
    expect(after.versions.map((row) => [row.version, row.status])).toEqual([
      [3, "published"],
      [2, "archived"],
      [1, "archived"],
    ]);
    expect(after.publishedVersion).toBe(3);
    const state = await getRuleSetEditorState(db, surfaceId);
    expect((state.published!.config as { filters: { blocked: { categories: string[] } } }).filters.blocked.categories).toEqual([]);
    expect(await noticesFor(3)).toHaveLength(3);
    const audit = await db.auditLog.findFirst({ where: { entityType: "rule_set", entityId: change.ruleSet.id } });
    expect(audit).toMatchObject({ action: "rule_set.rollback", after: { rolledBackFrom: { id: v1.id, version: 1 } } });
  });

  it("numbers a draft published after a roll back above every existing version, and can discard drafts", async () => {
    await saveDraft(db, { surfaceId, config: blocking("music"), note: "" }, actor);
    const draftVersion = (await getRuleSetEditorState(db, surfaceId)).draft!.version;
    expect(draftVersion).toBe(4);
    const v3 = (await listSurfaceRuleSets(db)).surfaces.find((surface) => surface.id === surfaceId)!.versions.find((row) => row.version === 3)!;
    await rollbackToRuleSet(db, { ruleSetId: v3.id }, actor); // v5, while the draft holds 4
    const published = await publishRuleSet(db, { surfaceId, config: blocking("music"), note: "" }, actor);
    expect(published.ruleSet.version).toBe(6);
    await saveDraft(db, { surfaceId, config: DEFAULT_SURFACE_CONFIGS.home, note: "" }, actor);
    expect(await discardDraft(db, surfaceId)).toEqual({ discarded: 1 });
    expect(await findDraftConfig(db, surfaceId)).toBeNull();
  });

  it("refuses unknown surfaces and drafts as roll back targets", async () => {
    await expect(publishRuleSet(db, { surfaceId: `${surfaceId}-missing`, config: DEFAULT_SURFACE_CONFIGS.home, note: "" }, actor)).rejects.toBeInstanceOf(
      RuleSetChangeRefused,
    );
    const draft = await saveDraft(db, { surfaceId, config: DEFAULT_SURFACE_CONFIGS.home, note: "" }, actor);
    await expect(rollbackToRuleSet(db, { ruleSetId: draft.id }, actor)).rejects.toThrow(/not a published or archived version/);
  });
});
