// CPU and allocation of candidate feature hydration and the ranker's input (no HTTP, no funnel):
//   node --max-semi-space-size=16 --no-memory-reducer --import tsx apps/engine/bench/candidateFeaturesCpu.ts
//     [--items 200000] [--events 30000] [--requests 3000] [--redis redis://127.0.0.1:6379/11] [--label run]
//     [--heap-profile /tmp/candidate-features.heapprofile]
//
// Builds an online store (memory, or the given Redis database, which it FLUSHES) from `--events`
// skewed events (item index = items · random⁴, as bench/recommendLatency.ts), then serves
// `--requests` requests of 500 candidates each, one per 10 ms of business time (so the item state
// cache's 10 s TTL keeps what it keeps at 100 requests/s):
//   100 trending (the most engaged items, the same for everyone), 50 fresh (the newest items, the
//   same for everyone), 350 per user (100 of the user's category, 250 from the whole catalogue).
// Per request: the `onlineFeatures` hydrator (shared ItemStateCache, TTL 10 s), its updates
// adopted as the funnel runner does, then the ranker's feature matrix and an ONNX ranker run
// (the trainer's architecture over every registry feature + retrieval_score, as the latency bench).
// `--heap-profile FILE` writes an allocation profile of the measured requests.
// Prints CPU µs per request (process CPU; the ranker's session does not spin), heap
// bytes allocated per request (the median heapUsed growth, a rough figure), scavenges per
// 1000 requests, the item state cache's misses per request, and a checksum of every served value and click score (the same
// before and after an optimisation that must not change results).
import { createRandom } from "@cascade/core";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import * as ort from "onnxruntime-node";
import { ItemStateCache } from "../src/caching/itemStateCache.ts";
import type { FeatureEvent } from "../src/features/featureEvent.ts";
import { fixedItemCategories } from "../src/features/itemCategories.ts";
import { applyEventsToOnlineStore } from "../src/features/onlineFeatureWriter.ts";
import { featureRegistry } from "../src/features/registry.ts";
import type { Candidate } from "../src/funnel/index.ts";
import { featureOf } from "../src/funnel/candidate.ts";
import { onlineFeatureHydrator } from "../src/hydrators/onlineFeatureHydrator.ts";
import { userHistoryHydrator } from "../src/hydrators/userHistoryHydrator.ts";
import { featureMatrix, onnxRankerScorer } from "../src/ranking/onnxRankerScorer.ts";
import { RANKER_OUTPUTS, createMultiTaskRanker } from "../src/ranking/multiTaskRanker.ts";
import type { ServingRanker } from "../src/ranking/servingRanker.ts";
import { createMemoryOnlineStore } from "../src/stores/memoryOnlineStore.ts";
import { createRedisOnlineStore } from "../src/stores/redisOnlineStore.ts";
import type { OnlineStore } from "../src/stores/onlineStore.ts";
import { exportRankerToOnnx } from "../src/training/ranker/onnxExport.ts";

const { values: args } = parseArgs({
  options: {
    items: { type: "string", default: "200000" },
    users: { type: "string", default: "20000" },
    events: { type: "string", default: "30000" },
    requests: { type: "string", default: "3000" },
    redis: { type: "string" },
    label: { type: "string", default: "run" },
    "heap-profile": { type: "string" },
  },
});
const ITEMS = Number(args.items);
const USERS = Number(args.users);
const EVENTS = Number(args.events);
const REQUESTS = Number(args.requests);
const CATEGORIES = 50;
const HOUR_MS = 3_600_000;

const START_MS = Date.UTC(2026, 0, 5, 8);
// The project's one PRNG (core's random.ts), seeded: so every run builds the same state and the same requests.
const random = createRandom(17).next;
/** One string per item, as the sources hand out (the ANN index's id table, cached lists): not a new string per request. */
const ITEM_IDS = Array.from({ length: Number(args.items) }, (_, index) => `i${index}`);
const itemId = (index: number) => ITEM_IDS[index]!;
const TYPES: FeatureEvent["type"][] = ["impression", "impression", "click", "click", "like", "watch"];
const categoryOf = (id: string) => `cat${Number(id.slice(1)) % CATEGORIES}`;
const categories = fixedItemCategories(Object.fromEntries(Array.from({ length: ITEMS }, (_, index) => [itemId(index), categoryOf(itemId(index))])));

function syntheticEvents(): FeatureEvent[] {
  const events: FeatureEvent[] = [];
  for (let index = 0; index < EVENTS; index += 1) {
    const type = TYPES[Math.floor(random() * TYPES.length)]!;
    events.push({
      eventId: `e${index}`,
      type,
      userId: `u${Math.floor(random() * USERS)}`,
      itemId: itemId(Math.floor(ITEMS * random() ** 4)),
      occurredAt: START_MS + Math.floor(random() * 48 * HOUR_MS),
      ...(type === "watch" ? { value: Math.round(random() * 300) } : {}),
    });
  }
  return events.sort((a, b) => a.occurredAt - b.occurredAt);
}

async function buildRanker(): Promise<ServingRanker> {
  const featureNames = [...featureRegistry.names, "retrieval_score"];
  const model = createMultiTaskRanker({ featureNames, hiddenSizes: [64, 32], seed: 7 });
  // One thread, no spinning (as the latency bench's --ranker-single-thread): see cpuNow in main.
  const session = await ort.InferenceSession.create(exportRankerToOnnx(model), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  });
  const [click, like, watch] = RANKER_OUTPUTS;
  return {
    featureNames,
    outputs: [...RANKER_OUTPUTS],
    async score(features, rows) {
      const results = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", features, [rows, featureNames.length]) });
      return { [click]: results[click]!.data as Float32Array, [like]: results[like]!.data as Float32Array, [watch]: results[watch]!.data as Float32Array };
    },
    release: () => session.release(),
  };
}

/** The candidates of request `n` (the same list for the same n on every run). */
function candidatesOf(n: number, trending: readonly string[]): { userId: string; candidates: Candidate[] } {
  const pick = createRandom(1_000 + n).next;
  const userId = `u${Math.floor(pick() * USERS)}`;
  const ids = new Set<string>(trending.slice(0, 100));
  // Fresh: the 50 newest item ids (the highest indices), as the fresh source serves everyone.
  for (let index = 0; index < 50; index += 1) ids.add(itemId(ITEMS - 1 - index));
  // Per user: 100 items of the user's category, skewed towards the popular (low) indices, and 250
  // from anywhere in the catalogue (nearest neighbours, cold-start backfill): ~250 of the 500 miss
  // the item state cache per request, about what the latency bench's key allocations suggest.
  const category = Number(userId.slice(1)) % CATEGORIES;
  while (ids.size < 250) ids.add(itemId(Math.floor((ITEMS / CATEGORIES) * pick() ** 2) * CATEGORIES + category));
  while (ids.size < 500) ids.add(itemId(Math.floor(ITEMS * pick())));
  const candidates = [...ids].map((id, index): Candidate => {
    const ann = index >= 150;
    return {
      itemId: id,
      sources: ann ? [{ id: "ann", rank: index - 150, score: 1 - (index - 150) / 350 }] : [{ id: "trending", rank: index }],
      features: {},
      scores: {},
      score: 0,
    };
  });
  return { userId, candidates };
}

async function main(): Promise<void> {
  const events = syntheticEvents();
  const lastMs = events[events.length - 1]!.occurredAt;
  let redis: Redis | undefined;
  let store: OnlineStore;
  if (args.redis) {
    redis = new Redis(args.redis);
    await redis.flushdb();
    store = await createRedisOnlineStore({ url: args.redis });
  } else store = createMemoryOnlineStore({ now: () => lastMs });
  for (let start = 0; start < events.length; start += 1000) {
    await applyEventsToOnlineStore(store, events.slice(start, start + 1000), new Date(lastMs), { itemCategories: categories, recordFreshness: false });
  }
  // Trending: the items with the most events.
  const engaged = new Map<string, number>();
  for (const event of events) engaged.set(event.itemId, (engaged.get(event.itemId) ?? 0) + 1);
  const trending = [...engaged].sort((a, b) => b[1] - a[1]).map(([id]) => id);

  let nowMs = lastMs + 60_000;
  // The serving stack's registry bound (the default: a generation of 4M ids, past every catalogue size here).
  const itemStates = new ItemStateCache({ ttlMs: 10_000, now: () => nowMs });
  const categoryLookup = {
    categoriesOfCandidates: async (candidates: readonly Candidate[]) => {
      const map = new Map<string, string>();
      for (const candidate of candidates) map.set(candidate.itemId, categoryOf(candidate.itemId));
      return map;
    },
  };
  // Counts the items read from the store (the ones the cache missed).
  const counted: OnlineStore = Object.create(store) as OnlineStore;
  counted.readEntities = (read) => {
    missCount += read.ids.length;
    return store.readEntities(read);
  };
  const hydrator = onlineFeatureHydrator(counted, 1_000, categoryLookup, itemStates);
  const ranker = await buildRanker();
  const rankerScorer = onnxRankerScorer(ranker, 1_000);
  const userHistory = userHistoryHydrator(store, 1_000);
  const signal = new AbortController().signal;
  const tallies = new Map<string, number>();
  const count = (name: string, by = 1) => tallies.set(name, (tallies.get(name) ?? 0) + by);

  // Per-request state prepared outside the measured parts: the query hydrator is not ours.
  const prepared = async (n: number) => {
    const { userId, candidates } = candidatesOf(n, trending);
    const query = { requestId: `r${n}`, userId, surface: "home", count: 20, nowMs, context: {}, excludeItemIds: [], seed: n };
    return { query: { ...query, ...(await userHistory.hydrate(query, signal)) }, candidates };
  };

  const cpu = { hydrate: 0, matrix: 0, rankerScore: 0 };
  // Per request heap growth; the median leaves out the requests a scavenge ran in.
  const heap = { hydrate: [] as number[], matrix: [] as number[] };
  let checksum = 0;
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 1) scavenges += 1;
  });
  // Process CPU: the ranker's session runs without spinning threads (see buildRanker), so nothing
  // else burns CPU while the main thread measures a part (onnxruntime's default pool keeps spinning
  // for a while after a run and would be charged to whatever is measured next).
  const cpuNow = () => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  };
  const runOne = async (n: number, measured: boolean) => {
    nowMs += 10;
    const { query, candidates } = await prepared(n);
    const heap0 = process.memoryUsage().heapUsed;
    const cpu0 = cpuNow();
    const updates = await hydrator.score(query, candidates, signal, count);
    // Adopted as runFunnel's merge does for a scorer with fresh feature objects (the candidates start empty).
    for (let index = 0; index < candidates.length; index += 1) {
      candidates[index]!.features = updates[index]!.features!;
      candidates[index]!.requestFeatures = updates[index]!.requestFeatures;
    }
    const cpu1 = cpuNow();
    const heap1 = process.memoryUsage().heapUsed;
    const cpu1b = cpuNow();
    featureMatrix(ranker, candidates, count);
    const cpu2 = cpuNow();
    const heap2 = process.memoryUsage().heapUsed;
    const cpu2b = cpuNow();
    const scores = await rankerScorer.score(query, candidates, signal, count);
    const cpu3 = cpuNow();
    if (!measured) return;
    cpu.hydrate += cpu1 - cpu0;
    cpu.matrix += cpu2 - cpu1b;
    cpu.rankerScore += cpu3 - cpu2b;
    heap.hydrate.push(heap1 - heap0);
    heap.matrix.push(heap2 - heap1);
    for (let index = 0; index < candidates.length; index += 1) {
      const candidate = candidates[index]!;
      for (const name of featureRegistry.names) checksum = (checksum * 31 + Math.round((featureOf(candidate, name) ?? -1) * 1e6)) % 1_000_000_007;
      checksum = (checksum * 31 + Math.round((scores[index]!.scores!.click ?? -1) * 1e6)) % 1_000_000_007;
    }
  };

  for (let n = 0; n < 500; n += 1) await runOne(n, false); // warm-up (JIT, cache)
  const missesBefore = missCount;
  observer.observe({ entryTypes: ["gc"] });
  // --heap-profile FILE: every allocation of the measured requests sampled (1 in 16 KiB), also those
  // collected since, by allocating function (node /work/notes/heap.mjs-style analyzers read it).
  const session = args["heap-profile"] ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  for (let n = 500; n < 500 + REQUESTS; n += 1) await runOne(n, true);
  if (session) {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    writeFileSync(args["heap-profile"]!, JSON.stringify(profile));
    session.disconnect();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const perRequest = (micros: number) => Math.round(micros / REQUESTS);
  console.log(
    JSON.stringify({
      label: args.label,
      store: args.redis ? "redis" : "memory",
      requests: REQUESTS,
      cpuMicrosPerRequest: {
        hydrate: perRequest(cpu.hydrate),
        featureMatrix: perRequest(cpu.matrix),
        rankerScoreIncludingMatrix: perRequest(cpu.rankerScore),
      },
      heapBytesPerRequest: {
        hydrate: median(heap.hydrate),
        featureMatrix: median(heap.matrix),
      },
      scavengesPer1000Requests: Math.round((scavenges / REQUESTS) * 1000),
      itemStateMissesPerRequest: Math.round(((missCount - missesBefore) / REQUESTS) * 10) / 10,
      checksum,
      loadavg: loadavg().map((value) => Math.round(value * 100) / 100),
    }),
  );
  await ranker.release();
  await store.close();
  await redis?.quit();
}

let missCount = 0;
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
await main();
