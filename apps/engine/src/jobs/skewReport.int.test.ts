// The skew check end to end: events go to the Postgres log and, through the real-time writer, to
// Redis; requests read and log their served vectors; the report recomputes them from the log.
// Clean state → no mismatch; a corrupted Redis counter → that feature, and only it, is flagged.
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entityKey } from "../features/featureKeys.ts";
import { createItemCategoryCache, type ItemCategoryLookup } from "../features/itemCategories.ts";
import { applyEventsToOnlineStore } from "../features/onlineFeatureWriter.ts";
import { featureRegistry } from "../features/registry.ts";
import { hydrateAndLogServedFeatures } from "../features/servedFeatureLog.ts";
import { createRedisOnlineStore } from "../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { testEventHistory, TEST_CATEGORIES } from "../features/testing/featureTestEvents.ts";
import { computeSkewReport } from "./skewReport.ts";
import { insertEvents, insertItems } from "./testing/eventLogFixtures.ts";

const HOUR = 3_600_000;
/** A period no other test file writes events or served vectors to. */
const START = Date.UTC(2032, 4, 10, 6);
const PREFIX = "sk-";

describe("computeSkewReport", () => {
  let db: Database;
  let store: OnlineStore;
  let categories: ItemCategoryLookup;
  const users = ["user-1", "user-2", "user-3"].map((user) => PREFIX + user);
  const items = Object.keys(TEST_CATEGORIES).map((item) => PREFIX + item);
  // The shared history, renamed into this file's namespace.
  const events = testEventHistory({ startMs: START, count: 300, seed: 5 }).map((event) => ({
    ...event,
    eventId: PREFIX + event.eventId,
    userId: PREFIX + event.userId,
    itemId: PREFIX + event.itemId,
  }));
  const endMs = events[events.length - 1]!.occurredAt + 1;
  let requests = 0;

  /** Serves every user at `at` (all items), after applying the events before `at` that are still pending. */
  async function serveAt(at: number, pending: { next: number }): Promise<void> {
    const due: typeof events = [];
    while (pending.next < events.length && events[pending.next]!.occurredAt < at) due.push(events[pending.next++]!);
    if (due.length > 0) await applyEventsToOnlineStore(store, due, new Date(at), { itemCategories: categories });
    for (const userId of users) {
      requests += 1;
      await hydrateAndLogServedFeatures({
        db,
        store,
        userId,
        itemIds: items,
        requestId: `${PREFIX}req-${requests}`,
        surface: "home",
        at: new Date(at),
        sampleRate: 1,
        itemCategories: categories,
      });
    }
  }

  beforeAll(async () => {
    db = createPrismaClient(process.env.TEST_DATABASE_URL!);
    store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
    await insertItems(db, Object.fromEntries(Object.entries(TEST_CATEGORIES).map(([item, category]) => [PREFIX + item, category])));
    categories = createItemCategoryCache(db);
    await insertEvents(db, events);
  });

  afterAll(async () => {
    await db.event.deleteMany({ where: { eventId: { startsWith: PREFIX } } });
    await db.servedFeatureLog.deleteMany({ where: { requestId: { startsWith: PREFIX } } });
    await store.close();
    await db.$disconnect();
  });

  it("is clean when the online store saw exactly the logged events, and flags a corrupted counter", async () => {
    const pending = { next: 0 };
    const half = START + (endMs - START) / 2;
    for (let at = START + HOUR; at < half; at += 3 * HOUR) await serveAt(at, pending);

    const clean = await computeSkewReport(db, { from: new Date(START), to: new Date(half), warmupFrom: new Date(START) });
    expect(clean.sampleSize).toBeGreaterThan(50);
    expect(Object.keys(clean.features).sort()).toEqual([...featureRegistry.names].sort());
    for (const [name, skew] of Object.entries(clean.features)) {
      expect(skew.mismatchRate, name).toBe(0);
      expect(skew.compared, name).toBe(clean.sampleSize);
    }
    expect(clean.flagged).toBe(false);
    const stored = await db.skewReport.findUniqueOrThrow({ where: { id: clean.id! } });
    expect(stored).toMatchObject({ flagged: false, sampleSize: clean.sampleSize, threshold: 0.01 });

    // Inject: five phantom clicks for user-1 in the current hour's 24 h bucket, then keep serving.
    const corruptAt = Math.floor(half / HOUR) * HOUR + HOUR;
    await store.incrementHashes([{ key: entityKey("user", users[0]!, `w3600x24:${corruptAt / HOUR}`), increments: { clicks_24h: 5 } }]);
    for (let at = corruptAt + 10 * 60_000; at < endMs; at += 2 * HOUR) await serveAt(at, pending);

    const skewed = await computeSkewReport(db, { from: new Date(corruptAt), to: new Date(endMs), warmupFrom: new Date(START) });
    expect(skewed.flagged).toBe(true);
    const clicks = skewed.features.user_clicks_24h!;
    expect(clicks.flagged).toBe(true);
    expect(clicks.maxAbsDiff).toBeCloseTo(5, 9);
    // Exactly user-1's rows served while the corrupted bucket was inside their 24 h window disagree.
    const affected = await db.servedFeatureLog.count({
      where: { requestId: { startsWith: PREFIX }, userId: users[0]!, servedAt: { gte: new Date(corruptAt), lt: new Date(corruptAt + 24 * HOUR) } },
    });
    expect(affected).toBeGreaterThan(0);
    expect(clicks.mismatches).toBe(affected);
    expect(clicks.meanAbsDiff).toBeCloseTo((5 * affected) / clicks.compared, 9);
    for (const [name, skew] of Object.entries(skewed.features)) {
      if (name !== "user_clicks_24h") expect(skew.mismatchRate, name).toBe(0);
    }
  });

  it("flags a served value that was changed after serving", async () => {
    const [row] = await db.servedFeatureLog.findMany({ where: { requestId: { startsWith: PREFIX } }, orderBy: { id: "asc" }, take: 1 });
    const features = row!.features as Record<string, number>;
    await db.servedFeatureLog.update({ where: { id: row!.id }, data: { features: { ...features, item_ctr_3d: features.item_ctr_3d! + 0.25 } } });
    const report = await computeSkewReport(db, { from: row!.servedAt, to: new Date(row!.servedAt.getTime() + 1), warmupFrom: new Date(START), persist: false });
    expect(report.id).toBeNull();
    expect(report.sampleSize).toBe(items.length * users.length);
    expect(report.features.item_ctr_3d).toMatchObject({ mismatches: 1, flagged: true });
    expect(report.features.item_ctr_3d!.maxAbsDiff).toBeCloseTo(0.25, 9);
    expect(report.features.item_trending_6h!.mismatches).toBe(0);
  });
});
