// Retrieval training benchmark (a script, not a test):
//   node --import tsx apps/engine/bench/trainRetrieval.ts [--size default|small|large] [--events N]
//     [--epochs 4] [--batch-size 128] [--dimensions 32] [--seed 42] [--eval-users 2000]
//     [--ann yes|no] [--ann-queries 200] [--ef 100,200,400] [--m 32] [--ef-construction 200]
//     [--out bench-results/train-retrieval.json]
//
// Generates the demo world in memory, runs the same entry point `cascade train` uses
// (trainRetrievalModel: time split → two-tower → evaluation against popularity and co-occurrence
// on the same split), and prints:
//   - the offline table (recall/NDCG/hit/MRR/coverage/novelty at 10 and 100) and recall@100 ratios;
//   - training throughput in interactions per wall second and per CPU second of the training
//     thread (the machine is shared: CPU seconds are the steadier per-unit cost), with os.loadavg();
//   - with --ann yes: an HNSW index over the trained item vectors, recall@100 against exact
//     brute-force search and the query time of each, in the same run.
// The throughput target is "1M interactions in a few minutes": `--size large --events 14000000`
// gives 1.03M positive pairs over a 1M-item catalogue (and the 1M-item ANN run on trained vectors).
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "@cascade/db";
import { createProgressReporter } from "../src/telemetry/progress.ts";
import { generateDemoEvents } from "../src/demo/eventStream.ts";
import { generateWorld } from "../src/demo/world.ts";
import { demoSizes, resolveDemoConfig, type DemoSize } from "../src/demo/worldConfig.ts";
import { buildAnnIndex, exactTopK, queryAnnIndex, setSearchEf } from "../src/retrieval/annIndex.ts";
import { buildUserHistories, splitByTime } from "../src/training/retrieval/interactions.ts";
import { demoRetrievalData } from "../src/demo/demoRetrievalData.ts";
import { trainRetrievalModel } from "../src/training/retrieval/retrievalTraining.ts";
import { computeUserVector } from "../src/retrieval/twoTowerModel.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "default" },
    events: { type: "string" },
    epochs: { type: "string", default: "4" },
    "batch-size": { type: "string", default: "128" },
    dimensions: { type: "string", default: "32" },
    seed: { type: "string", default: "42" },
    "eval-users": { type: "string", default: "2000" },
    ann: { type: "string", default: "yes" },
    "ann-queries": { type: "string", default: "200" },
    ef: { type: "string", default: "100,200,400" },
    m: { type: "string", default: "32" },
    "ef-construction": { type: "string", default: "200" },
    out: { type: "string", default: resolve(repoRoot, "bench-results/train-retrieval.json") },
  },
});
if (!(demoSizes as readonly string[]).includes(values.size)) throw new Error(`--size must be one of ${demoSizes.join(", ")}`);

const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () => loadavg().map((value) => Number(value.toFixed(2)));
const seed = Number(values.seed);
const loadAtStart = load();

const generationStarted = performance.now();
const config = resolveDemoConfig(values.size as DemoSize, { events: values.events ? Number(values.events) : undefined, seed, endAtMs: Date.UTC(2025, 5, 1) });
const world = generateWorld(config);
const data = demoRetrievalData(world, generateDemoEvents(world));
const generationSeconds = (performance.now() - generationStarted) / 1000;
log(
  `demo world ${config.size}: ${world.items.count} items, ${world.users.count} users, ${config.events} events → ${data.interactions.count} positive pairs (${generationSeconds.toFixed(1)} s)`,
);

const result = await trainRetrievalModel(
  data,
  {
    seed,
    model: { dimensions: Number(values.dimensions) },
    training: { epochs: Number(values.epochs), batchSize: Number(values["batch-size"]) },
    evaluation: { maxUsers: Number(values["eval-users"]) },
  },
  {
    progress: createProgressReporter(),
    onEpoch: (epoch) =>
      log(
        `epoch ${epoch.epoch}: loss ${epoch.loss.toFixed(3)}, validation recall@100 ${epoch.validationRecall.toFixed(4)}, ` +
          `${Math.round(epoch.interactionsPerSecond)}/s wall, ${Math.round(epoch.interactionsPerCpuSecond)}/CPU s, load ${load().join(" ")}`,
      ),
  },
);

const recallAt100 = (name: string) => result.metrics[`${name}.recall@100`]!;
const quality = {
  twoTowerRecallAt100: recallAt100("twoTower"),
  popularityRecallAt100: recallAt100("popularity"),
  coOccurrenceRecallAt100: recallAt100("coOccurrence"),
  twoTowerOverPopularity: recallAt100("twoTower") / recallAt100("popularity"),
  twoTowerOverCoOccurrence: recallAt100("twoTower") / recallAt100("coOccurrence"),
};
const trainedExamples = result.training.epochs.reduce((sum, epoch) => sum + epoch.interactionsPerSecond * epoch.seconds, 0);
const training = {
  trainInteractions: result.split.trainInteractions,
  validationInteractions: result.split.validationInteractions,
  epochs: result.training.epochs.length,
  examplesProcessed: Math.round(trainedExamples),
  trainingSeconds: result.training.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0),
  interactionsPerSecond: Math.round(result.training.interactionsPerSecond),
  interactionsPerCpuSecond: Math.round(result.training.interactionsPerCpuSecond),
  perEpoch: result.training.epochs,
};

console.log(result.report);
console.log(
  `recall@100: two-tower ${quality.twoTowerRecallAt100.toFixed(4)}, popularity ${quality.popularityRecallAt100.toFixed(4)}, ` +
    `co-occurrence ${quality.coOccurrenceRecallAt100.toFixed(4)} → ${quality.twoTowerOverPopularity.toFixed(2)}× popularity, ${quality.twoTowerOverCoOccurrence.toFixed(2)}× co-occurrence`,
);
console.log(
  `training: ${training.examplesProcessed} examples in ${training.trainingSeconds.toFixed(1)} s → ${training.interactionsPerSecond}/s wall, ` +
    `${training.interactionsPerCpuSecond}/CPU s (one thread; load at start ${loadAtStart.join(" ")}, now ${load().join(" ")})`,
);

type AnnRow = { ef: number; recall: number; hnswMsPerQuery: number; exactMsPerQuery: number; speedUp: number };
let ann: { items: number; dimensions: number; queries: number; buildSeconds: number; m: number; efConstruction: number; search: AnnRow[] } | undefined;
if (values.ann === "yes") {
  const width = result.dimensions;
  const vectors = result.itemVectors;
  const count = vectors.length / width;
  // Queries: the vectors of users with training history, as the engine would send them.
  const { train } = splitByTime(data.interactions, result.split.atMs);
  const histories = buildUserHistories(train, data.userIds.length);
  const wanted = Number(values["ann-queries"]);
  const queries = new Float32Array(wanted * width);
  let queryCount = 0;
  const step = Math.max(1, Math.floor(data.userIds.length / wanted));
  for (let user = 0; user < data.userIds.length && queryCount < wanted; user += step) {
    const history = histories.items.subarray(histories.offsets[user]!, histories.offsets[user + 1]!);
    if (history.length === 0) continue;
    queries.set(computeUserVector(result.model, user, history), queryCount * width);
    queryCount += 1;
  }
  log(`building HNSW over ${count} × ${width} (M ${values.m}, efConstruction ${values["ef-construction"]}) …`);
  const buildStarted = performance.now();
  const index = buildAnnIndex(vectors, width, {
    m: Number(values.m),
    efConstruction: Number(values["ef-construction"]),
    progressEvery: Math.max(10_000, Math.floor(count / 10)),
    onProgress: (done, total) => log(`  ${done}/${total} (${((performance.now() - buildStarted) / 1000).toFixed(0)} s)`),
  });
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const scratch = new Float32Array(count);
  const exactStarted = performance.now();
  const exact = Array.from({ length: queryCount }, (_, q) => exactTopK(vectors, width, queries.subarray(q * width, (q + 1) * width), 100, scratch));
  const exactMs = (performance.now() - exactStarted) / queryCount;
  const found = new Uint8Array(count);
  const search = values.ef
    .split(",")
    .map(Number)
    .map((ef): AnnRow => {
      setSearchEf(index, ef);
      const started = performance.now();
      const approximate = Array.from({ length: queryCount }, (_, q) => queryAnnIndex(index, queries.subarray(q * width, (q + 1) * width), 100));
      const hnswMs = (performance.now() - started) / queryCount;
      let recall = 0;
      approximate.forEach((top, q) => {
        for (const id of top.ids) found[id] = 1;
        let hits = 0;
        for (const id of exact[q]!.ids) hits += found[id]!;
        for (const id of top.ids) found[id] = 0;
        recall += hits / exact[q]!.ids.length;
      });
      return { ef, recall: recall / queryCount, hnswMsPerQuery: hnswMs, exactMsPerQuery: exactMs, speedUp: exactMs / hnswMs };
    });
  ann = { items: count, dimensions: width, queries: queryCount, buildSeconds, m: Number(values.m), efConstruction: Number(values["ef-construction"]), search };
  console.log(`HNSW over ${count} trained item vectors (${width} dims), build ${buildSeconds.toFixed(1)} s; exact brute force ${exactMs.toFixed(2)} ms/query`);
  console.log("ef\trecall@100\tHNSW ms/query\tspeed-up");
  for (const row of search) console.log(`${row.ef}\t${row.recall.toFixed(4)}\t\t${row.hnswMsPerQuery.toFixed(3)}\t\t${row.speedUp.toFixed(1)}×`);
}

const results = {
  benchmark: "train-retrieval",
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAtStart, loadAtEnd: load() },
  world: {
    size: config.size,
    items: world.items.count,
    users: world.users.count,
    events: config.events,
    positivePairs: data.interactions.count,
    generationSeconds,
  },
  split: result.split,
  quality,
  report: result.evaluation.report,
  training,
  ann,
};
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, JSON.stringify(results, null, 2) + "\n");
console.log(`wrote ${values.out}`);
