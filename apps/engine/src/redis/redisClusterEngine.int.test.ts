// The engine on a Redis Cluster, end to end: the app built by the composition root (testEngine)
// with its online store, event stream and deduplicator on a local six-node cluster, the event
// consumers in a worker thread as `cascade start` runs them. Every accepted event reaches the
// PostgreSQL event log exactly once and the online features; recommendations are served.
import { ingestEventsResponse, recommendationsResponse } from "@cascade/core";
import type { Cluster } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEventPipelineThread } from "../events/consumers/eventPipelineThread.ts";
import type { EventPipeline } from "../events/consumers/eventPipeline.ts";
import { readOnlineFeatures } from "../features/onlineFeatureReader.ts";
import { startTestEngine, type TestEngine } from "../server/testing/testEngine.ts";
import { closeRedis, connectRedis } from "./redisConnection.ts";
import { startLocalRedisCluster, type LocalRedisCluster } from "./testing/localRedisCluster.ts";
import { POPULARITY_ONLY_CONFIG } from "../server/testing/popularSurface.ts";

let cluster: LocalRedisCluster;
let engine: TestEngine;
let pipeline: EventPipeline;
let ingest: string;
let recommend: string;
let surface: string;
const USERS = 40;
const ITEMS = 20;
const item = (n: number) => `${engine.run}-item${n}`;
const user = (n: number) => `${engine.run}-user${n}`;

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ firstPort: 17010 });
  // The test engine opens its Redis connections on TEST_REDIS_URL: the cluster, for this engine only.
  const singleRedis = process.env.TEST_REDIS_URL;
  process.env.TEST_REDIS_URL = cluster.url;
  try {
    engine = await startTestEngine();
  } finally {
    process.env.TEST_REDIS_URL = singleRedis;
  }
  pipeline = await startEventPipelineThread({
    stream: engine.eventStream,
    streamName: `events-${engine.run}`,
    redisUrl: cluster.url,
    databaseUrl: process.env.TEST_DATABASE_URL!,
    logger: pino({ level: "silent" }),
    consumerName: `${engine.run}-worker`,
    runners: { blockMs: 50 },
  });
  ({ authorization: ingest } = await engine.createApiKey(["ingest"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  const items = Array.from({ length: ITEMS }, (_, n) => ({ id: item(n), category: `c${n % 4}`, publishedAt: "2026-01-01T00:00:00Z" }));
  const upserted = await engine.app.inject({ method: "PUT", url: "/v1/items", headers: { authorization: ingest }, payload: { items } });
  expect(upserted.statusCode).toBe(200);
});

afterAll(async () => {
  await pipeline?.stop();
  if (surface) await engine.db.surface.deleteMany({ where: { id: surface } });
  await engine?.close();
  await cluster?.stop();
});

async function postEvents(events: unknown[]) {
  const response = await engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization: ingest }, payload: { events } });
  expect(response.statusCode, response.body).toBe(200);
  return ingestEventsResponse.parse(response.json());
}

/** Event n: user n % USERS clicks (likes every 7th) item n % ITEMS, within the last hour. */
function event(n: number) {
  return {
    eventId: `${engine.run}-e${n}`,
    type: n % 7 === 0 ? "like" : "click",
    userId: user(n % USERS),
    itemId: item(n % ITEMS),
    timestamp: new Date(Date.now() - 60_000 - n).toISOString(),
  };
}

describe("the engine on a Redis Cluster", () => {
  it("ingests through POST /v1/events: each accepted event reaches the event log once and the online features", async () => {
    const events = Array.from({ length: 600 }, (_, n) => event(n));
    const accepted: string[] = [];
    for (let first = 0; first < events.length; first += 200) {
      const batch = events.slice(first, first + 200);
      // Every batch carries a repeat of its first event: a duplicate within the batch.
      const body = await postEvents([...batch, batch[0]]);
      expect(body).toMatchObject({ accepted: 200, duplicates: 1, rejected: 0 });
      accepted.push(...body.results.filter((result) => result.status === "accepted").map((result) => result.eventId!));
    }
    // A re-sent batch: every event a duplicate at the API.
    expect(await postEvents(events.slice(0, 200))).toMatchObject({ accepted: 0, duplicates: 200, rejected: 0 });
    await pipeline.drained(60_000);

    const stored = await engine.db.event.findMany({ where: { eventId: { startsWith: `${engine.run}-e` } }, select: { eventId: true } });
    expect(stored.map((row) => row.eventId).sort()).toEqual([...accepted].sort());
    expect(accepted).toHaveLength(600);

    // Online features, read through the engine's store (on the cluster): user 0 has 15 events within 24 h, some of them clicks.
    const clicksOfUser0 = events.filter((entry) => entry.userId === user(0) && entry.type === "click").length;
    const [vector] = await readOnlineFeatures(engine.store, { userId: user(0), itemIds: [item(0)], at: new Date() });
    expect(vector!.features.user_clicks_24h).toBe(clicksOfUser0);
    expect(clicksOfUser0).toBeGreaterThan(0);

    // The keys live on the cluster, spread over all three masters (KEYS asks one node: ask each master).
    const client = (await connectRedis({ url: cluster.url }, (message) => new Error(message))) as Cluster;
    try {
      const perMaster = await Promise.all(client.nodes("master").map(async (node) => (await node.keys(`*${engine.run}*`)).length));
      expect(perMaster.filter((count) => count > 0)).toHaveLength(3);
    } finally {
      await closeRedis(client);
    }

    const status = await engine.eventStream.groupStatus();
    expect(status.length).toBeGreaterThan(0);
    for (const group of status) expect(group).toMatchObject({ pending: 0, lag: 0 });
  });

  it("serves recommendations", async () => {
    await engine.ranking.refresh();
    surface = `${engine.run}-popular`;
    await engine.publishSurface(surface, POPULARITY_ONLY_CONFIG);
    const response = await engine.app.inject({
      method: "POST",
      url: "/v1/recommendations",
      headers: { authorization: recommend },
      payload: { surface, userId: user(1), count: 100 },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = recommendationsResponse.parse(response.json());
    expect(body.degraded).toBe(false);
    const ours = body.items.map((entry) => entry.itemId).filter((id) => id.startsWith(`${engine.run}-`));
    expect(new Set(ours)).toEqual(new Set(Array.from({ length: ITEMS }, (_, n) => item(n))));
  });
});
