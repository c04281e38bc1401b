// The online feature writer alone (a script, not a test): per-event engine CPU, Redis CPU and Redis
// commands of `applyEventsToOnlineStore` on the Redis online store, with no HTTP, stream or
// PostgreSQL around it — the figures the full ingestion benchmark (ingest.ts) mixes with everything
// else. Feeds batches shaped like the consumer's (16 stream entries × 250 events, uniform users and
// items, the ingestion benchmark's event mix) as fast as they are written, in two phases: "cold"
// (a fresh Redis database: every entity, ledger and bucket new) and "warm" (the same entities
// again, a few seconds later).
//
//   node --import tsx apps/engine/bench/ingestWriter.ts [--redis redis://127.0.0.1:6393/0] [--events 200000]
//     [--batch 4000] [--users 100000] [--items 10000] [--flush]
//
// Point --redis at a redis-server of your own (INFO is server-wide). Writes bench-results/ingest-writer.json.
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "@cascade/db";
import { Redis } from "ioredis";
import type { FeatureEvent } from "../src/features/featureEvent.ts";
import { fixedItemCategories } from "../src/features/itemCategories.ts";
import { applyEventsToOnlineStore } from "../src/features/onlineFeatureWriter.ts";
import { createRedisOnlineStore } from "../src/stores/redisOnlineStore.ts";
import { BENCH_EVENT_MIX, BENCH_EVENT_MIX_WEIGHT, itemId } from "./benchEvents.ts";

const { values } = parseArgs({
  options: {
    redis: { type: "string", default: "redis://127.0.0.1:6393/0" },
    events: { type: "string", default: "200000" },
    batch: { type: "string", default: "4000" },
    users: { type: "string", default: "100000" },
    items: { type: "string", default: "10000" },
    flush: { type: "boolean", default: false },
    out: { type: "string", default: resolve(repoRoot, "bench-results/ingest-writer.json") },
  },
});
const totalEvents = Number(values.events);
const batchSize = Number(values.batch);
const users = Number(values.users);
const items = Number(values.items);

function events(count: number, prefix: string): FeatureEvent[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, n) => {
    let pick = Math.random() * BENCH_EVENT_MIX_WEIGHT;
    const chosen = BENCH_EVENT_MIX.find((entry) => (pick -= entry.weight) < 0) ?? BENCH_EVENT_MIX[0]!;
    return {
      eventId: `${prefix}-${n}`,
      type: chosen.type,
      userId: `bench-user-${Math.floor(Math.random() * users)}`,
      itemId: itemId(Math.floor(Math.random() * items)),
      occurredAt: now,
      value: chosen.value ? chosen.value() : null,
    };
  });
}

const redis = new Redis(values.redis);
if ((await redis.dbsize()) > 0) {
  if (!values.flush) throw new Error(`Redis database ${values.redis} is not empty (--flush empties it)`);
  await redis.flushdb();
}
const categories = fixedItemCategories(Object.fromEntries(Array.from({ length: items }, (_, n) => [itemId(n), `category-${n % 50}`])));
const store = await createRedisOnlineStore({ url: values.redis });
const phases = [];
try {
  for (const phase of ["cold", "warm"]) {
    const batches = Array.from({ length: Math.ceil(totalEvents / batchSize) }, (_, b) => events(batchSize, `${phase}-${b}`));
    const redisBefore = await serverStats(redis);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (const batch of batches) await applyEventsToOnlineStore(store, batch, new Date(), { itemCategories: categories });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const redisAfter = await serverStats(redis);
    const count = batches.length * batchSize;
    const commands: Record<string, number> = {};
    for (const [name, calls] of Object.entries(redisAfter.byCommand)) {
      const perEvent = (calls - (redisBefore.byCommand[name] ?? 0)) / count;
      if (perEvent >= 0.001) commands[name] = Number(perEvent.toFixed(3));
    }
    const result = {
      phase,
      events: count,
      eventsPerSecond: Math.round(count / seconds),
      engineMicrosecondsPerEvent: Number(((cpu.user + cpu.system) / count).toFixed(1)),
      redisMicrosecondsPerEvent: Number((((redisAfter.cpuSeconds - redisBefore.cpuSeconds) * 1e6) / count).toFixed(1)),
      redisCommandsPerEvent: Number(((redisAfter.commands - redisBefore.commands) / count).toFixed(2)),
      redisScriptCallsPerEvent: Number(((redisAfter.scriptCalls - redisBefore.scriptCalls) / count).toFixed(4)),
      commandsPerEventByName: commands,
      loadAverage: loadavg()[0],
    };
    phases.push(result);
    process.stdout.write(
      `${phase}: ${result.eventsPerSecond} events/s, engine ${result.engineMicrosecondsPerEvent} µs/event, Redis ${result.redisMicrosecondsPerEvent} µs/event, ${result.redisCommandsPerEvent} commands/event ${JSON.stringify(commands)} (load average ${(result.loadAverage ?? 0).toFixed(1)})\n`,
    );
  }
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(
    values.out,
    JSON.stringify({ measuredAt: new Date().toISOString(), settings: { totalEvents, batchSize, users, items }, phases }, null, 2) + "\n",
  );
} finally {
  await store.close();
  await redis.flushdb();
  redis.disconnect();
}

async function serverStats(client: Redis): Promise<{ cpuSeconds: number; commands: number; scriptCalls: number; byCommand: Record<string, number> }> {
  const [cpuInfo, commandInfo] = await Promise.all([client.info("cpu"), client.info("commandstats")]);
  const cpuField = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpuInfo)?.[1] ?? 0);
  const byCommand: Record<string, number> = {};
  let commands = 0;
  let scriptCalls = 0;
  for (const match of commandInfo.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) {
    const name = match[1]!;
    const calls = Number(match[2]);
    byCommand[name] = calls;
    if (name === "evalsha" || name === "eval") scriptCalls += calls;
    else if (name !== "info") commands += calls;
  }
  return { cpuSeconds: cpuField("used_cpu_user") + cpuField("used_cpu_sys"), commands, scriptCalls, byCommand };
}
