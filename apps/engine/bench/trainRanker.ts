// Ranker benchmark and debiasing report (a script, not a test):
//   node --import tsx apps/engine/bench/trainRanker.ts [--size small] [--seed 42] [--epochs 6]
//     [--clip 20] [--batch-size 256] [--end-at 2026-11-01T00:00:00Z] [--server postgresql://postgres@127.0.0.1:5432]
//     [--training-set FILE] [--out bench-results/train-ranker.json]
//
// 1. Seeds the demo world into a scratch database it creates and drops (or, with --training-set,
//    reads a training set already built from a demo world with the same --size/--seed/--end-at),
//    and builds the point-in-time training set over the whole window (`cascade training-set`).
// 2. Trains the ranker four times — debiasing none / IPS / position / both — on the same time split
//    (trainRankerFromTrainingSet), each with the logistic-regression baseline.
// 3. Scores every variant's served model (position fixed at the reference slot) against the demo
//    generator's TRUE relevance r(u,i,t) = P(click | examined) (demo/groundTruth.ts), which no
//    logged metric can see: logged clicks mix relevance with position (examination) and with what
//    the logging policy chose to show. Columns:
//      auc / ips auc      P(click) AUC against the logged clicks, plain and inverse-propensity weighted
//      truth ndcg@10      NDCG@10 of each validation slate re-ranked by the model, gains = true r
//      truth corr         Pearson correlation of the served P(click) with r
//      truth mae / ips    mean |P̂(click) − r| (calibration to the truth), plain and IPS-weighted
//                         (IPS-weighted ≈ over every candidate the policy could have shown)
//    Reference rows: the logging policy's own order (score = −position) and the oracle (score = r).
// 4. Verifies every variant's ONNX export in onnxruntime-node against the TypeScript forward pass.
// Prints the tables and writes bench-results/train-ranker.json, with training rows/s and loadavg.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { auc, createRandom, type EvaluationReport, formatReportTable, groupedNdcgAtK, pearsonCorrelation } from "@cascade/core";
import { applyMigrations, createPrismaClient, ensureDatabase, migrationsDir, repoRoot } from "@cascade/db";
import { createProgressReporter } from "../src/telemetry/progress.ts";
import { parseDemoIndex } from "../src/demo/demoIds.ts";
import { relevance } from "../src/demo/groundTruth.ts";
import { seedDemo } from "../src/demo/loadDemo.ts";
import { generateWorld, type DemoWorld } from "../src/demo/world.ts";
import { demoSizes, resolveDemoConfig, type DemoSize } from "../src/demo/worldConfig.ts";
import { buildTrainingSet } from "../src/training/dataset/trainingSet.ts";
import { scoreBatch } from "../src/ranking/multiTaskRanker.ts";
import { loadOnnxRanker } from "../src/ranking/onnxInference.ts";
import { inversePropensityWeights } from "../src/training/ranker/inversePropensityWeights.ts";
import { modelInput } from "../src/ranking/positionFeature.ts";
import { trainRankerFromTrainingSet, type RankerPipelineResult } from "../src/training/ranker/rankerPipeline.ts";
import { weightedAuc } from "../src/training/ranker/weightedMetrics.ts";
import type { RankingExamples } from "../src/training/ranker/rankingExamples.ts";
import type { ClickMetrics } from "../src/training/ranker/clickMetrics.ts";
import { readTrainingSetFile } from "../src/training/ranker/trainingSetFile.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "small" },
    seed: { type: "string", default: "42" },
    epochs: { type: "string", default: "6" },
    clip: { type: "string", default: "20" },
    "batch-size": { type: "string", default: "256" },
    "end-at": { type: "string", default: "2026-11-01T00:00:00Z" },
    server: { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
    "training-set": { type: "string" },
    out: { type: "string", default: resolve(repoRoot, "bench-results/train-ranker.json") },
  },
});
if (!demoSizes.includes(values.size as DemoSize)) throw new Error(`--size must be one of ${demoSizes.join(", ")}`);
const size = values.size as DemoSize;
const seed = Number(values.seed);
const endAtMs = Date.parse(values["end-at"]);
if (Number.isNaN(endAtMs)) throw new Error(`--end-at ${values["end-at"]} is not a time`);
const epochs = Number(values.epochs);
const clip = Number(values.clip);
const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");

const demoConfig = resolveDemoConfig(size, { seed, endAtMs });
const world = generateWorld(demoConfig);
const scratch = mkdtempSync(join(tmpdir(), "cascade-train-ranker-"));
let buildSeconds: number | null = null;
let examples: RankingExamples;
try {
  const trainingSetPath = values["training-set"] ?? (await buildDemoTrainingSet(join(scratch, "training-set.csv")));
  const readStarted = performance.now();
  examples = await readTrainingSetFile(trainingSetPath);
  log(`read ${examples.rows} rows in ${((performance.now() - readStarted) / 1000).toFixed(1)} s`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const VARIANTS = [
  { name: "none", ips: false, position: false },
  { name: "IPS", ips: true, position: false },
  { name: "position", ips: false, position: true },
  { name: "IPS + position", ips: true, position: true },
] as const;

type VariantResult = { name: string; result: RankerPipelineResult; loadavg: string; onnxMaxDifference: number };
const results: VariantResult[] = [];
for (const variant of VARIANTS) {
  log(`training: ${variant.name} (loadavg ${load()})`);
  const result = await trainRankerFromTrainingSet(
    examples,
    {
      epochs,
      batchSize: Number(values["batch-size"]),
      ipsWeighting: { enabled: variant.ips, clip },
      positionBias: { enabled: variant.position, referencePosition: 0 },
      seed,
    },
    {
      onEpoch: (epoch) =>
        log(
          `  epoch ${epoch.epoch}/${epoch.epochs}: train loss ${epoch.trainLoss.total.toFixed(4)}, validation loss ${epoch.validationLoss.total.toFixed(4)}, click auc ${epoch.validationClickAuc.toFixed(4)}, ${Math.round(epoch.rowsPerSecond)} rows/s`,
        ),
    },
  );
  results.push({ name: variant.name, result, loadavg: load(), onnxMaxDifference: await onnxMaxDifference(result) });
}

// Ground truth for the (shared) validation rows.
const validationRows = results[0]!.result.validation.rows;
const truth = trueRelevance(world, results[0]!.result.examples, validationRows);
const groups = Int32Array.from(validationRows, (row) => examples.requestGroup[row]!);
const clicks = Float64Array.from(validationRows, (row) => examples.click[row]!);
const ips = inversePropensityWeights(
  Float64Array.from(validationRows, (row) => examples.propensity[row]!),
  clip,
).weights;

type TruthRow = { name: string; auc: number; ipsAuc: number; truthNdcg: number; truthCorrelation: number; truthMae: number; truthIpsMae: number };
const truthRow = (name: string, scores: ArrayLike<number>, probabilities: boolean): TruthRow => ({
  name,
  auc: auc(scores, clicks),
  ipsAuc: weightedAuc(scores, clicks, ips),
  truthNdcg: groupedNdcgAtK(groups, scores, truth, 10).ndcg,
  truthCorrelation: pearsonCorrelation(scores, truth),
  truthMae: probabilities ? meanAbsoluteError(scores, truth, null) : Number.NaN,
  truthIpsMae: probabilities ? meanAbsoluteError(scores, truth, ips) : Number.NaN,
});
const truthRows: TruthRow[] = [
  ...results.map(({ name, result }) => truthRow(`ranker, ${name}`, result.validation.scores.pClick, true)),
  ...results.map(({ name, result }) => truthRow(`logistic regression, ${name}`, result.validation.baselineClick!, true)),
  truthRow(
    "logging policy order",
    Float64Array.from(validationRows, (row) => -examples.position[row]!),
    false,
  ),
  truthRow("oracle (true relevance)", truth, true),
];

function metricsRow(name: string, m: ClickMetrics, rowsPerSecond: number) {
  return { name, values: [m.auc, m.logLoss, m.ece, m.ndcgAtK, m.ipsAuc ?? Number.NaN, m.ipsLogLoss ?? Number.NaN, rowsPerSecond] };
}
const metricsTable: EvaluationReport = {
  title: `Validation P(click), logged clicks (${validationRows.length} rows; demo ${size}, seed ${seed})`,
  columns: ["auc", "log loss", "ece", "ndcg@10", "ips auc", "ips log loss", "rows/s"],
  rows: results.flatMap(({ name, result }) => [
    metricsRow(`ranker, ${name}`, result.metrics.click, Math.round(result.training.rowsPerSecond)),
    ...(result.metrics.clickAtLoggedPosition ? [metricsRow(`ranker, ${name} (logged position)`, result.metrics.clickAtLoggedPosition, Number.NaN)] : []),
    metricsRow(`logistic regression, ${name}`, result.baseline!.metrics, Number.NaN),
    ...(result.baseline!.clickAtLoggedPosition
      ? [metricsRow(`logistic regression, ${name} (logged position)`, result.baseline!.clickAtLoggedPosition, Number.NaN)]
      : []),
  ]),
};
const debiasTable: EvaluationReport = {
  title: "Debiasing: served P(click) (position fixed at 0) against the generator's true relevance r(u,i,t)",
  columns: ["auc", "ips auc", "truth ndcg@10", "truth corr", "truth mae", "truth ips mae"],
  rows: truthRows.map((row) => ({ name: row.name, values: [row.auc, row.ipsAuc, row.truthNdcg, row.truthCorrelation, row.truthMae, row.truthIpsMae] })),
};
// Is the ranker's AUC above the baseline's by more than noise? Paired bootstrap over requests.
const aucDifferences = results.map(({ name, result }) => ({
  name,
  ...pairedAucDifference(result.validation.scores.pClick, result.validation.baselineClick!, 200),
}));
console.log(formatReportTable(metricsTable, 4));
for (const difference of aucDifferences) {
  console.log(
    `ranker − logistic regression AUC, ${difference.name}: ${difference.mean >= 0 ? "+" : ""}${difference.mean.toFixed(4)} (95% CI ${difference.low.toFixed(4)} … ${difference.high.toFixed(4)}, paired bootstrap over requests)`,
  );
}
console.log();
console.log(formatReportTable(debiasTable, 4));
console.log();
for (const { name, result, onnxMaxDifference: difference } of results) {
  console.log(
    `${name}: like auc ${result.metrics.like.auc.toFixed(4)}, watch mean predicted ${result.metrics.watch.meanPredicted.toFixed(1)} s vs observed ${result.metrics.watch.meanObserved.toFixed(1)} s (r ${result.metrics.watch.correlation.toFixed(3)}), ${Math.round(result.training.rowsPerSecond)} training rows/s (loadavg ${results.find((r) => r.name === name)!.loadavg}), ONNX vs TypeScript max |Δ| ${difference.toExponential(2)}`,
  );
}

const output = {
  measuredAt: new Date().toISOString(),
  demo: { size, seed, endAt: new Date(endAtMs).toISOString(), rows: examples.rows, buildTrainingSetSeconds: buildSeconds },
  epochs,
  ipsClip: clip,
  loadavgAtEnd: loadavg(),
  variants: results.map(({ name, result, loadavg: loadAverage, onnxMaxDifference: difference }) => ({
    name,
    config: result.config,
    split: result.split,
    ips: result.ips,
    trainingSeconds: result.training.seconds,
    trainingRowsPerSecond: result.training.rowsPerSecond,
    loadavg: loadAverage,
    epochs: result.training.epochs,
    metrics: result.metrics,
    baseline: result.baseline
      ? {
          metrics: result.baseline.metrics,
          clickAtLoggedPosition: result.baseline.clickAtLoggedPosition,
          iterations: result.baseline.model.iterations,
          seconds: result.baseline.seconds,
        }
      : null,
    onnxMaxDifference: difference,
  })),
  aucDifferences,
  truth: truthRows,
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify(output, (_, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2) + "\n");
log(`wrote ${values.out}`);

async function buildDemoTrainingSet(out: string): Promise<string> {
  const databaseName = `cascade_ranker_bench_${process.pid}`;
  const databaseUrl = `${values.server}/${databaseName}`;
  await ensureDatabase(databaseUrl);
  try {
    await applyMigrations(databaseUrl, migrationsDir);
    const progress = createProgressReporter();
    const summary = await seedDemo({ databaseUrl, size, seed, overrides: { endAtMs }, onProgress: progress });
    const db = createPrismaClient(databaseUrl);
    try {
      const started = performance.now();
      await buildTrainingSet(db, { from: new Date(summary.windowStart), to: new Date(summary.windowEnd), out, format: "csv", progress });
      buildSeconds = (performance.now() - started) / 1000;
      log(`training set: ${buildSeconds.toFixed(1)} s for ${summary.events} events (loadavg ${load()})`);
    } finally {
      await db.$disconnect();
    }
    return out;
  } finally {
    const admin = new pg.Client({ connectionString: `${values.server}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  }
}

/** r(u,i,t) for each validation row, regenerated from the world. */
function trueRelevance(demo: DemoWorld, data: RankingExamples, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (row) => {
    const user = parseDemoIndex("user", data.userIds[row]!);
    const item = parseDemoIndex("item", data.itemIds[row]!);
    if (user < 0 || item < 0) throw new Error(`row ${row} is not a demo-world row (${data.userIds[row]}, ${data.itemIds[row]})`);
    return relevance(demo, user, item, data.impressionAtMs[row]!);
  });
}

/** Largest |ONNX − TypeScript| over the validation rows and all three heads (watch relative to max(1, |x|)). */
async function onnxMaxDifference(result: RankerPipelineResult): Promise<number> {
  const ranker = await loadOnnxRanker(result.onnxBytes, { featureCount: result.featureNames.length });
  try {
    const rows = result.validation.rows;
    const features = modelInput(result.examples.features, result.examples.featureNames.length, rows);
    const fromOnnx = await ranker.score(features, rows.length);
    const fromTypeScript = scoreBatch(result.model, features, rows.length);
    let worst = 0;
    for (const head of ["pClick", "pLike", "watchSeconds"] as const) {
      for (let i = 0; i < rows.length; i += 1) {
        const a = fromOnnx[head][i]!;
        const b = fromTypeScript[head][i]!;
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
      }
    }
    return worst;
  } finally {
    await ranker.release();
  }
}

/** AUC(a) − AUC(b) on the validation rows, with a 95% interval from resampling whole requests. */
function pairedAucDifference(a: ArrayLike<number>, b: ArrayLike<number>, resamples: number): { mean: number; low: number; high: number } {
  const rowsOfGroup = new Map<number, number[]>();
  groups.forEach((group, i) => {
    const list = rowsOfGroup.get(group);
    if (list) list.push(i);
    else rowsOfGroup.set(group, [i]);
  });
  const slates = [...rowsOfGroup.values()];
  const random = createRandom(seed);
  const differences: number[] = [];
  for (let r = 0; r < resamples; r += 1) {
    const sample: number[] = [];
    for (let s = 0; s < slates.length; s += 1) sample.push(...slates[random.int(slates.length)]!);
    const labels = sample.map((i) => clicks[i]!);
    differences.push(
      auc(
        sample.map((i) => a[i]!),
        labels,
      ) -
        auc(
          sample.map((i) => b[i]!),
          labels,
        ),
    );
  }
  differences.sort((x, y) => x - y);
  return { mean: auc(a, clicks) - auc(b, clicks), low: differences[Math.floor(0.025 * resamples)]!, high: differences[Math.ceil(0.975 * resamples) - 1]! };
}

function meanAbsoluteError(predicted: ArrayLike<number>, actual: ArrayLike<number>, weights: ArrayLike<number> | null): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < predicted.length; i += 1) {
    const w = weights ? weights[i]! : 1;
    sum += w * Math.abs(predicted[i]! - actual[i]!);
    total += w;
  }
  return sum / total;
}
