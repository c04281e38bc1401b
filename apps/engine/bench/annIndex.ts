// ANN benchmark (a script, not a test):
//   node --import tsx apps/engine/bench/annIndex.ts [--items 100000] [--dimensions 32] [--queries 500]
//     [--k 100] [--m 16] [--ef-construction 200] [--ef 100,200,400,800] [--vectors random|trained]
//     [--events 1000000] [--epochs 3] [--out bench-results/ann.json]
//
// Builds an HNSW index (annIndex.ts) over N unit vectors and reports, in the same run, the build
// time, and for each search ef: recall@K of HNSW against exact brute-force search, and the mean
// query time of each (one query at a time, single thread, the engine's access pattern), so the
// speed-up is measured on the same machine in the same process.
// --vectors random: N uniformly random unit vectors (no structure: the hardest case for a graph
//   index, so the recall here is a floor).
// --vectors trained: a demo world with --items items and --events events is generated in memory,
//   the two-tower model is trained on it (--epochs; throughput is reported), and its item vectors
//   are indexed; the queries are the trained user vectors. --dimensions is the width of the indexed
//   vectors, so the model's d is dimensions − 1 (the last coordinate carries the item bias). For the
//   full training + evaluation + ANN run on trained vectors see bench/trainRetrieval.ts.
// The target is recall@100 ≥ 0.95 at ≥ 50× exact on 1M items: `--items 1000000`.
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "@cascade/db";
import { generateDemoEvents } from "../src/demo/eventStream.ts";
import { createRandom } from "@cascade/core";
import { DAY_MS, generateWorld } from "../src/demo/world.ts";
import { resolveDemoConfig } from "../src/demo/worldConfig.ts";
import { buildAnnIndex, exactTopK, loadAnnIndex, queryAnnIndex, saveAnnIndex, setSearchEf } from "../src/retrieval/annIndex.ts";
import { buildUserHistories, positiveInteractions, splitByTime } from "../src/training/retrieval/interactions.ts";
import { computeItemVectors, computeUserVector, createTwoTowerModel } from "../src/retrieval/twoTowerModel.ts";
import { trainTwoTower } from "../src/training/retrieval/twoTowerTraining.ts";
import type { ScoredTopK } from "@cascade/core";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "100000" },
    dimensions: { type: "string", default: "32" },
    queries: { type: "string", default: "500" },
    k: { type: "string", default: "100" },
    m: { type: "string", default: "16" },
    "ef-construction": { type: "string", default: "200" },
    ef: { type: "string", default: "100,200,400,800" },
    vectors: { type: "string", default: "random" },
    events: { type: "string", default: "1000000" },
    epochs: { type: "string", default: "3" },
    seed: { type: "string", default: "42" },
    out: { type: "string", default: resolve(repoRoot, "bench-results/ann.json") },
  },
});

const items = Number(values.items);
const dimensions = Number(values.dimensions);
const queryCount = Number(values.queries);
const k = Number(values.k);
const efs = values.ef.split(",").map(Number);
const seed = Number(values.seed);

const seconds = (from: number) => (performance.now() - from) / 1000;
const log = (line: string) => process.stderr.write(`${line}\n`);

type VectorSet = { itemVectors: Float32Array; queries: Float32Array; training?: Record<string, number> };

function randomVectors(count: number, streamSeed: number): Float32Array {
  const random = createRandom(streamSeed);
  const vectors = new Float32Array(count * dimensions);
  for (let row = 0; row < count; row += 1) {
    let squared = 0;
    for (let c = 0; c < dimensions; c += 1) {
      const value = random.normal();
      vectors[row * dimensions + c] = value;
      squared += value * value;
    }
    const inverse = 1 / Math.sqrt(squared);
    for (let c = 0; c < dimensions; c += 1) vectors[row * dimensions + c] = vectors[row * dimensions + c]! * inverse;
  }
  return vectors;
}

function trainedVectors(): VectorSet {
  const started = performance.now();
  const config = resolveDemoConfig("default", { items, events: Number(values.events), seed, endAtMs: Date.UTC(2025, 5, 1) });
  const world = generateWorld(config);
  const interactions = positiveInteractions(generateDemoEvents(world));
  const generationSeconds = seconds(started);
  const { train, validation } = splitByTime(interactions, world.windowEndMs - 4 * DAY_MS);
  log(
    `world: ${world.items.count} items, ${world.users.count} users, ${interactions.count} positive pairs (${train.count} train) in ${generationSeconds.toFixed(1)} s`,
  );
  const model = createTwoTowerModel(
    {
      users: world.users.count,
      items: world.items.count,
      categories: world.categories.count,
      creators: world.creators.count,
      dimensions: dimensions - 1,
      seed,
    },
    { category: world.items.category, creator: world.items.creator },
  );
  const report = trainTwoTower(model, train, validation, {
    epochs: Number(values.epochs),
    seed,
    maxValidationUsers: 500,
    validationAsOfMs: world.windowEndMs - 4 * DAY_MS,
    onEpoch: (epoch) =>
      log(
        `epoch ${epoch.epoch}: loss ${epoch.loss.toFixed(3)}, recall@100 ${epoch.validationRecall.toFixed(3)}, ${Math.round(epoch.interactionsPerSecond)} interactions/s`,
      ),
  });
  const histories = buildUserHistories(train, world.users.count);
  const queries = new Float32Array(queryCount * dimensions);
  let q = 0;
  for (let user = 0; user < world.users.count && q < queryCount; user += 1) {
    const history = histories.items.subarray(histories.offsets[user]!, histories.offsets[user + 1]!);
    if (history.length === 0) continue;
    queries.set(computeUserVector(model, user, history), q * dimensions);
    q += 1;
  }
  return {
    itemVectors: computeItemVectors(model, world.windowEndMs - 4 * DAY_MS),
    queries: queries.subarray(0, q * dimensions),
    training: {
      trainInteractions: train.count,
      epochs: report.epochs.length,
      interactionsPerSecond: Math.round(report.interactionsPerSecond),
      finalValidationRecallAt100: report.epochs.at(-1)!.validationRecall,
    },
  };
}

const source: VectorSet =
  values.vectors === "trained" ? trainedVectors() : { itemVectors: randomVectors(items, seed), queries: randomVectors(queryCount, seed + 1) };
const { itemVectors, queries } = source;
const count = itemVectors.length / dimensions;
const queriesRun = queries.length / dimensions;

log(`building HNSW over ${count} × ${dimensions} (M ${values.m}, efConstruction ${values["ef-construction"]}) …`);
const buildStarted = performance.now();
const index = buildAnnIndex(itemVectors, dimensions, {
  m: Number(values.m),
  efConstruction: Number(values["ef-construction"]),
  progressEvery: Math.max(10_000, Math.floor(count / 10)),
  onProgress: (done, total) => log(`  ${done}/${total} (${seconds(buildStarted).toFixed(1)} s)`),
});
const buildSeconds = seconds(buildStarted);

const directory = await mkdtemp(join(tmpdir(), "cascade-ann-bench-"));
const indexPath = join(directory, "items.hnsw");
const saveStarted = performance.now();
await saveAnnIndex(index, indexPath);
const saveSeconds = seconds(saveStarted);
const indexBytes = (await stat(indexPath)).size;
const loadStarted = performance.now();
await loadAnnIndex(indexPath, dimensions);
const loadSeconds = seconds(loadStarted);
await rm(directory, { recursive: true, force: true });

// Exact answers once (timed), then HNSW at each ef against them.
const scratch = new Float32Array(count);
const exact: ScoredTopK[] = [];
const exactStarted = performance.now();
for (let q = 0; q < queriesRun; q += 1) exact.push(exactTopK(itemVectors, dimensions, queries.subarray(q * dimensions, (q + 1) * dimensions), k, scratch));
const exactMs = (performance.now() - exactStarted) / queriesRun;

const found = new Uint8Array(count);
const perEf = efs.map((ef) => {
  setSearchEf(index, ef);
  const results: ScoredTopK[] = [];
  const started = performance.now();
  for (let q = 0; q < queriesRun; q += 1) results.push(queryAnnIndex(index, queries.subarray(q * dimensions, (q + 1) * dimensions), k));
  const hnswMs = (performance.now() - started) / queriesRun;
  let recall = 0;
  results.forEach((result, q) => {
    for (const id of result.ids) found[id] = 1;
    let hits = 0;
    for (const id of exact[q]!.ids) hits += found[id]!;
    for (const id of result.ids) found[id] = 0;
    recall += hits / exact[q]!.ids.length;
  });
  return { ef, recall: recall / queriesRun, hnswMsPerQuery: hnswMs, exactMsPerQuery: exactMs, speedUp: exactMs / hnswMs };
});

const results = {
  benchmark: "ann",
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  vectors: values.vectors,
  items: count,
  dimensions,
  queries: queriesRun,
  k,
  m: Number(values.m),
  efConstruction: Number(values["ef-construction"]),
  buildSeconds,
  saveSeconds,
  loadSeconds,
  indexBytes,
  training: source.training,
  search: perEf,
};

console.log(`${values.vectors} vectors: ${count} × ${dimensions}, ${queriesRun} queries, K = ${k}`);
if (source.training) console.log(`training: ${JSON.stringify(source.training)}`);
console.log(
  `build ${buildSeconds.toFixed(1)} s, index file ${(indexBytes / 1e6).toFixed(1)} MB (save ${saveSeconds.toFixed(2)} s, load ${loadSeconds.toFixed(2)} s)`,
);
console.log(`exact brute force: ${exactMs.toFixed(2)} ms/query`);
console.log("ef\trecall@K\tHNSW ms/query\tspeed-up");
for (const row of perEf) console.log(`${row.ef}\t${row.recall.toFixed(4)}\t\t${row.hnswMsPerQuery.toFixed(3)}\t\t${row.speedUp.toFixed(1)}×`);

await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, JSON.stringify(results, null, 2) + "\n");
console.log(`wrote ${values.out}`);
