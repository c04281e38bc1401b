// CPU and allocation cost of the feature registry's read/compute path, on an in-process store:
//   node --import tsx apps/engine/bench/featureCompute.ts [--users 200] [--items 500] [--events 40000]
//     [--candidates 200] [--seconds 8] [--label before]
//
// Prepares a memory online store with `--events` synthetic events (applied through the online
// writer), then measures two loops for about `--seconds` each:
//   compute — every registered feature's `compute` for `--candidates` candidates of one user, on
//             states read once;
//   perCandidate — the same for the features the serving hydrator computes per candidate (all but
//             the user-only ones);
//   read    — readOnlineFeatures end to end (batch read of the states + compute), per request;
//   write   — applyEventsToOnlineStore, batches of 500 events (per event, store work included).
// The "as of" time advances 7 ms per request, as a server's clock does. Reports ns per feature
// value, bytes allocated per feature value (heap growth between GCs, chunks with a GC left out),
// GC count and time (PerformanceObserver "gc" entries), and os.loadavg(). Writes
// bench-results/feature-compute.json (merged by --label, so a before and an after run sit side by side).
import { createRandom } from "@cascade/core";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { EventType } from "@cascade/core";
import { repoRoot } from "@cascade/db";
import type { EntityState } from "../src/features/counters/counter.ts";
import type { FeatureEvent } from "../src/features/featureEvent.ts";
import { entityKey } from "../src/features/featureKeys.ts";
import { fixedItemCategories } from "../src/features/itemCategories.ts";
import { readOnlineFeatures } from "../src/features/onlineFeatureReader.ts";
import { applyEventsToOnlineStore } from "../src/features/onlineFeatureWriter.ts";
import { featureRegistry } from "../src/features/registry.ts";
import { createMemoryOnlineStore } from "../src/stores/memoryOnlineStore.ts";
import type { OnlineStore } from "../src/stores/onlineStore.ts";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "200" },
    items: { type: "string", default: "500" },
    events: { type: "string", default: "40000" },
    candidates: { type: "string", default: "200" },
    seconds: { type: "string", default: "8" },
    label: { type: "string", default: "run" },
  },
});
const USERS = Number(args.users);
const ITEMS = Number(args.items);
const EVENTS = Number(args.events);
const CANDIDATES = Number(args.candidates);
const SECONDS = Number(args.seconds);

const START_MS = Date.UTC(2026, 0, 5, 8);
// The project's one PRNG (core's random.ts), seeded: so every run builds the same state.
const random = createRandom(11).next;
const itemId = (index: number) => `item-${index}`;
const categories = fixedItemCategories(Object.fromEntries(Array.from({ length: ITEMS }, (_, index) => [itemId(index), `cat-${index % 20}`])));
const OUTCOMES: EventType[] = ["click", "like", "watch", "share", "purchase", "hide", "rating"];

function syntheticEvents(): FeatureEvent[] {
  const events: FeatureEvent[] = [];
  let time = START_MS;
  for (let index = 0; events.length < EVENTS; index += 1) {
    time += Math.floor(random() * 20_000);
    const userId = `user-${Math.floor(random() ** 2 * USERS)}`;
    const item = itemId(Math.floor(random() ** 2 * ITEMS));
    events.push({ eventId: `e${index}i`, type: "impression", userId, itemId: item, occurredAt: time });
    if (random() < 0.4) {
      const type = OUTCOMES[Math.floor(random() * OUTCOMES.length)]!;
      const value = type === "watch" ? Math.round(random() * 300) : type === "rating" ? Math.round(random() * 10) : undefined;
      events.push({ eventId: `e${index}o`, type, userId, itemId: item, occurredAt: time + 500, ...(value === undefined ? {} : { value }) });
    }
  }
  return events;
}

/** One entity's state, read the way the reader and the serving cache read it. */
async function stateOf(store: OnlineStore, entity: "user" | "item", id: string, atMs: number): Promise<EntityState> {
  const hashNames = new Set<string>();
  const sortedSets = new Map<string, number>();
  for (const counter of featureRegistry.counters[entity]) {
    const reads = counter.reads(atMs);
    for (const name of reads.hashes) hashNames.add(name);
    for (const { name, limit } of reads.sortedSets) sortedSets.set(name, Math.max(limit, sortedSets.get(name) ?? 0));
  }
  const names = [...hashNames];
  const setNames = [...sortedSets.keys()];
  const result = await store.readBatch({
    hashes: names.map((name) => entityKey(entity, id, name)),
    sortedSets: setNames.map((name) => ({ key: entityKey(entity, id, name), limit: sortedSets.get(name)! })),
  });
  return {
    hashes: new Map(names.map((name, index) => [name, result.hashes[index]!])),
    sortedSets: new Map(setNames.map((name, index) => [name, result.sortedSets[index]!])),
  };
}

type LoopResult = {
  requests: number;
  featureValues: number;
  nsPerFeatureValue: number;
  bytesPerFeatureValue: number;
  gcCount: number;
  gcMs: number;
  gcShareOfWall: number;
};

/** Runs `step` (one request of `valuesPerStep` feature values) for SECONDS, sampling heap growth in chunks. */
async function measure(valuesPerStep: number, step: (index: number) => unknown): Promise<LoopResult> {
  let gcCount = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount += 1;
      gcMs += entry.duration;
    }
  });
  // Warm-up (JIT), then the timed run.
  for (let index = 0; index < 200; index += 1) await step(index);
  observer.observe({ entryTypes: ["gc"] });
  const chunk = 1;
  let grownBytes = 0;
  let grownSteps = 0;
  let requests = 0;
  let sink = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < deadline) {
    const heapBefore = process.memoryUsage().heapUsed;
    for (let index = 0; index < chunk; index += 1) {
      const result = await step(requests);
      if (result) sink += 1;
      requests += 1;
    }
    const grown = process.memoryUsage().heapUsed - heapBefore;
    // A GC inside the chunk shrinks the heap: that sample says nothing about allocation.
    if (grown > 0) {
      grownBytes += grown;
      grownSteps += chunk;
    }
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  // GC entries arrive on a later macrotask.
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  const featureValues = requests * valuesPerStep;
  if (sink < 0) console.log(sink);
  // memoryUsage() itself costs time; it is called twice per chunk, small against a chunk of requests.
  return {
    requests,
    featureValues,
    nsPerFeatureValue: Math.round((elapsedNs / featureValues) * 10) / 10,
    bytesPerFeatureValue: grownSteps > 0 ? Math.round((grownBytes / (grownSteps * valuesPerStep)) * 10) / 10 : 0,
    gcCount,
    gcMs: Math.round(gcMs),
    gcShareOfWall: Math.round(((gcMs * 1e6) / elapsedNs) * 1000) / 1000,
  };
}

async function main(): Promise<void> {
  const events = syntheticEvents();
  const lastMs = events[events.length - 1]!.occurredAt;
  const store = createMemoryOnlineStore({ now: () => lastMs });
  for (let index = 0; index < events.length; index += 2000) {
    await applyEventsToOnlineStore(store, events.slice(index, index + 2000), new Date(lastMs), { itemCategories: categories, recordFreshness: false });
  }
  const atMs0 = lastMs + 1;
  const userIds = Array.from({ length: 8 }, (_, index) => `user-${index}`);
  const candidateIds = Array.from({ length: CANDIDATES }, (_, index) => itemId((index * 7) % ITEMS));
  const categoryOf = await categories.categoriesOf(candidateIds);
  const userStates = await Promise.all(userIds.map((userId) => stateOf(store, "user", userId, atMs0)));
  const itemStates = await Promise.all(candidateIds.map((id) => stateOf(store, "item", id, atMs0)));
  const features = featureRegistry.features;
  const valuesPerRequest = CANDIDATES * features.length;

  // compute: every feature per candidate on states read once (the replay's reader loop).
  const computeLoop = (selected: typeof features) => (request: number) => {
    const input = {
      atMs: atMs0 + request * 7,
      userId: userIds[request % userIds.length]!,
      itemId: "",
      itemCategory: null as string | null,
      user: userStates[request % userIds.length]!,
      item: itemStates[0]!,
    };
    let total = 0;
    for (let candidate = 0; candidate < CANDIDATES; candidate += 1) {
      input.itemId = candidateIds[candidate]!;
      input.itemCategory = categoryOf.get(input.itemId) ?? null;
      input.item = itemStates[candidate]!;
      for (const feature of selected) total += feature.compute(input) ?? 0;
    }
    return total;
  };
  const compute = await measure(valuesPerRequest, computeLoop(features));
  // perCandidate: what the serving hydrator computes per candidate (user-only features come once
  // per request from the user hydrator).
  const perCandidateFeatures = features.filter((feature) => feature.entity !== "user");
  const perCandidate = await measure(CANDIDATES * perCandidateFeatures.length, computeLoop(perCandidateFeatures));
  // read: the public reader end to end (store batch read included).
  const read = await measure(valuesPerRequest, (request) =>
    readOnlineFeatures(
      store,
      { userId: userIds[request % userIds.length]!, itemIds: candidateIds, at: new Date(atMs0 + request * 7) },
      { itemCategories: categories },
    ),
  );
  await store.close();
  // write: the online writer, batches of 500 events (ledger and freshness on, as the consumer runs
  // it) into one memory store; "feature values" here are events.
  const writeStore = createMemoryOnlineStore({ now: () => lastMs });
  const BATCH = 500;
  const write = await measure(BATCH, (request) => {
    const start = (request * BATCH) % (events.length - BATCH);
    const batch = events.slice(start, start + BATCH).map((event) => ({ ...event, eventId: `${event.eventId}-${request}` }));
    return applyEventsToOnlineStore(writeStore, batch, new Date(lastMs), { itemCategories: categories });
  });
  await writeStore.close();

  const result = {
    label: args.label,
    at: new Date().toISOString(),
    node: process.version,
    loadavg: loadavg().map((value) => Math.round(value * 100) / 100),
    setup: { users: USERS, items: ITEMS, events: EVENTS, candidates: CANDIDATES, features: features.length, seconds: SECONDS },
    compute,
    perCandidate,
    read,
    write,
  };
  console.log(JSON.stringify(result, null, 2));
  const directory = join(repoRoot, "bench-results");
  mkdirSync(directory, { recursive: true });
  const file = join(directory, "feature-compute.json");
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  writeFileSync(file, `${JSON.stringify({ ...previous, [args.label]: result }, null, 2)}\n`);
}

await main();
