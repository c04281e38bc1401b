// The feature store against real Redis and PostgreSQL: idempotent writes and one-round-trip reads
// on Redis, the registry synced into feature_definitions, and freshness/coverage in featureStatus.
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisOnlineStore } from "../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { definitionDigest } from "./definitionDigest.ts";
import { defineFeature } from "./featureDefinition.ts";
import { FEATURE_FRESHNESS_KEY } from "./featureKeys.ts";
import { featureStatus } from "./featureStatus.ts";
import { syncFeatureDefinitions } from "./featureSync.ts";
import { createItemCategoryCache } from "./itemCategories.ts";
import { readOnlineFeatures } from "./onlineFeatureReader.ts";
import { applyEventsToOnlineStore } from "./onlineFeatureWriter.ts";
import { createFeatureRegistry, featureRegistry } from "./registry.ts";
import { backfillOnlineFeatures } from "../jobs/backfillOnlineFeatures.ts";
import { insertEvents } from "../jobs/testing/eventLogFixtures.ts";

const PREFIX = "fs-";

describe("feature store on Redis and PostgreSQL", () => {
  let db: Database;
  let store: OnlineStore;

  beforeAll(async () => {
    db = createPrismaClient(process.env.TEST_DATABASE_URL!);
    store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
    await db.item.createMany({
      data: [
        { id: `${PREFIX}a`, category: "music", publishedAt: new Date(0) },
        { id: `${PREFIX}b`, category: "sports", publishedAt: new Date(0) },
      ],
      skipDuplicates: true,
    });
    await db.user.createMany({ data: [{ id: `${PREFIX}u1` }, { id: `${PREFIX}u2` }], skipDuplicates: true });
  });

  afterAll(async () => {
    await store.close();
    await db.$disconnect();
  });

  it("applies a batch once on Redis, however often it is delivered, and reads it back", async () => {
    const now = Date.now();
    const categories = createItemCategoryCache(db);
    const events = [
      { eventId: `${PREFIX}e1`, type: "impression" as const, userId: `${PREFIX}u1`, itemId: `${PREFIX}a`, occurredAt: now - 5_000 },
      { eventId: `${PREFIX}e2`, type: "click" as const, userId: `${PREFIX}u1`, itemId: `${PREFIX}a`, occurredAt: now - 4_000 },
      { eventId: `${PREFIX}e3`, type: "watch" as const, userId: `${PREFIX}u1`, itemId: `${PREFIX}a`, occurredAt: now - 3_000, value: 40 },
    ];
    const first = await applyEventsToOnlineStore(store, events, new Date(now), { itemCategories: categories });
    const second = await applyEventsToOnlineStore(store, [...events].reverse(), new Date(now + 1), { itemCategories: categories });
    expect(first).toEqual({ updates: 6, duplicates: 0 });
    expect(second).toEqual({ updates: 6, duplicates: 6 });

    const [music, sports] = await readOnlineFeatures(
      store,
      { userId: `${PREFIX}u1`, itemIds: [`${PREFIX}a`, `${PREFIX}b`], at: new Date(now) },
      { itemCategories: categories },
    );
    expect(music!.features).toMatchObject({
      user_clicks_5m: 1,
      user_impressions_5m: 1,
      user_watch_seconds_5m: 40,
      user_item_recently_interacted: 1,
      user_category_affinity_share: 1,
    });
    expect(music!.features.item_clicks_3d).toBeCloseTo(2 ** (-4_000 / (3 * 86_400_000)), 9);
    expect(sports!.features).toMatchObject({ user_category_affinity: 0, user_item_recently_interacted: 0, item_clicks_3d: 0 });
    expect(sports!.defaulted).toContain("item_clicks_3d");
    const [stamps] = await store.readHashes([FEATURE_FRESHNESS_KEY]);
    expect(stamps!.user_clicks_5m).toBe(now);
  });

  it("backfills the online state from the event log, once", async () => {
    // Other test files share this database and write events around the real "now"; a window two
    // hours ahead is this test's alone.
    const now = Date.now() + 2 * 3_600_000;
    const from = new Date(now - 60_000);
    await insertEvents(db, [
      { eventId: `${PREFIX}b1`, type: "like", userId: `${PREFIX}u2`, itemId: `${PREFIX}b`, occurredAt: now - 20_000 },
      { eventId: `${PREFIX}b2`, type: "like", userId: `${PREFIX}u2`, itemId: `${PREFIX}a`, occurredAt: now - 10_000 },
    ]);
    try {
      const first = await backfillOnlineFeatures(db, store, { from, to: new Date(now), now: () => new Date(now) });
      const again = await backfillOnlineFeatures(db, store, { from, to: new Date(now), now: () => new Date(now) });
      expect(first).toEqual({ events: 2, duplicates: 0 });
      expect(again).toEqual({ events: 2, duplicates: 4 });
      const [vector] = await readOnlineFeatures(
        store,
        { userId: `${PREFIX}u2`, itemIds: [`${PREFIX}a`], at: new Date(now) },
        { itemCategories: createItemCategoryCache(db) },
      );
      expect(vector!.features).toMatchObject({ user_likes_5m: 2, user_recent_items_count: 2 });
      // Two equal likes 10 s apart, one per category: the older one has decayed a little more.
      expect(vector!.features.user_category_affinity_share).toBeCloseTo(1 / (1 + 2 ** (-10_000 / (3 * 86_400_000))), 12);
    } finally {
      await db.event.deleteMany({ where: { eventId: { startsWith: `${PREFIX}b` } } });
    }
  });

  it("syncs the registry into feature_definitions with a digest per definition", async () => {
    const first = await syncFeatureDefinitions(db);
    expect(first.created.length + first.changed.length + first.unchanged).toBe(featureRegistry.features.length);
    const again = await syncFeatureDefinitions(db);
    expect(again).toEqual({ created: [], changed: [], unchanged: featureRegistry.features.length, removed: [] });
    const rows = await db.featureDefinition.findMany();
    expect(rows.map((row) => row.name).sort()).toEqual([...featureRegistry.names].sort());
    const ctr = rows.find((row) => row.name === "item_ctr_3d")!;
    expect(ctr).toMatchObject({
      entity: "item",
      valueType: "number",
      window: "half-life 3d",
      defaultValue: 0.05,
      definitionDigest: definitionDigest(featureRegistry.get("item_ctr_3d")!),
    });

    // A changed definition gets a new digest; a feature gone from the code leaves the table.
    const changed = featureRegistry.features.map((feature) => (feature.name === "item_ctr_3d" ? defineFeature({ ...feature, default: 0.1 }) : feature));
    const shrunk = createFeatureRegistry(changed.filter((feature) => feature.name !== "context_day_of_week"));
    const result = await syncFeatureDefinitions(db, shrunk);
    expect(result).toMatchObject({ created: [], changed: ["item_ctr_3d"], removed: ["context_day_of_week"] });
    expect((await db.featureDefinition.findUniqueOrThrow({ where: { name: "item_ctr_3d" } })).defaultValue).toBe(0.1);
    await syncFeatureDefinitions(db);
  });

  it("reports freshness and sampled coverage, and stores them in feature_definitions", async () => {
    await syncFeatureDefinitions(db);
    const now = new Date();
    const statuses = await featureStatus(db, store, { now, sampleUsers: 500, sampleItems: 500, itemCategories: createItemCategoryCache(db) });
    const byName = new Map(statuses.map((status) => [status.name, status]));
    const clicks = byName.get("user_clicks_5m")!;
    expect(clicks.lastOnlineUpdateAt).not.toBeNull();
    expect(clicks.freshnessMs).toBeGreaterThanOrEqual(0);
    // Every user in the table was sampled; fs-u1 has 5-minute activity now (fs-u2's is two hours
    // ahead; other test files' users may have some too).
    const userCount = await db.user.count();
    expect(clicks.coverageSample).toBe(userCount);
    expect(clicks.coverage).toBeGreaterThanOrEqual(1 / userCount);
    expect(clicks.coverage).toBeLessThanOrEqual(1);
    expect(byName.get("context_hour_of_day")).toMatchObject({ coverage: 1, freshnessMs: null });
    const stored = await db.featureDefinition.findUniqueOrThrow({ where: { name: "user_clicks_5m" } });
    expect(stored.coverage).toBeCloseTo(clicks.coverage!, 12);
    expect(stored.lastOnlineUpdateAt?.getTime()).toBe(clicks.lastOnlineUpdateAt!.getTime());
  });
});
