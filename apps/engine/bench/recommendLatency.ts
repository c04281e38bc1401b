// Latency of the full serving funnel (POST /v1/recommendations) over a large catalogue, with a
// no-work endpoint on the same server as the floor:
//   node --max-semi-space-size=16 --no-memory-reducer --import tsx apps/engine/bench/recommendLatency.ts [--items 1000000] [--rates 50,100,200]
//     [--seconds 10] [--users 20000] [--events 100000] [--online-events 30000] [--dims 32]
//     [--server postgresql://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/6] [--database-name NAME] [--keep]
//     [--ranker-single-thread no|yes|both] [--profile-dir /tmp/prof [--profile-survivors]] [--lists-refresh-ms 60000] [--co-visitation-refresh-ms 600000]
//     [--admission on|off] [--max-in-flight N] [--repeat 1] [--warmup-seconds 3] [--warmup-requests 100]
//     [--ann-search thread|inline] [--ranker-run thread|inline] [--item-state-ttl-ms N] [--item-state-watched-ttl-ms N] [--profile-live FILE]
//     [--page-sessions memory|redis]
//
// Builds, in a scratch database it drops afterwards: `--items` items (50 categories, 5000
// creators), `--users` users (a quarter follow 5 creators), `--events` skewed events in the log
// (trending, popularity, co-visitation) of which the newest `--online-events` are also applied to
// the online store (user history and item features in Redis; the bench FLUSHES the given Redis
// database). Item vectors: unit vectors clustered by category (`--dims`), indexed with HNSW; the
// ranker: the trainer's multi-task architecture over every registry feature, exported to ONNX
// (initialised weights, not trained: inference cost is the same). The engine runs in this process;
// the load generator (bench/recommendLoad.ts) in one worker thread for all runs: open loop at each
// fixed rate, latency from each request's due time. The demo "home" surface's default config (budgets 15–40 ms).
//
// `--profile-dir`: a CPU profile and an allocation profile of the main thread (the engine) during
// each funnel run, written as funnel-<run>-<rate>.cpuprofile / .heapprofile (the index build and the
// load generator's worker are left out). `--profile-live FILE`: a sampling heap profile of the main
// thread from the start to the end of the runs, of what is still alive at the end (by allocation
// site: what each full collection has to mark).
//
// Reports per rate: p50/p95/p99/max, throughput, degraded share, the per-stage mean time (from
// the engine's Prometheus histograms), the engine thread's event-loop delay and GC pauses (the
// stalls behind a tail) and V8's young generation at its start and end (V8 shrinks it in a lull),
// the same for the bare endpoint, the highest rate with p99 under 50 ms,
// memory per million items (vectors + index), os.loadavg(). Per second of each funnel run: the p99,
// the engine thread's busy share and GC time and the machine's busy share and steal
// (threadTimeline.ts), the components whose mean passed 20 ms in some second (componentTimeline.ts); and the answers over 50 ms as the
// client and as the engine's own HTTP histogram timed them (a tail the engine did not see is spent
// before the request reached it). Writes bench-results/recommend-latency.json.
import "../src/platform/gcFlags.ts"; // first: V8 settings as the CLI runs them
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { createServer } from "node:http";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { getHeapSpaceStatistics } from "node:v8";
import type { Worker } from "node:worker_threads";
import { startTypeScriptWorker } from "../src/platform/typescriptWorker.ts";
import { generateApiKey } from "@cascade/core";
import { applyMigrations, createPrismaClient, ensureDatabase, migrationsDir, repoRoot } from "@cascade/db";
import hdr from "hdr-histogram-js";
import * as ort from "onnxruntime-node";
import { Redis } from "ioredis";
import pg from "pg";
import { pino } from "pino";
import { createMemoryEventDeduplicator } from "../src/events/dedup/memoryEventDeduplicator.ts";
import { createMemoryEventStream } from "../src/events/stream/memoryEventStream.ts";
import type { FeatureEvent } from "../src/features/featureEvent.ts";
import { applyEventsToOnlineStore } from "../src/features/onlineFeatureWriter.ts";
import { featureRegistry } from "../src/features/registry.ts";
import type { ServingRetrieval } from "../src/models/servingModels.ts";
import { retrievalRows } from "../src/models/retrievalRows.ts";
import type { ServingRanker } from "../src/ranking/servingRanker.ts";
import { RANKER_OUTPUTS, createMultiTaskRanker } from "../src/ranking/multiTaskRanker.ts";
import { exportRankerToOnnx } from "../src/training/ranker/onnxExport.ts";
import { loadServingOnnxRanker, RankerThread, useRankerThread } from "../src/ranking/rankerThread.ts";
import { buildAnnIndex, saveAnnIndex, type AnnIndex } from "../src/retrieval/annIndex.ts";
import { AnnSearchThread } from "../src/retrieval/annSearchThread.ts";
import { buildEngineApp } from "../src/composition/engine.ts";
import type { EngineDeps } from "../src/server/engineDeps.ts";
import type { ServingModels } from "../src/serving/servingStack.ts";
import { createRedisOnlineStore } from "../src/stores/redisOnlineStore.ts";
import { createRedisPageSessionStore } from "../src/serving/redisPageSessions.ts";
import type { PageSessionStore } from "../src/serving/pageSessions.ts";
import type { RecommendLoadMessage, RecommendLoadResult, RecommendLoadSettings } from "./recommendLoad.ts";
import { busiestPostgresProcesses, cpuPerRequest, cpuSnapshot, processThreadIds, type CpuPerRequest } from "./cpuByPlace.ts";
import { ComponentTimeline } from "./componentTimeline.ts";
import { ThreadTimeline, type SecondsTimeline } from "./threadTimeline.ts";
import { createRandom } from "@cascade/core";
import { engineEnvSchema, funnelAdmissionFromEnv } from "../src/platform/env.ts";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "1000000" },
    users: { type: "string", default: "20000" },
    events: { type: "string", default: "100000" },
    "online-events": { type: "string", default: "30000" },
    dims: { type: "string", default: "32" },
    rates: { type: "string", default: "50,100,200" },
    seconds: { type: "string", default: "10" },
    count: { type: "string", default: "20" },
    server: { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
    redis: { type: "string", default: "redis://127.0.0.1:6379/6" },
    port: { type: "string", default: "4871" },
    // The scratch database's name (default cascade_recommend_bench_<pid>); it is dropped afterwards unless --keep.
    "database-name": { type: "string" },
    keep: { type: "boolean", default: false },
    // "no": the engine's own loader (ranking/onnxInference.ts, single-threaded since
    // onnxSessionOptions.ts); "yes": a session built here that also turns spinning off explicitly.
    // "both": every rate with each.
    "ranker-single-thread": { type: "string", default: "no" },
    "profile-dir": { type: "string" },
    "profile-survivors": { type: "boolean", default: false },
    // A sampling heap profile from the start to the end of the runs that keeps only what is still
    // alive at the end, by allocation site: what the old generation's marking has to trace.
    "profile-live": { type: "string" },
    // Where page sessions live: "memory" = the in-process store (the embedded default), "redis" = the
    // store of an engine with REDIS_URL (redisPageSessions.ts), in the `--redis` database.
    "page-sessions": { type: "string", default: "memory" },
    // How often the popularity, trending and fresh lists are re-read (the engine's default: every
    // 60 s, fresh every 30 s; popularity and trending from the incrementally kept item_engagement,
    // each timer at its own random phase: platform/periodicTimer.ts).
    "lists-refresh-ms": { type: "string", default: "60000" },
    // How often the co-visitation table is rebuilt (the engine's default: every 10 min, at a random
    // phase, in a worker thread: sources/coVisitationBuilder.ts); shorter puts rebuilds inside the runs.
    "co-visitation-refresh-ms": { type: "string", default: "600000" },
    // Load shedding on the funnel routes (server/funnelAdmission.ts): "on" = the engine's defaults
    // (CASCADE_FUNNEL_*, as `cascade start` runs), "off" = no gate; --max-in-flight overrides the bound.
    admission: { type: "string", default: "on" },
    // The whole --rates sequence this many times in a row, on the same engine (consecutive runs).
    repeat: { type: "string", default: "1" },
    // Seconds of unreported load at 20/s before the first rate (JIT, pools, caches); 0 = the first rate meets a cold engine.
    "warmup-seconds": { type: "string", default: "3" },
    "max-in-flight": { type: "string" },
    // Throwaway funnels the engine runs at start (serving/requestPathWarmUp.ts); default: CASCADE_WARMUP_REQUESTS's default.
    "warmup-requests": { type: "string" },
    // Where HNSW is searched (CASCADE_ANN_SEARCH): "thread" = the serve role's default, the index saved to a
    // scratch file and loaded in the ANN search thread; "inline" = the request thread.
    "ann-search": { type: "string", default: "thread" },
    // Where the ranker's ONNX session runs (CASCADE_RANKER_RUN): "thread" = the serve role's default, the
    // ranker thread; "inline" = the request thread. (--ranker-single-thread yes runs its own session inline.)
    "ranker-run": { type: "string", default: "thread" },
    // The item-state cache's TTL (serving option itemStateTtlMs; default the serving stack's 10 s).
    "item-state-ttl-ms": { type: "string" },
    // How long an unchanged item's state is kept while Redis's change feed is live (serving option
    // itemStateWatchedTtlMs; default 10 min; at most --item-state-ttl-ms: no longer than without the feed).
    "item-state-watched-ttl-ms": { type: "string" },
  },
});
const listsRefreshMs = Number(values["lists-refresh-ms"]);
const coVisitationRefreshMs = Number(values["co-visitation-refresh-ms"]);
if (!(coVisitationRefreshMs > 0)) throw new Error("--co-visitation-refresh-ms must be a positive number of milliseconds");
const itemCount = Number(values.items);
const userCount = Number(values.users);
const eventCount = Number(values.events);
const onlineEvents = Number(values["online-events"]);
const dims = Number(values.dims);
const rates = Array.from({ length: Number(values.repeat) }, () => values.rates.split(",").map(Number)).flat();
const durationMs = Number(values.seconds) * 1000;
/** A funnel component whose mean in some second of a run reaches this is printed per second (what a latency spike waited on). */
const SLOW_COMPONENT_MS = 20;
/** A single component duration this long in some second is reported with that component's longest per second. */
const STALLED_COMPONENT_MS = 40;
const port = Number(values.port);
const CATEGORIES = 50;
const logger = pino({ level: "warn" });
const log = (message: string) =>
  console.log(
    `[${new Date().toISOString().slice(11, 19)}] ${message}  (loadavg ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")})`,
  );

const liveProfile = await startLiveHeapProfile(values["profile-live"]);
const databaseName = values["database-name"] ?? `cascade_recommend_bench_${process.pid}`;
const databaseUrl = `${values.server}/${databaseName}`;
const redis = new Redis(values.redis);

async function seedDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`INSERT INTO creators (id, name) SELECT 'c' || g, 'creator ' || g FROM generate_series(0, 4999) g`);
    await client.query(
      `INSERT INTO items (id, category, creator_id, published_at, available)
       SELECT 'i' || g, 'cat' || (g % ${CATEGORIES}), 'c' || (g % 5000), now() - ((g % 720) || ' hours')::interval, g % 97 <> 0
       FROM generate_series(0, ${itemCount - 1}) g`,
    );
    await client.query(`INSERT INTO users (id) SELECT 'u' || g FROM generate_series(0, ${userCount - 1}) g`);
    await client.query(
      `INSERT INTO follows (user_id, creator_id) SELECT DISTINCT 'u' || u, 'c' || ((u * 31 + k * 977) % 5000)
       FROM generate_series(0, ${Math.floor(userCount / 4) - 1}) u, generate_series(0, 4) k`,
    );
    // Skewed item popularity (random()^4) and a mix of types, over the last 48 hours.
    await client.query(
      `INSERT INTO events (event_id, type, user_id, item_id, occurred_at)
       SELECT 'e' || g,
              (ARRAY['impression','impression','click','click','like','watch'])[1 + floor(random() * 6)::int]::"EventType",
              'u' || floor(random() * ${userCount})::int,
              'i' || floor(${itemCount} * power(random(), 4))::int,
              now() - random() * interval '48 hours'
       FROM generate_series(0, ${eventCount - 1}) g`,
    );
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

async function loadOnlineStore(store: Awaited<ReturnType<typeof createRedisOnlineStore>>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const rows = await client.query<{ event_id: string; type: FeatureEvent["type"]; user_id: string; item_id: string; at: string }>(
    `SELECT event_id, type::text AS type, user_id, item_id, (extract(epoch FROM occurred_at) * 1000)::float8 AS at FROM events ORDER BY occurred_at DESC LIMIT ${onlineEvents}`,
  );
  await client.end();
  const events: FeatureEvent[] = rows.rows
    .reverse()
    .map((row) => ({ eventId: row.event_id, type: row.type, userId: row.user_id, itemId: row.item_id, occurredAt: Number(row.at) }));
  for (let start = 0; start < events.length; start += 1000) await applyEventsToOnlineStore(store, events.slice(start, start + 1000));
}

function buildRetrieval(): { retrieval: ServingRetrieval; buildMs: number; bytes: number } {
  const random = createRandom(42);
  const gaussian = () => random.normal();
  const centroids = Array.from({ length: CATEGORIES }, () => Array.from({ length: dims }, gaussian));
  const vectors = new Float32Array(itemCount * dims);
  for (let item = 0; item < itemCount; item += 1) {
    const centroid = centroids[item % CATEGORIES]!;
    let norm = 0;
    for (let c = 0; c < dims; c += 1) {
      const value = centroid[c]! + 0.7 * gaussian();
      vectors[item * dims + c] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    for (let c = 0; c < dims; c += 1) vectors[item * dims + c]! /= norm;
  }
  const heapBefore = process.memoryUsage();
  const startedAt = performance.now();
  const index = buildAnnIndex(vectors, dims, {
    m: 12,
    efConstruction: 64,
    efSearch: 100,
    progressEvery: 100_000,
    onProgress: (done, total) => log(`  index ${done}/${total}`),
  });
  const buildMs = performance.now() - startedAt;
  const heapAfter = process.memoryUsage();
  // Native index memory shows in rss; the vectors are an ArrayBuffer (external/arrayBuffers).
  const bytes = heapAfter.rss - heapBefore.rss + vectors.byteLength;
  const itemIds = Array.from({ length: itemCount }, (_, item) => `i${item}`);
  const retrieval: ServingRetrieval = { dimensions: dims, itemIds, vectors, index };
  retrievalRows(retrieval); // as the engine's model loader does when a version is loaded
  return { retrieval, buildMs, bytes };
}

async function buildRanker(singleThread: boolean): Promise<ServingRanker> {
  const featureNames = [...featureRegistry.names, "retrieval_score"];
  const model = createMultiTaskRanker({ featureNames, hiddenSizes: [64, 32], seed: 7 });
  const bytes = exportRankerToOnnx(model);
  const [click, like, watch] = RANKER_OUTPUTS;
  if (singleThread) {
    const single = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
    return {
      featureNames,
      outputs: [...RANKER_OUTPUTS],
      async score(features, rows) {
        const results = await single.run({ [single.inputNames[0]!]: new ort.Tensor("float32", features, [rows, featureNames.length]) });
        return { [click]: results[click]!.data as Float32Array, [like]: results[like]!.data as Float32Array, [watch]: results[watch]!.data as Float32Array };
      },
      release: () => single.release(),
    };
  }
  const session = await loadServingOnnxRanker(bytes, { featureCount: featureNames.length });
  return {
    featureNames,
    outputs: [...RANKER_OUTPUTS],
    async score(features, rows) {
      const scores = await session.score(features, rows);
      return { [click]: scores.pClick, [like]: scores.pLike, [watch]: scores.watchSeconds };
    },
    release: () => session.release(),
  };
}

/** The engine's default admission settings (the env's defaults), with --max-in-flight applied. */
function admissionSettings() {
  const settings = funnelAdmissionFromEnv(engineEnvSchema.parse({}));
  return values["max-in-flight"] === undefined ? settings : { ...settings, maxInFlight: Number(values["max-in-flight"]) };
}

/**
 * The built retrieval as `cascade serve` would search it: with --ann-search thread, the index saved
 * to a scratch file and loaded by the ANN search thread (the graph then only there; the local one
 * is collected once this returns), else the built index itself.
 */
async function retrievalAsServed(): Promise<ReturnType<typeof buildRetrieval>> {
  const built = buildRetrieval();
  if (values["ann-search"] !== "thread") return built;
  scratchDir = await mkdtemp(join(tmpdir(), "cascade-bench-ann-"));
  const indexFile = join(scratchDir, "index.hnsw");
  const local = built.retrieval.index as AnnIndex;
  await saveAnnIndex(local, indexFile);
  annSearch = new AnnSearchThread();
  const retrieval: ServingRetrieval = { ...built.retrieval, index: await annSearch.load(indexFile, dims, local.efSearch) };
  retrievalRows(retrieval);
  return { ...built, retrieval };
}

/** Runs `body` under the V8 CPU profiler when --profile-dir is set, writing `<name>.cpuprofile`. */
async function profiled<T>(name: string, body: () => Promise<T>): Promise<T> {
  const dir = values["profile-dir"];
  if (!dir) return body();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  // Every allocation sampled (1 in 64 KiB), also those collected since: where the GC's work comes from.
  // With --profile-survivors, only what survived a scavenge (was promoted, or is still young at the end): where the old generation's growth comes from.
  const survivorsOnly = values["profile-survivors"] === true;
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 65_536,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: !survivorsOnly,
  });
  try {
    return await body();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    const { profile: allocations } = await session.post("HeapProfiler.stopSampling");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(allocations));
    session.disconnect();
  }
}

/** With a path: samples allocations from now on; the returned function writes what is still alive to that path. */
async function startLiveHeapProfile(path: string | undefined): Promise<(() => Promise<void>) | undefined> {
  if (!path) return undefined;
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 65_536 });
  return async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
    log(`live heap profile written to ${path}`);
  };
}

/** The young generation's capacity now (MiB): V8 shrinks it after a spell of little allocation. */
function youngGenerationMiB(): number {
  const bytes = getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** Bytes in use in V8's old space (where survivors of two scavenges are promoted). */
function oldSpaceUsedBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === "old_space")?.space_used_size ?? 0;
}

/** The load generator's worker, started before the first run and kept for all (recommendLoad.ts says why). */
let loadGenerator: Worker | undefined;

async function startLoadGenerator(): Promise<void> {
  const worker = startTypeScriptWorker(new URL("./recommendLoad.ts", import.meta.url));
  await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  loadGenerator = worker;
}

function runLoad(settings: RecommendLoadSettings): Promise<RecommendLoadResult> {
  const worker = loadGenerator;
  if (!worker) throw new Error("the load generator was not started");
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    worker.once("error", fail);
    worker.once("message", (result: RecommendLoadResult) => {
      worker.off("error", fail);
      resolve(result);
    });
    worker.postMessage({ run: settings } satisfies RecommendLoadMessage);
  });
}

/** Closes the load generator's connections (the HTTP server's close waits for keep-alive ones) and its thread. */
async function stopLoadGenerator(): Promise<void> {
  const worker = loadGenerator;
  loadGenerator = undefined;
  if (!worker) return;
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  worker.postMessage({ close: true } satisfies RecommendLoadMessage);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  await worker.terminate();
}

/**
 * The engine's own count of /v1/recommendations answers (from receiving the request to sending its
 * response) and how many took longer than `overSeconds` (a bucket bound of the HTTP histogram).
 */
function engineSideDurations(exposition: string, overSeconds: number): { count: number; over: number } {
  const route = 'method="POST",route="/v1/recommendations"';
  const sample = (name: string) => {
    const line = exposition.split("\n").find((entry) => entry.startsWith(name));
    return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
  };
  const count = sample(`cascade_http_request_duration_seconds_count{${route}}`);
  const within = sample(`cascade_http_request_duration_seconds_bucket{le="${overSeconds}",${route}}`);
  return { count, over: count - within };
}

/** Fallbacks per component/reason (counter totals) from the Prometheus exposition: what a degraded page lacked. */
function fallbackTotals(exposition: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of exposition.split("\n")) {
    const match = /^cascade_funnel_fallbacks_total\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!match) continue;
    const key = `${/component="([^"]+)"/.exec(match[1]!)?.[1]}/${/reason="([^"]+)"/.exec(match[1]!)?.[1]}`;
    totals.set(key, (totals.get(key) ?? 0) + Number(match[2]));
  }
  return totals;
}

function summarise(result: RecommendLoadResult, rate: number) {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  for (const ms of result.latenciesMs) histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  const at = (percentile: number) => Math.round(histogram.getValueAtPercentile(percentile)) / 1000;
  const ok = result.statuses["200"] ?? 0;
  const shed = result.shedLatenciesMs.length;
  const percentileOf = (latencies: number[]) => {
    const sorted = latencies.slice().sort((a, b) => a - b);
    return (share: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0) * 1000) / 1000;
  };
  const shedAt = percentileOf(result.shedLatenciesMs);
  // Per second of the run (by due time): p99 and max, so a tail can be placed in time (a stall, a periodic job, the cold start).
  const perSecond = new Map<number, number[]>();
  result.latenciesMs.forEach((ms, index) => {
    const second = Math.floor((result.dueOffsetsMs[index] ?? 0) / 1000);
    const latencies = perSecond.get(second);
    if (latencies) latencies.push(ms);
    else perSecond.set(second, [ms]);
  });
  const timeline = [...perSecond.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([second, latencies]) => ({ second, requests: latencies.length, p99Ms: percentileOf(latencies)(0.99), maxMs: Math.round(Math.max(...latencies)) }));
  const servedAt = percentileOf(result.okLatenciesMs);
  return {
    offeredRate: rate,
    latencyMsOver50: result.latenciesMs.filter((ms) => ms > 50).length,
    startedAtEpochMs: result.startedAtEpochMs,
    loadGeneratorCpu: { cpuMs: result.cpuMs, cpuTotalMs: result.cpuTotalMs },
    requests: result.latenciesMs.length,
    throughputPerSecond: Math.round((result.latenciesMs.length / result.elapsedMs) * 1000 * 10) / 10,
    statuses: result.statuses,
    ok,
    degradedShare: ok > 0 ? Math.round((result.degraded / ok) * 1000) / 1000 : null,
    meanItems: ok > 0 ? Math.round((result.items / ok) * 10) / 10 : null,
    latencyMs: { p50: at(50), p95: at(95), p99: at(99), max: Math.round(histogram.maxValue) / 1000 },
    /** Latency of the pages served (200s) alone: with load shed, `latencyMs` also counts the fast 503s. */
    servedLatencyMs: { p50: servedAt(0.5), p99: servedAt(0.99) },
    /** Requests answered 503 overloaded (load shed), their share and how fast they were answered. */
    shed: {
      requests: shed,
      share: result.latenciesMs.length > 0 ? Math.round((shed / result.latenciesMs.length) * 1000) / 1000 : 0,
      p50Ms: shedAt(0.5),
      p99Ms: shedAt(0.99),
    },
    timeline,
  };
}

/** Sum and count per stage (or per stage/component, or candidates per source) from the Prometheus exposition. */
function stageTotals(exposition: string, metric: "stage" | "component" | "candidates" = "stage"): Map<string, { sum: number; count: number }> {
  const totals = new Map<string, { sum: number; count: number }>();
  const name = metric === "candidates" ? "cascade_funnel_candidates" : `cascade_funnel_${metric}_duration_seconds`;
  const pattern = new RegExp(`^${name}_(sum|count)\\{([^}]*)\\} ([0-9.e+-]+)$`);
  for (const line of exposition.split("\n")) {
    const match = pattern.exec(line);
    if (!match) continue;
    const stageName = /stage="([^"]+)"/.exec(match[2]!)?.[1];
    const component = /component="([^"]+)"/.exec(match[2]!)?.[1];
    const source = /source="([^"]+)"/.exec(match[2]!)?.[1];
    const stage = metric === "candidates" ? source : metric === "stage" ? stageName : stageName && component ? `${stageName}/${component}` : undefined;
    if (!stage) continue;
    const entry = totals.get(stage) ?? { sum: 0, count: 0 };
    if (match[1] === "sum") entry.sum += Number(match[3]);
    else entry.count += Number(match[3]);
    totals.set(stage, entry);
  }
  return totals;
}

log(`scratch database ${databaseName}; ${itemCount} items, ${userCount} users, ${eventCount} events`);
await ensureDatabase(databaseUrl);
const db = createPrismaClient(databaseUrl);
let closeApp: (() => Promise<void>) | null = null;
let annSearch = null as AnnSearchThread | null;
let rankerThread = null as RankerThread | null;
/** The Redis page session store (--page-sessions redis): the caller's to close, as in the CLI. */
let pageSessions = null as PageSessionStore | null;
let runtimeThreads: ReadonlySet<number> = new Set();
let scratchDir = null as string | null;
try {
  await applyMigrations(databaseUrl, migrationsDir);
  let startedAt = performance.now();
  await seedDatabase();
  const seedMs = performance.now() - startedAt;
  log(`catalogue and event log written in ${(seedMs / 1000).toFixed(1)} s`);

  await redis.flushdb();
  const store = await createRedisOnlineStore({ url: values.redis });
  startedAt = performance.now();
  await loadOnlineStore(store);
  log(`online store: ${onlineEvents} events applied in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);

  // Threads so far are the runtime's own (V8's GC and compiler helpers, libuv's pool): the CPU split by place tells them from the worker threads started from here on.
  runtimeThreads = processThreadIds();
  const { retrieval, buildMs, bytes } = await retrievalAsServed();
  log(`HNSW over ${itemCount} × ${dims} built in ${(buildMs / 1000).toFixed(1)} s; vectors + index ≈ ${(bytes / 2 ** 20).toFixed(0)} MiB`);
  log(`ANN search: ${values["ann-search"]}; ranker run: ${values["ranker-run"]}`);
  const rankerModes = values["ranker-single-thread"] === "both" ? [false, true] : [values["ranker-single-thread"] === "yes"];
  if (values["ranker-run"] === "thread") useRankerThread((rankerThread = new RankerThread()));
  const rankers = await Promise.all(rankerModes.map((singleThread) => buildRanker(singleThread)));
  let ranker = rankers[0]!;
  const models: ServingModels & { status(): object } = {
    retrieval: () => ({ model: retrieval, version: { id: "bench-retrieval" } }),
    ranker: () => ({ model: ranker, version: { id: "bench-ranker" } }),
    status: () => ({ retrieval: null, ranker: null, loadFailures: 0 }),
  };
  const deps: EngineDeps = {
    db,
    store,
    logger,
    info: { version: "bench", databaseMode: "external", storeMode: "redis" },
    eventStream: createMemoryEventStream(),
    eventDeduplicator: createMemoryEventDeduplicator(),
    bodyLimitBytes: 1024 * 1024,
    activeModels: models as unknown as NonNullable<EngineDeps["activeModels"]>,
    ...(values["page-sessions"] === "redis" ? { pageSessions: (pageSessions = await createRedisPageSessionStore({ url: values.redis })) } : {}),
    // Warm-up funnels at start as `cascade serve` runs them (CASCADE_WARMUP_REQUESTS's default).
    serving: {
      databaseUrl,
      bootWaitMs: 120_000,
      listsRefreshIntervalMs: listsRefreshMs,
      coVisitationRefreshIntervalMs: coVisitationRefreshMs,
      ...(values["item-state-ttl-ms"] === undefined ? {} : { itemStateTtlMs: Number(values["item-state-ttl-ms"]) }),
      ...(values["item-state-watched-ttl-ms"] === undefined ? {} : { itemStateWatchedTtlMs: Number(values["item-state-watched-ttl-ms"]) }),
      warmUpRequests: Number(values["warmup-requests"] ?? engineEnvSchema.parse({}).CASCADE_WARMUP_REQUESTS),
    },
    ...(values.admission === "on" ? { funnelAdmission: admissionSettings() } : {}),
  };
  log(`admission: ${values.admission === "on" ? JSON.stringify(admissionSettings()) : "off"}`);
  log(`page sessions: ${values["page-sessions"]}`);
  startedAt = performance.now();
  const { app, engine } = await buildEngineApp(deps);
  await engine.serving.warm();
  log(`engine ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (trending, fresh, co-visitation loaded)`);

  // The floor: a route on the same HTTP server that does no work (outside Fastify's routing).
  const server = createServer((request, response) => {
    if (request.url === "/bare") {
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
      return;
    }
    app.routing(request, response);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  closeApp = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
    await store.close();
    await Promise.all(rankers.map((each) => each.release()));
  };

  const { key, prefix, hashedKey } = generateApiKey();
  await db.apiKey.create({ data: { name: "bench", prefix, hashedKey, scopes: ["recommend"] } });
  const base = {
    origin: `http://127.0.0.1:${port}`,
    authorization: `Bearer ${key}`,
    durationMs,
    concurrency: 64,
    users: userCount,
    count: Number(values.count),
  };

  await startLoadGenerator();
  // Warm-up (JIT, connection pools, caches), not reported; --warmup-seconds 0 measures from a cold engine.
  const warmupMs = Number(values["warmup-seconds"]) * 1000;
  if (warmupMs > 0) await runLoad({ ...base, path: "/v1/recommendations", rate: 20, durationMs: warmupMs });
  const runs: {
    rate: number;
    rankerSingleThread: boolean;
    funnel: ReturnType<typeof summarise>;
    bare: ReturnType<typeof summarise>;
    cpuMsPerRequest: { funnel: number; bare: number };
    /** The funnel run's CPU per request by place (cpuByPlace.ts): which thread or server saturates. */
    cpuByPlaceMsPerRequest: CpuPerRequest | null;
    /** The PostgreSQL processes that used the most CPU in the window (title, ms). */
    busiestPostgres: { title: string; ms: number }[];
    stagesMeanMs: Record<string, number>;
    componentsMeanMs: Record<string, number>;
    candidatesMean: Record<string, number>;
    /** component/reason → fallbacks during the run (why pages were degraded). */
    fallbacks: Record<string, number>;
    loadavgAtStart: number[];
    /** The engine thread's event-loop delay (how long a ready callback waited) and its GC pauses during the funnel run. */
    eventLoop: {
      delayP99Ms: number;
      delayMaxMs: number;
      gcPauses: number;
      gcPauseTotalMs: number;
      gcPauseMaxMs: number;
      /** Full (mark-compact) collections of the engine's heap during the run. */
      majorGcs: number;
      /** The old space's growth over the run (≈ bytes promoted), or null when a full collection ran. */
      oldSpaceGrowthMiB: number | null;
      /** The young generation's capacity when the run started and when it ended (MiB). */
      youngGenerationMiB: { atStart: number; atEnd: number };
    };
    /** The engine thread per second of the funnel run (beside funnel.timeline's p99 per second). */
    engineThreadPerSecond: SecondsTimeline;
    /** Components whose mean reached SLOW_COMPONENT_MS in some second, and their mean per second (componentTimeline.ts). */
    slowComponentsPerSecond: { component: string; meanMs: number[] }[];
    /** Components with a single duration of STALLED_COMPONENT_MS or more in some second, and their longest per second. */
    stalledComponentsPerSecond: { component: string; maxMs: number[] }[];
    /** Answers over 50 ms: as the client timed them, as the engine did (of engineCount it timed). */
    over50: { client: number; engine: number; engineCount: number };
  }[] = [];
  for (const [modeIndex, singleThread] of rankerModes.entries()) {
    ranker = rankers[modeIndex]!;
    log(`ranker: ${singleThread ? "onnxruntime, 1 thread, spinning off explicitly" : "onnxruntime, the engine's loader"}`);
    for (const rate of rates) {
      // CPU time of this process (engine + the load generator's worker) per request: unlike latency,
      // it hardly depends on what else the machine runs. The bare run's figure is the HTTP + load floor.
      const cpuPerRequestMs = (cpu: NodeJS.CpuUsage, requests: number) => Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, requests)) * 100) / 100;
      let cpuStart = process.cpuUsage();
      const bare = summarise(await runLoad({ ...base, path: "/bare", rate }), rate);
      const bareCpuMs = cpuPerRequestMs(process.cpuUsage(cpuStart), bare.requests);
      const beforeExposition = (await engine.metrics.exposition()).body;
      const before = stageTotals(beforeExposition);
      const componentsBefore = stageTotals(beforeExposition, "component");
      const candidatesBefore = stageTotals(beforeExposition, "candidates");
      const load = loadavg();
      // Stalls of the engine thread (a long synchronous stretch, a GC pause) show up here as delay.
      const delay = monitorEventLoopDelay({ resolution: 5 });
      const gcPauses: number[] = [];
      let majorGcs = 0;
      const gcObserver = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          gcPauses.push(entry.duration);
          if ((entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs += 1;
        }
      });
      gcObserver.observe({ entryTypes: ["gc"] });
      delay.enable();
      const timeline = new ThreadTimeline();
      timeline.start();
      // The load generator's seconds start within a few ms of this.
      const components = new ComponentTimeline();
      components.start(engine.serving.metrics, Date.now(), Math.ceil(durationMs / 1000) + 1);
      cpuStart = process.cpuUsage();
      const placesAtStart = cpuSnapshot(runtimeThreads);
      const oldSpaceAtStart = oldSpaceUsedBytes();
      const youngAtStart = youngGenerationMiB();
      const funnel = summarise(await profiled(`funnel-${runs.length + 1}-${rate}`, () => runLoad({ ...base, path: "/v1/recommendations", rate })), rate);
      const funnelCpuMs = cpuPerRequestMs(process.cpuUsage(cpuStart), funnel.requests);
      const placesAtEnd = cpuSnapshot(runtimeThreads);
      const cpuByPlace = cpuPerRequest(placesAtStart, placesAtEnd, funnel.loadGeneratorCpu, funnel.requests);
      const busiestPostgres = busiestPostgresProcesses(placesAtStart, placesAtEnd);
      const oldSpaceGrowth = oldSpaceUsedBytes() - oldSpaceAtStart;
      delay.disable();
      // GC entries reach the observer in batches after the fact: let the last ones arrive.
      await new Promise((resolve) => setTimeout(resolve, 50));
      gcObserver.disconnect();
      timeline.stop();
      components.stop();
      const thread = timeline.perSecond(funnel.startedAtEpochMs, funnel.timeline.length);
      const slowComponents = components.slowSeconds(SLOW_COMPONENT_MS);
      const stalledComponents = components.longestPerSecond(STALLED_COMPONENT_MS);
      const round2 = (ms: number) => Math.round(ms * 100) / 100;
      const eventLoop = {
        delayP99Ms: round2(delay.percentile(99) / 1e6),
        delayMaxMs: round2(delay.max / 1e6),
        gcPauses: gcPauses.length,
        gcPauseTotalMs: round2(gcPauses.reduce((sum, ms) => sum + ms, 0)),
        gcPauseMaxMs: round2(Math.max(0, ...gcPauses)),
        majorGcs,
        // What the run promoted (and allocated directly in old space): the old space's growth, when no full collection freed any of it meanwhile.
        // (A shrink means a full collection ran even if its entry has not arrived.)
        oldSpaceGrowthMiB: majorGcs === 0 && oldSpaceGrowth >= 0 ? round2(oldSpaceGrowth / 2 ** 20) : null,
        youngGenerationMiB: { atStart: youngAtStart, atEnd: youngGenerationMiB() },
      };
      const afterExposition = (await engine.metrics.exposition()).body;
      const meansOf = (previousTotals: Map<string, { sum: number; count: number }>, totals: Map<string, { sum: number; count: number }>, scale = 1000) => {
        const means: Record<string, number> = {};
        for (const [stage, total] of totals) {
          const previous = previousTotals.get(stage) ?? { sum: 0, count: 0 };
          const count = total.count - previous.count;
          if (count > 0) means[stage] = Math.round(((total.sum - previous.sum) / count) * scale * 100) / 100;
        }
        return means;
      };
      const stagesMeanMs = meansOf(before, stageTotals(afterExposition));
      // Where a tail is spent: answers over 50 ms as the client saw them, and as the engine timed them
      // (from receiving the request: a wait before that — the socket, the event loop — is the client's alone).
      const engineBefore = engineSideDurations(beforeExposition, 0.05);
      const engineAfter = engineSideDurations(afterExposition, 0.05);
      const over50 = {
        client: funnel.latencyMsOver50,
        engine: engineAfter.over - engineBefore.over,
        engineCount: engineAfter.count - engineBefore.count,
      };
      const componentsMeanMs = meansOf(componentsBefore, stageTotals(afterExposition, "component"));
      // Candidates per source and request: a source that quietly returns nothing would make the funnel look cheap.
      const candidatesMean = meansOf(candidatesBefore, stageTotals(afterExposition, "candidates"), 1);
      const fallbacksBefore = fallbackTotals(beforeExposition);
      const fallbacks: Record<string, number> = {};
      for (const [key, total] of fallbackTotals(afterExposition))
        if (total > (fallbacksBefore.get(key) ?? 0)) fallbacks[key] = total - (fallbacksBefore.get(key) ?? 0);
      runs.push({
        rate,
        rankerSingleThread: singleThread,
        funnel,
        bare,
        cpuMsPerRequest: { funnel: funnelCpuMs, bare: bareCpuMs },
        cpuByPlaceMsPerRequest: cpuByPlace,
        busiestPostgres,
        stagesMeanMs,
        componentsMeanMs,
        candidatesMean,
        fallbacks,
        loadavgAtStart: load.map((l) => Math.round(l * 100) / 100),
        eventLoop,
        engineThreadPerSecond: thread,
        slowComponentsPerSecond: slowComponents,
        stalledComponentsPerSecond: stalledComponents,
        over50,
      });
      log(
        `rate ${rate}/s: funnel p50 ${funnel.latencyMs.p50} p95 ${funnel.latencyMs.p95} p99 ${funnel.latencyMs.p99} ms, ${funnel.throughputPerSecond}/s, degraded ${funnel.degradedShare}, shed ${funnel.shed.share} (p99 ${funnel.shed.p99Ms} ms; served pages p50 ${funnel.servedLatencyMs.p50} p99 ${funnel.servedLatencyMs.p99} ms); bare p50 ${bare.latencyMs.p50} p99 ${bare.latencyMs.p99} ms; CPU/request funnel ${funnelCpuMs} ms, bare ${bareCpuMs} ms; event loop ${JSON.stringify(eventLoop)}; stages ${JSON.stringify(stagesMeanMs)}\n    components ${JSON.stringify(componentsMeanMs)}\n    candidates per source ${JSON.stringify(candidatesMean)}; fallbacks ${JSON.stringify(fallbacks)}
    CPU ms per request by place ${JSON.stringify(cpuByPlace)}; busiest PostgreSQL processes (ms) ${busiestPostgres.map(({ title, ms }) => `${title}: ${ms}`).join("; ") || "none"}
    p99 per second (ms) ${funnel.timeline.map((second) => Math.round(second.p99Ms)).join(" ")}
    engine thread busy per second (%) ${thread.busyPercent.join(" ")}; GC per second (ms) ${thread.gcMs.join(" ")}
    machine busy per second (% of all cores, steal apart) ${thread.machineBusyPercent.join(" ")}; steal per second (ms) ${thread.stealMs.join(" ")}
    components with a second's mean over ${SLOW_COMPONENT_MS} ms (mean per second, ms): ${slowComponents.map((row) => `${row.component} ${row.meanMs.map(Math.round).join(" ")}`).join("; ") || "none"}
    components with a single duration over ${STALLED_COMPONENT_MS} ms (longest per second, ms): ${stalledComponents.map((row) => `${row.component} ${row.maxMs.map(Math.round).join(" ")}`).join("; ") || "none"}
    answers over 50 ms: ${over50.client} as the client timed them, ${over50.engine} of ${over50.engineCount} as the engine did`,
      );
    }
  }
  const under50 = runs.filter((run) => run.funnel.latencyMs.p99 < 50 && (run.funnel.statuses["200"] ?? 0) === run.funnel.requests).map((run) => run.rate);
  // Request-path caches after the runs (their memory is per hot item, not per catalogue item).
  const stack = engine.serving;
  const memory = process.memoryUsage();
  const caches = {
    itemStates: stack.itemStates.size,
    follows: stack.follows.size,
    exclusions: stack.exclusions.size,
    heapUsedMiB: Math.round(memory.heapUsed / 2 ** 20),
    rssMiB: Math.round(memory.rss / 2 ** 20),
  };
  log(`caches after the runs: ${JSON.stringify(caches)}`);
  await liveProfile?.();
  const result = {
    caches,
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), loadavgAtEnd: loadavg() },
    catalogue: { items: itemCount, users: userCount, events: eventCount, onlineEvents, dims, seedSeconds: Math.round(seedMs / 100) / 10 },
    index: {
      buildSeconds: Math.round(buildMs / 100) / 10,
      vectorsPlusIndexMiB: Math.round(bytes / 2 ** 20),
      miBPerMillionItems: Math.round((bytes / 2 ** 20 / itemCount) * 1e6),
    },
    surface: "home (DEFAULT_SURFACE_CONFIGS)",
    ranker: "rankerSingleThread per run: false = onnxruntime's default session (as served today); true = 1 thread, no spinning",
    runs,
    highestRateWithP99Under50ms: under50.length > 0 ? Math.max(...under50) : null,
    highestRateWithP99Under50msByRanker: Object.fromEntries(
      rankerModes.map((singleThread) => {
        const ok = runs.filter(
          (run) => run.rankerSingleThread === singleThread && run.funnel.latencyMs.p99 < 50 && (run.funnel.statuses["200"] ?? 0) === run.funnel.requests,
        );
        return [singleThread ? "singleThread" : "default", ok.length > 0 ? Math.max(...ok.map((run) => run.rate)) : null];
      }),
    ),
  };
  const resultsDir = join(repoRoot, "bench-results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "recommend-latency.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify({ index: result.index, highestRateWithP99Under50msByRanker: result.highestRateWithP99Under50msByRanker }, null, 2));
} finally {
  await stopLoadGenerator();
  await closeApp?.().catch(() => undefined);
  await annSearch?.close();
  await rankerThread?.close();
  await pageSessions?.close().catch(() => undefined);
  if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  await db.$disconnect();
  await redis.flushdb().catch(() => undefined);
  redis.disconnect();
  if (!values.keep) {
    const admin = new pg.Client({ connectionString: `${values.server}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  }
}
