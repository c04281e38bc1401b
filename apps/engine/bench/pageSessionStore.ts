// What a shared page session costs the request path (serving/redisPageSessions.ts against the
// in-process store), on a full-size session: a first page of 20 plus the 500 items kept after it,
// 20-character ids, 1–3 provenance hits per item.
//   node --import tsx apps/engine/bench/pageSessionStore.ts [--redis redis://127.0.0.1:6379/12] [--iterations 3000]
//     [--database postgresql://postgres@127.0.0.1:5432/<db> --requests 1000]
//
// First page: the write is not awaited, so what it adds to the response is the synchronous part of
// `put` (encoding + handing the command to ioredis), reported as "issue"; its whole CPU cost per
// write (reply handling included) is measured over a burst of writes. Later pages await `get`
// (one HGETALL) and, on capped surfaces, `putTail` (one script call): their round trips are
// reported beside a raw PING and a raw GET of a same-size string on the same Redis, the floor.
// Keys are written with a 60 s TTL under cascade:{ps:bench-…} and deleted at the end; nothing else
// in the Redis database is touched.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { MemoryPageSessionStore } from "../src/serving/memoryPageSessions.ts";
import { SESSION_PREFIX, SessionList, type NewPageSession, type PageSessionStore } from "../src/serving/pageSessions.ts";
import { encodeSession } from "../src/serving/pageSessionsCodec.ts";
import { createRedisPageSessionStore, pageSessionKey } from "../src/serving/redisPageSessions.ts";

const { values } = parseArgs({
  options: {
    redis: { type: "string", default: "redis://127.0.0.1:6379/12" },
    iterations: { type: "string", default: "3000" },
    // With a database: first pages through the HTTP app (app.inject) on a tiny serving world, with
    // the in-process store and with the Redis one, interleaved, 20 items per page.
    database: { type: "string" },
    requests: { type: "string", default: "1000" },
  },
});
const iterations = Number(values.iterations);

function session(): NewPageSession {
  const items = Array.from({ length: 520 }, (_, i) => ({
    itemId: `item-${String(i).padStart(6, "0")}-${randomUUID().slice(0, 8)}`,
    score: Math.random(),
    sources: [
      { id: "ann", rank: i, score: Math.random() },
      { id: "trending", rank: i * 2 },
      { id: "covisitation", rank: i + 7, score: Math.random() },
    ].slice(0, 1 + (i % 3)),
  }));
  return {
    id: `${SESSION_PREFIX}bench-${randomUUID()}`,
    surface: "home",
    userId: "bench-user",
    items: SessionList.of(items),
    caps: {
      caps: [{ id: "categoryDiversity", attribute: "category", maxPerWindow: 2, window: 5, depth: 1000 }],
      tails: new Map([[20, items.slice(16, 20).map((item) => item.itemId)]]),
    },
  };
}

function quantiles(samples: number[]): string {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  return `mean ${(mean * 1000).toFixed(1)} µs  p50 ${(at(0.5) * 1000).toFixed(1)}  p99 ${(at(0.99) * 1000).toFixed(1)}`;
}

async function timed(count: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const began = performance.now();
    await run(i);
    samples.push(performance.now() - began);
  }
  return samples;
}

const sessions = Array.from({ length: iterations }, session);
const bytes = encodeSession(sessions[0]!, Date.now()).length;
const encode = await timed(iterations, async (i) => encodeSession(sessions[i]!, Date.now()));

const memory: PageSessionStore = new MemoryPageSessionStore();
const memoryPut = await timed(iterations, (i) => memory.put(sessions[i]!));
const memoryGet = await timed(iterations, (i) => memory.get(sessions[i]!.id));

const redis = await createRedisPageSessionStore({ url: values.redis, ttlMs: 60_000 });
const raw = new Redis(values.redis);
// Warm-up: connection, script load.
for (let i = 0; i < 100; i += 1) await redis.put(sessions[i]!);
await redis.putTail(sessions[0]!.id, 24, ["a", "b"]);

// First page: only the synchronous part is on the response's path.
const issue: number[] = [];
const pending: Promise<void>[] = [];
for (let i = 0; i < iterations; i += 1) {
  const began = performance.now();
  pending.push(redis.put(sessions[i]!));
  issue.push(performance.now() - began);
  if (pending.length >= 50) await Promise.all(pending.splice(0));
}
await Promise.all(pending);
// CPU per write, reply handling included: a burst of writes in flight 50 at a time.
const cpuBefore = process.cpuUsage();
const burstBegan = performance.now();
for (let i = 0; i < iterations; i += 50) await Promise.all(sessions.slice(i, i + 50).map((s) => redis.put(s)));
const cpu = process.cpuUsage(cpuBefore);
const burstMs = performance.now() - burstBegan;

const redisPut = await timed(iterations, (i) => redis.put(sessions[i]!));
const redisGet = await timed(iterations, (i) => redis.get(sessions[i]!.id));
const redisTail = await timed(iterations, (i) => redis.putTail(sessions[i]!.id, 24, ["x", "y", "z", "w"]));
const ping = await timed(iterations, () => raw.ping());
const blob = "x".repeat(bytes);
await raw.set("cascade:{ps:bench-blob}", blob, "PX", 60_000);
const rawGet = await timed(iterations, () => raw.getBuffer("cascade:{ps:bench-blob}"));

for (let i = 0; i < iterations; i += 500) await raw.del(...sessions.slice(i, i + 500).map((s) => pageSessionKey(s.id)), "cascade:{ps:bench-blob}");
raw.disconnect();
await redis.close();

const ratio = (samples: number[]) => (samples.reduce((x, y) => x + y, 0) / ping.reduce((x, y) => x + y, 0)).toFixed(2);
console.log(`page session: 520 items, ${bytes} bytes encoded; ${iterations} iterations each`);
console.log(`encode                          ${quantiles(encode)}`);
console.log(`in-process put                  ${quantiles(memoryPut)}`);
console.log(`in-process get                  ${quantiles(memoryGet)}`);
console.log(`redis put, issue (first page)   ${quantiles(issue)}`);
console.log(
  `redis put, CPU per write        ${((((cpu.user + cpu.system) / iterations) * 1) / 1).toFixed(1)} µs (burst of ${iterations}, 50 in flight: ${(iterations / (burstMs / 1000)).toFixed(0)} writes/s)`,
);
console.log(`redis put, round trip           ${quantiles(redisPut)}  (${ratio(redisPut)}× PING)`);
console.log(`redis get (later page)          ${quantiles(redisGet)}  (${ratio(redisGet)}× PING)`);
console.log(`redis putTail (later page)      ${quantiles(redisTail)}  (${ratio(redisTail)}× PING)`);
console.log(`raw GET of ${bytes} bytes        ${quantiles(rawGet)}  (${ratio(rawGet)}× PING)`);
console.log(`raw PING (floor)                ${quantiles(ping)}`);

if (values.database) {
  // The serving world of the integration tests (serving/testing/servingWorld.ts) reads these.
  process.env.TEST_DATABASE_URL = values.database;
  process.env.TEST_REDIS_URL = values.redis;
  const { createServingWorld } = await import("../src/serving/testing/servingWorld.ts");
  const { buildEngineApp } = await import("../src/composition/engine.ts");
  const { createMemoryEventStream } = await import("../src/events/stream/memoryEventStream.ts");
  const { createMemoryEventDeduplicator } = await import("../src/events/dedup/memoryEventDeduplicator.ts");
  const { pino } = await import("pino");
  const world = await createServingWorld();
  const authorization = await world.createApiKey(["recommend"]);
  const shared = await createRedisPageSessionStore({ url: values.redis, ttlMs: 60_000 });
  const apps: FastifyInstance[] = [];
  for (const pageSessions of [undefined, shared]) {
    const { app, engine } = await buildEngineApp({
      db: world.db,
      store: world.store,
      logger: pino({ level: "silent" }),
      info: { version: "bench", databaseMode: "external", storeMode: "redis" },
      eventStream: createMemoryEventStream(),
      eventDeduplicator: createMemoryEventDeduplicator(),
      bodyLimitBytes: 1024 * 1024,
      popularityRanking: world.popularity,
      serving: { databaseUrl: values.database, rulesPollIntervalMs: 60_000, guardrailCheckIntervalMs: 0 },
      ...(pageSessions ? { pageSessions } : {}),
    });
    await engine.serving.warm();
    apps.push(app);
  }
  const requests = Number(values.requests);
  const first = (app: FastifyInstance) => async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/recommendations",
      headers: { authorization },
      payload: { surface: world.surface, userId: world.user("follower"), count: 2 },
    });
    if (response.statusCode !== 200 || response.json().cursor === null) throw new Error(`unexpected answer ${response.statusCode}`);
  };
  for (let i = 0; i < 200; i += 1) for (const app of apps) await first(app)();
  const samples: number[][] = [[], []];
  for (let i = 0; i < requests; i += 1) {
    for (const [k, app] of apps.entries()) {
      const began = performance.now();
      await first(app)();
      samples[k]!.push(performance.now() - began);
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`first page over HTTP (inject), ${requests} each, interleaved:`);
  console.log(`  in-process sessions            ${quantiles(samples[0]!)}`);
  console.log(`  redis sessions                 ${quantiles(samples[1]!)}  (median ratio ${(median(samples[1]!) / median(samples[0]!)).toFixed(3)})`);
  for (const app of apps) await app.close();
  await shared.close();
  await world.close();
}
