// Issue 13: Redis restarted empty under a running engine. Before the fix the consumer groups were
// never recreated: every event accepted after the restart stayed on the stream forever while
// /v1/health said ok. This test runs its own redis-server on a free loopback port (never the shared
// 6379), stops it (SHUTDOWN NOSAVE: empty on restart; SHUTDOWN SAVE: restarted with its data) and
// checks that every accepted event reaches the event log exactly once, and what health says.
import { randomUUID } from "node:crypto";
import { generateApiKey, healthResponse, ingestEventsResponse } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEngineApp } from "../../composition/engine.ts";
import { createRedisEventDeduplicator } from "../dedup/redisEventDeduplicator.ts";
import type { EventDeduplicator } from "../dedup/eventDeduplicator.ts";
import { createRedisEventStream } from "../stream/redisEventStream.ts";
import type { EventStream } from "../stream/eventStream.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { startEventPipeline, type EventPipeline } from "./eventPipeline.ts";
import { startEventPipelineThread } from "./eventPipelineThread.ts";
import { PopularityRanking } from "../../sources/popularityRanking.ts";
import { redisAnswers, redisServer, type RedisServer } from "../../testing/redisServer.ts";

const run = `rs${randomUUID().slice(0, 8)}`;
let redis: RedisServer;
let port = 0;
const startRedis = () => redis.start();
const stopRedis = (save: boolean) => redis.stop({ save });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let db: Database;
let store: OnlineStore;
let stream: EventStream;
let deduplicator: EventDeduplicator;
let pipeline: EventPipeline;
let redisUrl: string;
let app: FastifyInstance;
let ranking: PopularityRanking;
let authorization: string;
let keyId: string;
const item = `${run}-item`;

beforeAll(async () => {
  for (port = 6391; await redisAnswers(port); port += 1) if (port > 6420) throw new Error("no free loopback port for redis-server");
  redis = redisServer(port);
  await startRedis();
  const url = (redisUrl = `redis://127.0.0.1:${port}/0`);
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  store = await createRedisOnlineStore({ url });
  stream = await createRedisEventStream({ url, name: `events-${run}`, retentionRefreshMs: 200 });
  deduplicator = await createRedisEventDeduplicator({ url });
  ranking = new PopularityRanking(db, logger, {});
  ({ app } = await buildEngineApp({
    db,
    store,
    logger,
    info: { version: "test", databaseMode: "external", storeMode: "redis" },
    eventStream: stream,
    eventDeduplicator: deduplicator,
    bodyLimitBytes: 1024 * 1024,
    popularityRanking: ranking,
    serving: { guardrailCheckIntervalMs: 0 },
  }));
  const { key, prefix, hashedKey } = generateApiKey();
  keyId = (await db.apiKey.create({ data: { name: `${run} ingest`, prefix, hashedKey, scopes: ["ingest"] } })).id;
  authorization = `Bearer ${key}`;
  await db.item.create({ data: { id: item, category: "c", publishedAt: new Date("2026-01-01T00:00:00Z") } });
});

afterAll(async () => {
  await app?.close();
  await ranking?.stop();
  await Promise.allSettled([deduplicator?.close(), stream?.close(), store?.close()]);
  await db?.apiKey.deleteMany({ where: { id: keyId } });
  await db?.$disconnect();
  await redis?.dispose();
});

const click = (eventId: string) => ({ eventId, type: "click", userId: `${run}-user`, itemId: item, timestamp: new Date().toISOString() });

/** Posts until the engine answers 200 (right after a restart the connections are still coming back: 503). */
async function postUntilAccepted(eventIds: string[]): Promise<void> {
  const payload = { events: eventIds.map(click) };
  for (let attempt = 0; ; attempt += 1) {
    const response = await app.inject({ method: "POST", url: "/v1/events", headers: { authorization }, payload });
    if (response.statusCode === 200) {
      const body = ingestEventsResponse.parse(response.json());
      // Every event is accepted (or, on a retry after a 503 that half-published, a duplicate of one that reached the stream).
      expect(body.rejected).toBe(0);
      expect(body.accepted + body.duplicates).toBe(eventIds.length);
      return;
    }
    expect(response.statusCode).toBe(503);
    if (attempt > 200) throw new Error("the engine kept answering 503");
    await sleep(100);
  }
}

async function storedCount(eventIds: string[]): Promise<number> {
  return db.event.count({ where: { eventId: { in: eventIds } } });
}

/** Polls the log until every id is stored (or the bound passes: then the count says how many are missing). */
async function waitForLog(eventIds: string[], boundMs = 20_000): Promise<number> {
  const deadline = Date.now() + boundMs;
  let count = await storedCount(eventIds);
  while (count < eventIds.length && Date.now() < deadline) {
    await sleep(100);
    count = await storedCount(eventIds);
  }
  return count;
}

async function health() {
  const response = await app.inject({ method: "GET", url: "/v1/health" });
  return healthResponse.parse(response.json());
}

async function waitForHealthOk(boundMs = 20_000) {
  const deadline = Date.now() + boundMs;
  let body = await health();
  while (body.status !== "ok" && Date.now() < deadline) {
    await sleep(100);
    body = await health();
  }
  if (body.status !== "ok") console.error("health still not ok:", JSON.stringify({ status: body.status, store: body.store, features: body.onlineFeatures }));
  return body;
}

const runners = { blockMs: 50, backoffMaxMs: 200, reclaimIdleMs: 1_000, reclaimEveryMs: 500 };

// Embedded-style consumers on the main thread, and production's worker thread (its own connections).
describe.each(["main thread", "worker thread"] as const)("the event pipeline across Redis restarts (issue 13), consumers on the %s", (mode) => {
  beforeAll(async () => {
    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
    const databaseUrl = process.env.TEST_DATABASE_URL!;
    pipeline =
      mode === "main thread"
        ? await startEventPipeline({ stream, databaseUrl, store, logger, runners })
        : await startEventPipelineThread({ stream, streamName: `events-${run}`, redisUrl, databaseUrl, logger, runners, restartDelayMs: 100 });
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  const ids = (label: string, count: number) => Array.from({ length: count }, (_, n) => `${run}-${mode === "main thread" ? "m" : "w"}-${label}-${n}`);

  it("delivers every event accepted after Redis restarted EMPTY to the log, exactly once, and health says ok only once it does", async () => {
    const before = ids("before", 20);
    await postUntilAccepted(before);
    expect(await waitForLog(before)).toBe(before.length);
    expect((await waitForHealthOk()).status).toBe("ok");

    // A sentinel written before the restart, not DBSIZE after it: the consumers reconnect within
    // ~100 ms and recreate their groups, so a key count raced them (CI once read 4 keys).
    const old = new Redis({ port, host: "127.0.0.1" });
    await old.set(`${run}-sentinel`, "1");
    old.disconnect();
    await stopRedis(false);
    await startRedis();
    const fresh = new Redis({ port, host: "127.0.0.1" });
    expect(await fresh.exists(`${run}-sentinel`)).toBe(0);
    fresh.disconnect();

    const after = ids("after-empty", 50);
    await postUntilAccepted(after.slice(0, 25));
    await postUntilAccepted(after.slice(25));
    expect(await waitForLog(after)).toBe(after.length);
    const stats = await pipeline.stats();
    expect(stats.consumers.some((consumer) => consumer.groupsRecreated > 0)).toBe(true);
    await pipeline.drained(20_000);
    const body = await waitForHealthOk();
    expect(body.status).toBe("ok");
    expect(body.store.status).toBe("ok");
    // Exactly once: the log's unique key would hide a second copy, so count what the consumer inserted.
    expect(await storedCount([...before, ...after])).toBe(before.length + after.length);
  });

  it("delivers every event accepted after Redis restarted WITH its data (groups and all) to the log", async () => {
    const before = ids("before-save", 20);
    await postUntilAccepted(before);
    expect(await waitForLog(before)).toBe(before.length);

    await stopRedis(true);
    await startRedis();

    const after = ids("after-save", 50);
    await postUntilAccepted(after);
    expect(await waitForLog(after)).toBe(after.length);
    await pipeline.drained(20_000);
    expect((await waitForHealthOk()).status).toBe("ok");
    expect(await storedCount([...before, ...after])).toBe(before.length + after.length);
  });
});
