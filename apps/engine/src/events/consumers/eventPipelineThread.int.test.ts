// The event pipeline in a worker thread, on real Redis and PostgreSQL: events published on the main
// thread reach the event log and the online features through the worker's own connections, its
// statistics cross the thread boundary, and stop() ends it.
import { randomUUID } from "node:crypto";
import type { Worker } from "node:worker_threads";
import type { StreamEvent } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOnlineFeatures } from "../../features/onlineFeatureReader.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import type { EventStream } from "../stream/eventStream.ts";
import { startEventPipelineThread, type EventPipelineThreadOptions } from "./eventPipelineThread.ts";
import { createRedisEventStream } from "../stream/redisEventStream.ts";

const logger = pino({ level: "silent" });
const run = `t${randomUUID().slice(0, 8)}`;
const streamName = `thread-${run}`;
let db: Database;
let store: OnlineStore;
let stream: EventStream;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
  stream = await createRedisEventStream({ url: process.env.TEST_REDIS_URL!, name: streamName, partitions: 2 });
});

afterAll(async () => {
  await stream.close();
  const redis = new Redis(process.env.TEST_REDIS_URL!);
  const keys = await redis.keys(`cascade:{${streamName}:*}`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await store.close();
  await db.$disconnect();
});

function clicks(count: number, tag = "e"): StreamEvent[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, n) => ({
    eventId: `${run}-${tag}${n}`,
    type: "click" as const,
    userId: `${run}-u${n % 3}`,
    itemId: `${run}-i${n % 5}`,
    occurredAt: now - 60_000 + n,
    receivedAt: now,
  }));
}

/** The pipeline thread on this test's stream, as consumer `consumerName`. */
function startThread(consumerName: string, options: Partial<EventPipelineThreadOptions> = {}) {
  return startEventPipelineThread({
    stream,
    streamName,
    redisUrl: process.env.TEST_REDIS_URL!,
    databaseUrl: process.env.TEST_DATABASE_URL!,
    logger,
    consumerName,
    runners: { blockMs: 50 },
    ...options,
  });
}

describe("event pipeline in a worker thread", () => {
  it("consumes what the main thread publishes into the event log and the online features", async () => {
    const pipeline = await startThread(`${run}-worker`);
    try {
      const events = clicks(30);
      await stream.publish(events.slice(0, 12));
      await stream.publish(events.slice(12));
      await pipeline.drained(20_000);

      expect(await db.event.count({ where: { eventId: { startsWith: `${run}-` } } })).toBe(30);
      // u0 clicked on events 0, 3, …, 27: 10 clicks within the last 24 h.
      const [vector] = await readOnlineFeatures(store, { userId: `${run}-u0`, itemIds: [`${run}-i0`], at: new Date() });
      expect(vector!.features.user_clicks_24h).toBe(10);

      const stats = await pipeline.stats();
      expect(stats.eventLog.inserted).toBe(30);
      expect(stats.freshness.count).toBe(30);
      expect(stats.consumers.map((consumer) => consumer.consumer)).toContain(`${run}-worker`);
      pipeline.resetFreshness();
      expect((await pipeline.stats()).freshness.count).toBe(0);

      // Re-sending the same events changes nothing (idempotent sinks behind the thread too).
      await stream.publish(events);
      await pipeline.drained(20_000);
      expect(await db.event.count({ where: { eventId: { startsWith: `${run}-` } } })).toBe(30);
      const [again] = await readOnlineFeatures(store, { userId: `${run}-u0`, itemIds: [`${run}-i0`], at: new Date() });
      expect(again!.features.user_clicks_24h).toBe(10);
      expect((await pipeline.stats()).eventLog.duplicatesDropped).toBe(30);
    } finally {
      await pipeline.stop();
    }
    await expect(pipeline.stats()).rejects.toThrow();
  });

  it("starts a dead worker again, which then consumes what was published meanwhile", async () => {
    const workers: Worker[] = [];
    const pipeline = await startThread(`${run}-restarted`, { restartDelayMs: 50, onWorkerStarted: (worker) => workers.push(worker) });
    try {
      expect(workers).toHaveLength(1);
      await workers[0]!.terminate();
      const events = clicks(10, "r");
      await stream.publish(events);
      await pipeline.drained(20_000);
      expect(workers).toHaveLength(2);
      expect(await db.event.count({ where: { eventId: { startsWith: `${run}-r` } } })).toBe(10);
      expect((await pipeline.stats()).eventLog.inserted).toBe(10);
    } finally {
      await pipeline.stop();
    }
  });
});
