// Ingestion benchmark (a script, not a test):
//   npm run bench:ingest -- [--duration 20] [--warmup 5] [--batch 1000] [--concurrency 8] [--rate events/s]
//     [--redis redis://127.0.0.1:6379/7] [--server postgresql://postgres@127.0.0.1:5432] [--partitions 4]
//     [--features registry|off]   (off: a no-op feature writer, to see what the rest costs)
//     [--consumers thread|inline] (thread: the stream consumers in a worker thread, as `cascade start` runs them with Redis)
//     [--shape slates|scattered]  (slates: every 16 events are one served request of one user; scattered: a random user per event)
//
// Starts the engine in this process exactly as production wires it — Redis event stream,
// Redis deduplicator, Redis online store, the event pipeline's consumers (event log + rollups,
// online features) — on a scratch PostgreSQL database it creates and drops and on a Redis database
// index of its own (default 7), which must be empty (it refuses otherwise; `--flush` empties it
// first) and which it flushes when done. It loads a
// small catalogue, then a worker thread drives `POST /v1/events` over loopback HTTP with batches of
// `--batch` unique events, `--concurrency` requests in flight, for `--warmup` + `--duration`
// seconds; only the last `--duration` seconds are measured. Reports:
// - accepted events/s at the HTTP API (events answered `accepted`, per second of the window);
// - events/s reaching the PostgreSQL event log in the same window, and how long the log took to
//   catch up once the load stopped;
// - event → online-feature freshness p50/p99: from the engine accepting an event (`receivedAt`,
//   stamped when the request handler starts) to the feature consumer having written its features
//   (recorded by the consumer for every event it processes in the window);
// - beside them, the ceiling: `redis-benchmark -q -n 200000 -P 16 XADD …` on the same Redis, in
//   the same run (one stream entry per XADD; our entries carry a chunk of events each);
// - per accepted event: the engine process's CPU µs, and the Redis server's CPU µs and commands
//   (INFO cpu / commandstats deltas over the window, commands run inside scripts included, the
//   EVALSHA calls themselves not; server-wide, so point --redis at a redis-server of your own,
//   e.g. `redis-server --port 6391 --save ''`, when others share the default one);
// - per accepted event: the CPU µs of the PostgreSQL backends serving the benchmark's database
//   (event log, users, rollups; /proc of the backends in pg_stat_activity, so a local server only);
// - per consumer group: batches, entries, failed attempts, poison entries quarantined (JSON only).
// Everything goes to bench-results/ingest.json. Timings on a shared 2-core machine are noisy:
// compare figures from one run, and runs made back to back.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateApiKey } from "@cascade/core";
import { applyMigrations, createPrismaClient, ensureDatabase, migrationsDir, repoRoot, type Database } from "@cascade/db";
import { Redis } from "ioredis";
import pg from "pg";
import { pino } from "pino";
import { startEventPipeline, type EventPipeline, type EventPipelineStats } from "../src/events/consumers/eventPipeline.ts";
import { startEventPipelineThread } from "../src/events/consumers/eventPipelineThread.ts";
import { createRedisEventDeduplicator } from "../src/events/dedup/redisEventDeduplicator.ts";
import { createRedisEventStream } from "../src/events/stream/redisEventStream.ts";
import { useItemCategoriesFrom } from "../src/features/itemCategories.ts";
import { PopularityRanking } from "../src/sources/popularityRanking.ts";
import { buildEngineApp } from "../src/composition/engine.ts";
import { createRedisOnlineStore } from "../src/stores/redisOnlineStore.ts";
import { startTypeScriptWorker } from "../src/platform/typescriptWorker.ts";
import { ENGINE_VERSION } from "../src/platform/version.ts";
import { ITEM_ID_PREFIX, type EventShape } from "./benchEvents.ts";
import type { LoadReport, LoadSettings } from "./ingestLoad.ts";
import { measureXaddCeiling, type XaddCeiling } from "./redisXaddCeiling.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "20" },
    warmup: { type: "string", default: "5" },
    batch: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    /** Offered load in events/s (open loop); omitted: as fast as the engine answers. */
    rate: { type: "string" },
    partitions: { type: "string", default: "4" },
    items: { type: "string", default: "10000" },
    users: { type: "string", default: "100000" },
    redis: { type: "string", default: "redis://127.0.0.1:6379/7" },
    server: { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
    out: { type: "string", default: resolve(repoRoot, "bench-results/ingest.json") },
    keep: { type: "boolean", default: false },
    flush: { type: "boolean", default: false },
    /** "off" replaces the feature writer with a no-op: isolates the cost of everything else. */
    features: { type: "string", default: "registry" },
    /** "thread": the consumers in a worker thread, as `cascade start` runs them with Redis; "inline": on the HTTP thread. */
    consumers: { type: "string", default: "thread" },
    /** "slates": 16 events per request from one user (a served slate); "scattered": a random user per event. */
    shape: { type: "string", default: "slates" },
  },
});
if (values.features !== "registry" && values.features !== "off") throw new Error("--features is registry or off");
if (values.consumers !== "thread" && values.consumers !== "inline") throw new Error("--consumers is thread or inline");
if (values.shape !== "slates" && values.shape !== "scattered") throw new Error("--shape is slates or scattered");
const settings = {
  durationS: positive(values.duration, "duration"),
  warmupS: Number(values.warmup),
  batchSize: positive(values.batch, "batch"),
  concurrency: positive(values.concurrency, "concurrency"),
  partitions: positive(values.partitions, "partitions"),
  items: positive(values.items, "items"),
  users: positive(values.users, "users"),
  rate: values.rate === undefined ? null : positive(values.rate, "rate"),
};
if (settings.batchSize > 1000) throw new Error("--batch is at most 1000 (the API's limit)");

const logger = pino({ level: "warn" });
const redisUrl = new URL(values.redis);
const redisDb = Number(redisUrl.pathname.slice(1) || "0");
const databaseName = `cascade_bench_ingest_${process.pid}`;
const databaseUrl = `${values.server}/${databaseName}`;

const redis = new Redis(values.redis);
// Another process's keys here (a test run, a dev engine) would be wiped by this run, and its
// flushes would wipe ours: refuse instead of measuring garbage.
if ((await redis.dbsize()) > 0) {
  if (!values.flush) {
    redis.disconnect();
    throw new Error(`Redis database ${values.redis} is not empty: pass another --redis index, or --flush to empty it`);
  }
  await redis.flushdb();
}
await ensureDatabase(databaseUrl);
try {
  await applyMigrations(databaseUrl, migrationsDir);
  const results = await measure();
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, JSON.stringify(results, null, 2) + "\n");
  printSummary(results);
} finally {
  if (!values.keep) {
    await redis.flushdb();
    await dropDatabase(values.server, databaseName);
  }
  redis.disconnect();
}

async function measure() {
  step("XADD ceiling (redis-benchmark)");
  const ceiling = await measureXaddCeiling({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379), db: redisDb });
  await redis.del("cascade:bench");

  step(`catalogue: ${settings.items} items`);
  await loadCatalogue(databaseUrl, settings.items);

  const db = createPrismaClient(databaseUrl);
  const store = await createRedisOnlineStore({ url: values.redis, logger });
  const eventStream = await createRedisEventStream({ url: values.redis, partitions: settings.partitions, logger });
  const eventDeduplicator = await createRedisEventDeduplicator({ url: values.redis, logger });
  // As boot does: the feature writer looks item categories up in the catalogue.
  useItemCategoriesFrom(db);
  // As boot does with Redis: the consumers in a worker thread (`--consumers inline`: on this thread).
  const pipeline: EventPipeline =
    values.consumers === "thread"
      ? await startEventPipelineThread({ stream: eventStream, redisUrl: values.redis, databaseUrl, logger, featuresOff: values.features === "off" })
      : await startEventPipeline({
          stream: eventStream,
          databaseUrl,
          store,
          logger,
          ...(values.features === "off" ? { writeFeatures: async () => undefined } : {}),
        });
  const ranking = new PopularityRanking(db, logger);
  const { app } = await buildEngineApp({
    db,
    store,
    logger,
    info: { version: ENGINE_VERSION, databaseMode: "external", storeMode: "redis" },
    eventStream,
    eventDeduplicator,
    bodyLimitBytes: 5 * 1024 * 1024,
    popularityRanking: ranking,
  });
  try {
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    const { key, prefix, hashedKey } = generateApiKey();
    await db.apiKey.create({ data: { name: "bench", prefix, hashedKey, scopes: ["ingest"] } });
    return await drive({ url: `${address}/v1/events`, authorization: `Bearer ${key}`, db, pipeline, ceiling });
  } finally {
    await app.close();
    await pipeline.stop();
    await ranking.stop();
    await eventDeduplicator.close();
    await eventStream.close();
    await store.close();
    await db.$disconnect();
  }
}

async function drive(engine: { url: string; authorization: string; db: Database; pipeline: EventPipeline; ceiling: XaddCeiling }) {
  const { db, pipeline, ceiling } = engine;
  step(`load: ${settings.batchSize}-event batches, ≤ ${settings.concurrency} in flight, ${settings.warmupS} s warm-up + ${settings.durationS} s measured`);
  const load: LoadSettings = {
    url: engine.url,
    authorization: engine.authorization,
    concurrency: settings.concurrency,
    rate: settings.rate,
    batchSize: settings.batchSize,
    users: settings.users,
    items: settings.items,
    idPrefix: `b${process.pid}`,
    shape: values.shape as EventShape,
  };
  const reports: LoadReport[] = [];
  const worker = startTypeScriptWorker(new URL("./ingestLoad.ts", import.meta.url), { workerData: load });
  const workerDone = new Promise<void>((resolveDone, reject) => {
    worker.on("message", (message: LoadReport | "done") => (message === "done" ? resolveDone() : reports.push(message)));
    worker.on("error", reject);
  });

  await sleep(settings.warmupS * 1000);
  const loadAverageAtStart = loadavg()[0]!;
  // The event log's own counter (rows newly inserted), not count(*): free, and exact at the instant.
  const windowStart = Date.now();
  const logRowsAtStart = (await pipeline.stats()).eventLog.inserted;
  pipeline.resetFreshness();
  const redisAtStart = await redisServerStats(redis);
  const postgresAtStart = await postgresBackendCpuSeconds(databaseUrl);
  const cpuAtStart = process.cpuUsage();
  await sleep(settings.durationS * 1000);
  const windowEnd = Date.now();
  const statsAtEnd = await pipeline.stats();
  const logRowsAtEnd = statsAtEnd.eventLog.inserted;
  const cpu = process.cpuUsage(cpuAtStart);
  const redisAtEnd = await redisServerStats(redis);
  const postgresAtEnd = await postgresBackendCpuSeconds(databaseUrl);
  const freshness = statsAtEnd.freshness;
  const groupsAtEnd = await pipeline.status();
  const loadAverageAtEnd = loadavg()[0]!;
  worker.postMessage("stop");
  await workerDone;
  await worker.terminate();

  step("draining: waiting for every consumer group to catch up");
  const drainStart = Date.now();
  await pipeline.drained(300_000);
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const finalStats = await pipeline.stats();
  const totalAccepted = reports.reduce((sum, report) => sum + report.accepted, 0);
  const totalLogged = await countEvents(db);

  const windowSeconds = (windowEnd - windowStart) / 1000;
  const inWindow = reports.filter((report) => report.at >= windowStart && report.at < windowEnd);
  const acceptedInWindow = inWindow.reduce((sum, report) => sum + report.accepted, 0);
  const latencies = inWindow.map((report) => report.latencyMs).sort((a, b) => a - b);
  const failed = inWindow.filter((report) => report.status !== 200);
  const acceptedPerSecond = acceptedInWindow / windowSeconds;
  const loggedPerSecond = (logRowsAtEnd - logRowsAtStart) / windowSeconds;

  return {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      // Other work on the machine during the window (1-minute load average): the figures are only as clean as this.
      loadAverage: { atStart: loadAverageAtStart, atEnd: loadAverageAtEnd },
    },
    settings: {
      ...settings,
      features: values.features,
      consumers: values.consumers,
      shape: values.shape,
      redis: values.redis,
      streamEntriesPerRequest: `≤ ${settings.partitions} (one per partition hit)`,
    },
    http: {
      windowSeconds,
      requests: inWindow.length,
      failedRequests: failed.length,
      acceptedEvents: acceptedInWindow,
      acceptedEventsPerSecond: Math.round(acceptedPerSecond),
      duplicates: inWindow.reduce((sum, report) => sum + report.duplicates, 0),
      rejected: inWindow.reduce((sum, report) => sum + report.rejected, 0),
      requestLatencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? null },
    },
    consumersCaughtUpSecondsAfterLoad: drainSeconds,
    consumerGroups: consumerTotals(finalStats),
    eventLog: {
      eventsPerSecondInWindow: Math.round(loggedPerSecond),
      totalAccepted,
      totalLogged,
      duplicatesDropped: finalStats.eventLog.duplicatesDropped,
    },
    freshness: { ...freshness, what: "engine accepted the event (receivedAt) → its online features written" },
    backlogAtWindowEnd: groupsAtEnd,
    ceiling: { ...ceiling, acceptedEventsPerXadd: ceiling.requestsPerSecond ? acceptedPerSecond / ceiling.requestsPerSecond : null },
    engineProcessCpu: {
      userSeconds: cpu.user / 1e6,
      systemSeconds: cpu.system / 1e6,
      coresUsed: (cpu.user + cpu.system) / 1e6 / windowSeconds,
      microsecondsPerAcceptedEvent: acceptedInWindow > 0 ? (cpu.user + cpu.system) / acceptedInWindow : null,
    },
    redisServer: {
      what: "the whole Redis server (all databases): other clients of a shared server count too; use a private redis-server for clean figures",
      cpuSeconds: redisAtEnd.cpuSeconds - redisAtStart.cpuSeconds,
      coresUsed: (redisAtEnd.cpuSeconds - redisAtStart.cpuSeconds) / windowSeconds,
      microsecondsPerAcceptedEvent: acceptedInWindow > 0 ? ((redisAtEnd.cpuSeconds - redisAtStart.cpuSeconds) * 1e6) / acceptedInWindow : null,
      commandsPerAcceptedEvent: acceptedInWindow > 0 ? (redisAtEnd.commands - redisAtStart.commands) / acceptedInWindow : null,
      commandsPerAcceptedEventByName: Object.fromEntries(
        Object.entries(redisAtEnd.byCommand)
          .map(([name, calls]) => [name, acceptedInWindow > 0 ? (calls - (redisAtStart.byCommand[name] ?? 0)) / acceptedInWindow : 0] as const)
          .filter(([, perEvent]) => perEvent >= 0.001)
          .sort((a, b) => b[1] - a[1]),
      ),
    },
    postgresBackends:
      postgresAtStart === null || postgresAtEnd === null
        ? null
        : {
            what: "CPU of the PostgreSQL backends connected to the benchmark's database (event log, rollups, catalogue), from /proc",
            cpuSeconds: postgresAtEnd - postgresAtStart,
            coresUsed: (postgresAtEnd - postgresAtStart) / windowSeconds,
            microsecondsPerAcceptedEvent: acceptedInWindow > 0 ? ((postgresAtEnd - postgresAtStart) * 1e6) / acceptedInWindow : null,
          },
    targets: { acceptedEventsPerSecond: 20_000, freshnessP99Ms: 1_000 },
  };
}

type Results = Awaited<ReturnType<typeof drive>>;

function printSummary(r: Results): void {
  const met = (ok: boolean) => (ok ? "meets target" : "BELOW TARGET");
  const lines = [
    "",
    `  Ingestion benchmark (${r.machine.cpus} cores, ${r.settings.batchSize}-event batches, ≤ ${r.settings.concurrency} in flight, ${r.settings.rate === null ? "closed loop" : `offered ${fmt(r.settings.rate)} events/s`}, features ${r.settings.features}, consumers ${r.settings.consumers}, ${r.settings.shape}, ${r.http.windowSeconds.toFixed(1)} s window)`,
    `    accepted at the HTTP API   ${fmt(r.http.acceptedEventsPerSecond)} events/s  (${met(r.http.acceptedEventsPerSecond >= r.targets.acceptedEventsPerSecond)}: ≥ 20,000)`,
    `      request latency          p50 ${ms(r.http.requestLatencyMs.p50)}  p99 ${ms(r.http.requestLatencyMs.p99)}  (${r.http.requests} requests, ${r.http.failedRequests} failed)`,
    `    reaching the event log     ${fmt(r.eventLog.eventsPerSecondInWindow)} events/s  (${fmt(r.eventLog.totalLogged)} of ${fmt(r.eventLog.totalAccepted)} accepted events logged in the end)`,
    `    consumers caught up        ${r.consumersCaughtUpSecondsAfterLoad.toFixed(1)} s after the load stopped (every group: no lag, nothing pending)`,
    `    feature freshness          p50 ${ms(r.freshness.p50Ms)}  p99 ${ms(r.freshness.p99Ms)}  max ${ms(r.freshness.maxMs)}  (${met((r.freshness.p99Ms ?? Infinity) < r.targets.freshnessP99Ms)}: p99 < 1 s; ${fmt(r.freshness.count)} events)`,
    `    ceiling: redis-benchmark   ${r.ceiling.requestsPerSecond === null ? "n/a" : fmt(Math.round(r.ceiling.requestsPerSecond))} XADD/s  (${r.ceiling.command})`,
    `      ratio                    ${r.ceiling.acceptedEventsPerXadd === null ? "n/a" : r.ceiling.acceptedEventsPerXadd.toFixed(3)} accepted events per raw XADD`,
    `    engine process CPU         ${r.engineProcessCpu.coresUsed.toFixed(2)} cores, ${r.engineProcessCpu.microsecondsPerAcceptedEvent?.toFixed(0) ?? "n/a"} µs per accepted event (HTTP + consumers + load worker)`,
    `    Redis server CPU           ${r.redisServer.coresUsed.toFixed(2)} cores, ${r.redisServer.microsecondsPerAcceptedEvent?.toFixed(1) ?? "n/a"} µs and ${r.redisServer.commandsPerAcceptedEvent?.toFixed(2) ?? "n/a"} commands per accepted event (commands run inside scripts included, the script calls themselves not)`,
    `    PostgreSQL backends CPU    ${r.postgresBackends === null ? "n/a (server not on this machine, or /proc unreadable)" : `${r.postgresBackends.coresUsed.toFixed(2)} cores, ${r.postgresBackends.microsecondsPerAcceptedEvent?.toFixed(1) ?? "n/a"} µs per accepted event`}`,
    `    load average (1 min)       ${r.machine.loadAverage.atStart.toFixed(1)} → ${r.machine.loadAverage.atEnd.toFixed(1)} (other work on the machine skews every figure above)`,
    `  written to ${values.out}`,
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

/** Per group: batches handled, entries, failed attempts, poison entries quarantined, the last error. */
function consumerTotals(stats: EventPipelineStats) {
  const totals: Record<string, { batches: number; entries: number; failures: number; quarantinedEntries: number; lastError: string | null }> = {};
  for (const consumer of stats.consumers) {
    const total = (totals[consumer.group] ??= { batches: 0, entries: 0, failures: 0, quarantinedEntries: 0, lastError: null });
    total.batches += consumer.batches;
    total.entries += consumer.entries;
    total.failures += consumer.failures;
    total.quarantinedEntries += consumer.quarantinedEntries;
    total.lastError ??= consumer.lastError;
  }
  return totals;
}

/** Server-wide CPU seconds and command counts (INFO cpu / commandstats); EVAL/EVALSHA are left out, the commands they run are in. */
async function redisServerStats(client: Redis): Promise<{ cpuSeconds: number; commands: number; byCommand: Record<string, number> }> {
  const [cpuInfo, commandInfo] = await Promise.all([client.info("cpu"), client.info("commandstats")]);
  const cpuField = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpuInfo)?.[1] ?? 0);
  const byCommand: Record<string, number> = {};
  let commands = 0;
  for (const match of commandInfo.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) {
    const name = match[1]!;
    const calls = Number(match[2]);
    byCommand[name] = calls;
    if (name !== "evalsha" && name !== "eval") commands += calls;
  }
  return { cpuSeconds: cpuField("used_cpu_user") + cpuField("used_cpu_sys"), commands, byCommand };
}

/**
 * CPU seconds (user + system) of the PostgreSQL backends serving the benchmark's database, read
 * from /proc; null when the server is not on this machine (or /proc is unreadable). The engine's
 * pools keep their connections, so the same backends are read at both ends of the window.
 */
async function postgresBackendCpuSeconds(url: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    let ticks = 0;
    for (const { pid } of rows) {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
      if (stat === null) continue;
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    // Linux's USER_HZ (`getconf CLK_TCK`) is 100 on every mainstream kernel.
    return rows.length > 0 ? ticks / 100 : null;
  } catch (error) {
    process.stderr.write(`PostgreSQL backend CPU not readable: ${error instanceof Error ? error.message : String(error)}\n`);
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function loadCatalogue(url: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO items (id, category, published_at, updated_at)
       SELECT $1 || n, 'category-' || (n % 50), now() - (n % 1000) * interval '1 hour', now()
       FROM generate_series(0, $2::int - 1) AS n`,
      [ITEM_ID_PREFIX, count],
    );
  } finally {
    await client.end();
  }
}

async function countEvents(database: Database): Promise<number> {
  const [row] = await database.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS count FROM events`;
  return row?.count ?? 0;
}

async function dropDatabase(server: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${server}/postgres` });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function quantile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

function positive(value: string | undefined, name: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer`);
  return number;
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function ms(value: number | null): string {
  return value === null ? "n/a" : `${Math.round(value)} ms`;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, milliseconds));
}

function step(message: string): void {
  process.stdout.write(`• ${message}\n`);
}
