// At-least-once delivery with idempotent sinks, proven on real Redis and PostgreSQL: consumers
// that crash mid-batch (after writing part of it, before acknowledging) lose nothing and
// double-count nothing once another consumer has reclaimed their entries.
import { randomUUID } from "node:crypto";
import type { StreamEvent } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyEventsToOnlineStore } from "../../features/onlineFeatureWriter.ts";
import { readOnlineFeatures } from "../../features/onlineFeatureReader.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import { startConsumerRunner } from "./consumerRunner.ts";
import { OFFLINE_LOG_GROUP, ONLINE_FEATURES_GROUP, startEventPipeline } from "./eventPipeline.ts";
import type { EventStream, StreamEntry } from "../stream/eventStream.ts";
import { createEventLogPool, writeToEventLog } from "./offlineLogConsumer.ts";
import { createRedisEventStream } from "../stream/redisEventStream.ts";

const logger = pino({ level: "silent" });
const run = `p${randomUUID().slice(0, 8)}`;
let db: Database;
let store: OnlineStore;
let stream: EventStream;
let pool: ReturnType<typeof createEventLogPool>;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  pool = createEventLogPool(process.env.TEST_DATABASE_URL!, 2, logger);
  store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
  stream = await createRedisEventStream({ url: process.env.TEST_REDIS_URL!, name: `pipeline-${run}`, partitions: 2 });
});

afterAll(async () => {
  await stream.close();
  const redis = new Redis(process.env.TEST_REDIS_URL!);
  const keys = [...(await redis.keys(`cascade:{pipeline-${run}:*}`)), ...(await redis.keys(`cascade:{poison-${run}:*}`))];
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await store.close();
  await pool.end();
  await db.$disconnect();
});

/** 6 users × 30 events over a few minutes, two surfaces' worth of dimensions. */
function makeEvents(): StreamEvent[] {
  const types = ["impression", "impression", "click", "like", "watch", "purchase", "share", "hide", "dislike", "rating"] as const;
  const base = Date.now() - 10 * 60_000;
  const events: StreamEvent[] = [];
  for (let n = 0; n < 180; n += 1) {
    const type = types[n % types.length]!;
    const event: StreamEvent = {
      eventId: `${run}-e${n}`,
      type,
      userId: `${run}-u${n % 6}`,
      itemId: `${run}-i${n % 7}`,
      occurredAt: base + n * 2_000,
      receivedAt: Date.now(),
      surface: run,
    };
    if (type === "watch") event.value = 10 + (n % 5);
    if (type === "purchase") event.value = 2.5;
    if (type === "rating") event.value = 4;
    if (n % 3 === 0) event.context = { experiment: "exp", variant: n % 2 === 0 ? "a" : "b" };
    events.push(event);
  }
  return events;
}

type RollupNumbers = {
  impressions: number;
  clicks: number;
  likes: number;
  shares: number;
  hides: number;
  purchases: number;
  purchaseValue: number;
  watchSeconds: number;
  distinctUsers: number;
};

/** The rollups the events must produce, computed independently of the SQL. */
function expectedRollups(events: readonly StreamEvent[]): Map<string, RollupNumbers> {
  const rollups = new Map<string, Omit<RollupNumbers, "distinctUsers"> & { users: Set<string> }>();
  for (const event of events) {
    const minute = new Date(Math.floor(event.occurredAt / 60_000) * 60_000).toISOString();
    const key = `${event.context?.experiment ?? ""}/${event.context?.variant ?? ""}/${minute}`;
    const row = rollups.get(key) ?? {
      impressions: 0,
      clicks: 0,
      likes: 0,
      shares: 0,
      hides: 0,
      purchases: 0,
      purchaseValue: 0,
      watchSeconds: 0,
      users: new Set<string>(),
    };
    rollups.set(key, row);
    row.users.add(event.userId);
    if (event.type === "impression") row.impressions += 1;
    if (event.type === "click") row.clicks += 1;
    if (event.type === "like") row.likes += 1;
    if (event.type === "share") row.shares += 1;
    if (event.type === "hide" || event.type === "dislike") row.hides += 1;
    if (event.type === "purchase") {
      row.purchases += 1;
      row.purchaseValue += event.value!;
    }
    if (event.type === "watch") row.watchSeconds += event.value!;
  }
  return new Map([...rollups].map(([key, { users, ...numbers }]) => [key, { ...numbers, distinctUsers: users.size }]));
}

async function storedRollups(): Promise<Map<string, RollupNumbers>> {
  const rows = await db.metricRollup.findMany({ where: { surface: run } });
  return new Map(
    rows.map(({ experimentKey, variantKey, bucketStart, impressions, clicks, likes, shares, hides, purchases, purchaseValue, watchSeconds, distinctUsers }) => [
      `${experimentKey}/${variantKey}/${bucketStart.toISOString()}`,
      { impressions, clicks, likes, shares, hides, purchases, purchaseValue, watchSeconds, distinctUsers },
    ]),
  );
}

async function readNew(group: string, consumer: string, count: number): Promise<StreamEntry[]> {
  const entries: StreamEntry[] = [];
  for (let partition = 0; partition < stream.partitions; partition += 1) {
    entries.push(...(await stream.read(group, consumer, { partition, count, from: "new" })));
  }
  return entries;
}

async function userClicks24h(userId: string): Promise<number> {
  const [vector] = await readOnlineFeatures(store, { userId, itemIds: [`${run}-i0`], at: new Date() });
  return vector!.features.user_clicks_24h!;
}

describe("event pipeline under consumer crashes", () => {
  it("loses nothing and double-counts nothing when consumers die mid-batch and others reclaim", async () => {
    for (const group of [OFFLINE_LOG_GROUP, ONLINE_FEATURES_GROUP]) await stream.ensureGroup(group);
    const events = makeEvents();
    for (let offset = 0; offset < events.length; offset += 20) await stream.publish(events.slice(offset, offset + 20));

    // Crash 1 — killed after writing part of its batch, before the ack: a consumer of each group
    // takes 2 entries per partition, commits half of their events, and vanishes.
    for (const group of [OFFLINE_LOG_GROUP, ONLINE_FEATURES_GROUP]) {
      const taken = await readNew(group, "killed", 2);
      const batch = taken.flatMap((entry) => entry.events);
      expect(batch.length).toBeGreaterThan(0);
      const half = batch.slice(0, Math.ceil(batch.length / 2));
      if (group === OFFLINE_LOG_GROUP) await writeToEventLog(pool, half);
      else await applyEventsToOnlineStore(store, half);
    }

    // Crash 2 — the handler throws after writing part of its batch; the runner is then stopped.
    let throws = 0;
    const thrower = startConsumerRunner({
      stream,
      group: OFFLINE_LOG_GROUP,
      consumer: "thrower",
      partition: 0,
      batchEntries: 2,
      logger,
      backoffInitialMs: 10,
      handler: async ({ events: batch }) => {
        await writeToEventLog(pool, batch.slice(0, 5));
        throws += 1;
        throw new Error("crash mid-batch");
      },
    });
    while (thrower.stats().failures < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await thrower.stop();
    expect(throws).toBeGreaterThanOrEqual(2);
    expect((await stream.groupStatus()).find((status) => status.group === OFFLINE_LOG_GROUP)!.pending).toBeGreaterThan(0);

    // Rescue: a fresh consumer (another replica) reclaims whatever is idle and consumes the rest.
    const pipeline = await startEventPipeline({
      stream,
      databaseUrl: process.env.TEST_DATABASE_URL!,
      store,
      logger,
      consumerName: "rescuer",
      runners: { reclaimIdleMs: 0, reclaimEveryMs: 20, blockMs: 50 },
    });
    try {
      await pipeline.drained();
      const stats = await pipeline.stats();
      expect(stats.consumers.reduce((sum, consumer) => sum + consumer.reclaimed, 0)).toBeGreaterThan(0);
      // Events written before the crashes come back as duplicates and are dropped.
      expect(stats.eventLog.duplicatesDropped).toBeGreaterThan(0);
    } finally {
      await pipeline.stop();
    }

    // The event log holds every event exactly once…
    const stored = await db.event.findMany({ where: { surface: run }, select: { eventId: true } });
    expect(stored.map((row) => row.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
    // …unknown users were created…
    expect(await db.user.count({ where: { id: { startsWith: `${run}-u` } } })).toBe(6);
    // …the rollups are exact…
    expect(await storedRollups()).toEqual(expectedRollups(events));
    // …and so are the online features (user 0's clicks, each applied once).
    const clicksOfUser0 = events.filter((event) => event.userId === `${run}-u0` && event.type === "click").length;
    expect(clicksOfUser0).toBeGreaterThan(0);
    expect(await userClicks24h(`${run}-u0`)).toBe(clicksOfUser0);

    // Replaying everything once more (a redelivery of the whole stream) changes nothing.
    const before = await storedRollups();
    expect(await writeToEventLog(pool, events)).toEqual({ inserted: 0, duplicates: events.length });
    await applyEventsToOnlineStore(store, events);
    expect(await storedRollups()).toEqual(before);
    expect(await userClicks24h(`${run}-u0`)).toBe(clicksOfUser0);
  });
});

describe("event pipeline with a poison entry", () => {
  it("dead-letters the event no consumer can process, with the reason, and keeps the others flowing", async () => {
    const poisonStream = await createRedisEventStream({ url: process.env.TEST_REDIS_URL!, name: `poison-${run}`, partitions: 1 });
    const events = makeEvents().map((event) => ({ ...event, eventId: `${event.eventId}-p`, surface: `${run}-p` }));
    const poisonId = events[7]!.eventId;
    const written: string[] = [];
    const pipeline = await startEventPipeline({
      stream: poisonStream,
      databaseUrl: process.env.TEST_DATABASE_URL!,
      store,
      logger,
      consumerName: "poison-test",
      runners: { blockMs: 20, backoffInitialMs: 1, backoffMaxMs: 5, maxDeliveries: 3 },
      writeFeatures: async (_store, batch) => {
        if (batch.some((event) => event.eventId === poisonId)) throw new RangeError("feature value out of range");
        written.push(...batch.map((event) => event.eventId));
      },
    });
    try {
      for (let offset = 0; offset < events.length; offset += 30) await poisonStream.publish(events.slice(offset, offset + 30));
      await pipeline.drained();
      const stats = await pipeline.stats();
      expect(stats.consumers.reduce((sum, consumer) => sum + consumer.deadLetteredEvents, 0)).toBe(1);
    } finally {
      await pipeline.stop();
      await poisonStream.close();
    }
    expect([...new Set(written)].sort()).toEqual(
      events
        .map((event) => event.eventId)
        .filter((id) => id !== poisonId)
        .sort(),
    );
    const rows = await db.rejectedEvent.findMany({ where: { eventId: { in: events.map((event) => event.eventId) } } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ eventId: poisonId, field: "consumer:online-features" });
    expect(rows[0]!.reason).toContain("feature value out of range");
    expect((rows[0]!.payload as { eventId: string }).eventId).toBe(poisonId);
    // The event log (another group) stored every event, the poison one included.
    expect(await db.event.count({ where: { surface: `${run}-p` } })).toBe(events.length);
  });
});
