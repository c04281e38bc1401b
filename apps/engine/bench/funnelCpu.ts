// CPU cost of the funnel's own machinery (a script, not a test; no I/O, sources answer at once):
//   node --max-semi-space-size=16 --no-memory-reducer --import tsx apps/engine/bench/funnelCpu.ts [--candidates 500] [--requests 2000] [--surfaces home,related] [--out bench-results/funnel-cpu.json]
//
// Runs the demo surfaces' default configs (home: filters, freshness, a creator diversity cap,
// epsilon-greedy; related: MMR depth 30, Thompson with 1000 propensity replays) over
// `--candidates` merged candidates scored as the engine scores them (the retrieval prior, then a
// table "ranker" standing in for the ONNX one), and prints the mean time per request
// and per stage, next to a floor (the same requests with no filters, rules or exploration), and
// the trace's JSON size. Reports os.loadavg() beside the numbers: the machine is shared.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_SURFACE_CONFIGS, surfaceConfigSchema, type SurfaceConfig } from "@cascade/core";
import type { CandidateSource, QueryHydrator, Scorer } from "../src/funnel/components.ts";
import { runFunnel, type FunnelPipeline } from "../src/funnel/runFunnel.ts";
import { retrievalPriorScorer } from "../src/ranking/retrievalPriorScorer.ts";
import { buildSurfacePipeline } from "../src/serving/surfacePipeline.ts";
import type { StageName } from "../src/funnel/trace.ts";

const { values } = parseArgs({
  options: {
    candidates: { type: "string", default: "500" },
    requests: { type: "string", default: "2000" },
    surfaces: { type: "string", default: "home,related" },
    out: { type: "string", default: "bench-results/funnel-cpu.json" },
  },
});
const candidateCount = Number(values.candidates);
const requests = Number(values.requests);
const SOURCE_IDS = ["ann", "trending", "covisitation", "follows", "fresh"];
const nowMs = Date.UTC(2026, 0, 1);
const CATEGORIES = Array.from({ length: 12 }, (_, i) => `cat${i}`);

function source(id: string, offset: number): CandidateSource {
  const perSource = Math.ceil(candidateCount / SOURCE_IDS.length);
  const items = Array.from({ length: perSource }, (_, i) => {
    const n = offset * perSource + i;
    const embedding = Float32Array.from({ length: 16 }, (_, d) => Math.sin(n * 0.37 + d));
    return {
      itemId: `item-${n}`,
      score: 1 - i / perSource,
      embedding,
      item: {
        category: CATEGORIES[n % CATEGORIES.length]!,
        creatorId: `creator-${n % 40}`,
        tags: [],
        publishedAtMs: nowMs - (n % 200) * 3_600_000,
        available: n % 50 !== 0,
      },
    };
  });
  return { id, budgetMs: 1000, fetch: async (_query, limit) => items.slice(0, limit) };
}

// Like the ONNX ranker: one fresh scores object per candidate (its outputs overwrite the prior's
// action scores and add `hide`), and the impression counters Thompson sampling reads.
const ranker: Scorer = {
  id: "ranker",
  budgetMs: 1000,
  writes: ["scores.click", "scores.like", "scores.hide"],
  freshScoreObjects: true,
  freshFeatureObjects: true,
  score: async (_query, candidates) =>
    candidates.map((candidate, i) => ({
      scores: { click: ((i * 7919) % 1000) / 1000, like: ((i * 104729) % 1000) / 5000, hide: ((i * 31) % 100) / 1000 },
      features: { item_impressions_3d: i % 300, item_clicks_3d: i % 17 },
    })),
};
const sources = new Map(SOURCE_IDS.map((id, i) => [id, source(id, i)]));
// The user's consumed items, as the engine's `consumedItems` hydrator reads them from the event log: a heavy user, 2,000 items.
const consumedItemIds = new Set(Array.from({ length: 2_000 }, (_, n) => `item-${n * 7}`));
const queryHydrators: QueryHydrator[] = [
  { id: "consumedItems", budgetMs: 1000, hydrate: async () => ({ consumedItemIds }) },
  { id: "userExclusions", budgetMs: 1000, hydrate: async () => ({ hiddenItemIds: new Set<string>() }) },
];

function floorConfig(config: SurfaceConfig): SurfaceConfig {
  return surfaceConfigSchema.parse({
    ...config,
    filters: { seenWindowHours: 0, requireAvailable: false, consumed: null },
    rules: [],
    exploration: { policy: "none" },
  });
}

async function measure(pipeline: FunnelPipeline) {
  const stageTotals = new Map<StageName, number>();
  let traceBytes = 0;
  let fullTraceBytes = 0;
  for (let i = 0; i < 200; i++) await runFunnel(pipeline, request(i)); // warm-up
  // Garbage collections during the measured requests: with --max-semi-space-size=16 a scavenge
  // follows every ~16 MB allocated, so scavenges per request track allocation whatever the machine's load.
  const gcs: { kind: number; ms: number }[] = [];
  const gcObserver = new PerformanceObserver((list) =>
    gcs.push(...list.getEntries().map((entry) => ({ kind: (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0, ms: entry.duration }))),
  );
  gcObserver.observe({ entryTypes: ["gc"] });
  const startedAt = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const result = await runFunnel(pipeline, request(i));
    for (const stage of result.trace.stages) stageTotals.set(stage.stage, (stageTotals.get(stage.stage) ?? 0) + stage.ms);
    if (i === 0) traceBytes = JSON.stringify(result.trace).length;
  }
  const meanMs = (performance.now() - startedAt) / requests;
  const cpu = process.cpuUsage(cpuStart);
  // CPU time of this process per request: unlike wall time, it hardly depends on what else the machine runs.
  const cpuMs = (cpu.user + cpu.system) / 1000 / requests;
  // GC entries reach the observer on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 20));
  gcObserver.disconnect();
  // perf_hooks constants: NODE_PERFORMANCE_GC_MINOR = 1 (scavenge).
  const scavenges = gcs.filter((gc) => gc.kind === 1).length;
  fullTraceBytes = JSON.stringify((await runFunnel(pipeline, request(0), { detail: "full" })).trace).length;
  return {
    meanMs: round(meanMs),
    cpuMs: round(cpuMs),
    scavengesPer1000Requests: round((scavenges / requests) * 1000),
    gcMsPerRequest: round(gcs.reduce((sum, gc) => sum + gc.ms, 0) / requests),
    stagesMs: Object.fromEntries([...stageTotals].map(([stage, total]) => [stage, round(total / requests)])),
    traceBytes,
    fullTraceBytes,
  };
}

function request(i: number) {
  return { requestId: `r${i}`, userId: "u", surface: "home", count: 20, nowMs, context: {}, excludeItemIds: [], seed: i };
}
const round = (value: number) => Math.round(value * 1000) / 1000;

const report: Record<string, unknown> = { candidates: candidateCount, requests, cpus: cpus().length, cpu: cpus()[0]?.model, loadavgBefore: loadavg() };
for (const surface of values.surfaces.split(",") as (keyof typeof DEFAULT_SURFACE_CONFIGS)[]) {
  const config = { ...DEFAULT_SURFACE_CONFIGS[surface], maxCandidates: candidateCount };
  const full = await measure(buildSurfacePipeline(surface, config, { sources, queryHydrators, scorers: [retrievalPriorScorer(config), ranker] }).pipeline);
  const floor = await measure(buildSurfacePipeline(surface, floorConfig(config), { sources, scorers: [retrievalPriorScorer(config), ranker] }).pipeline);
  report[surface] = { full, floor, ratio: round(full.meanMs / floor.meanMs) };
  console.log(
    `${surface}: ${full.meanMs} ms/request wall, ${full.cpuMs} ms CPU, ${full.scavengesPer1000Requests} scavenges per 1000 requests (floor without filters/rules/exploration ${floor.meanMs} ms wall, ${floor.cpuMs} ms CPU, ×${round(full.meanMs / floor.meanMs)}); stages ${JSON.stringify(full.stagesMs)}; trace ${full.traceBytes} B summary, ${full.fullTraceBytes} B full`,
  );
}
report.loadavgAfter = loadavg();
console.log(
  `loadavg ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
const out = resolve(values.out);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(report, null, 2));
console.log(`wrote ${out}`);
