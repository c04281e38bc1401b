// Speed of `cascade train`'s two slow steps, on a database that already holds a world (a script, not
// a test; it only reads the database):
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cascade_train_demo_default \
//   node --import tsx apps/engine/bench/trainStepsSpeed.ts [--from ISO] [--to ISO] [--epochs 6]
//     [--training-set FILE (skip building it)] [--out bench-results/train-steps-speed.json]
// 1. Builds the point-in-time training set (Parquet, as `cascade train` does) for impressions in
//    [from, to) — default: the whole log, less one label window at the end, like the train step.
// 2. Trains the ranker on it with the default config (trainRankerFromTrainingSet), LR baseline included.
// Prints wall and CPU seconds, events/s, examples/s, training rows/s and the load average next to
// each, and writes them as JSON. CPU seconds are the steadier figure on a shared machine.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient, repoRoot } from "@cascade/db";
import { createProgressReporter } from "../src/telemetry/progress.ts";
import { buildTrainingSet, DEFAULT_LABEL_WINDOW_MS } from "../src/training/dataset/trainingSet.ts";
import { trainRankerFromTrainingSet } from "../src/training/ranker/rankerPipeline.ts";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    to: { type: "string" },
    epochs: { type: "string", default: "6" },
    "training-set": { type: "string" },
    out: { type: "string", default: resolve(repoRoot, "bench-results/train-steps-speed.json") },
  },
});
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("set DATABASE_URL to a database holding a world (e.g. after `cascade seed --demo`)");
const load = () => loadavg().map((value) => Number(value.toFixed(2)));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Wall and CPU seconds of `run`, with the load average at the end. */
async function measure<T>(run: () => Promise<T>): Promise<{ result: T; wallSeconds: number; cpuSeconds: number; loadavg: number[] }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return { result, wallSeconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, loadavg: load() };
}

const scratch = mkdtempSync(join(tmpdir(), "cascade-train-steps-"));
try {
  let trainingSetPath = values["training-set"];
  let trainingSet: Record<string, unknown> | null = null;
  if (!trainingSetPath) {
    const db = createPrismaClient(databaseUrl);
    try {
      const [bounds] = await db.$queryRaw<{ first: Date | null; last: Date | null }[]>`SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM events`;
      if (!bounds?.first || !bounds.last) throw new Error("the events table is empty");
      const from = values.from ? new Date(values.from) : bounds.first;
      const to = values.to ? new Date(values.to) : new Date(bounds.last.getTime() + 1 - DEFAULT_LABEL_WINDOW_MS);
      trainingSetPath = join(scratch, "training-set.parquet");
      const out = trainingSetPath;
      const step = await measure(() => buildTrainingSet(db, { from, to, out, format: "parquet", progress: createProgressReporter() }));
      const { examples, eventsRead } = step.result;
      trainingSet = {
        from: from.toISOString(),
        to: to.toISOString(),
        examples,
        eventsRead,
        wallSeconds: step.wallSeconds,
        cpuSeconds: step.cpuSeconds,
        eventsPerWallSecond: eventsRead / step.wallSeconds,
        eventsPerCpuSecond: eventsRead / step.cpuSeconds,
        loadavg: step.loadavg,
      };
      log(
        `training set: ${eventsRead} events → ${examples} examples in ${step.wallSeconds.toFixed(1)} s wall / ${step.cpuSeconds.toFixed(1)} s CPU (${Math.round(eventsRead / step.cpuSeconds)} events per CPU second) · loadavg ${step.loadavg.join(" ")}`,
      );
    } finally {
      await db.$disconnect();
    }
  }
  const path = trainingSetPath;
  const phases: Record<string, number> = {};
  const started = performance.now();
  const ranker = await measure(() =>
    trainRankerFromTrainingSet(path, { epochs: Number(values.epochs) }, { onPhase: (phase) => (phases[phase] = (performance.now() - started) / 1000) }),
  );
  const { training, split, baseline, metrics } = ranker.result;
  const rankerSummary = {
    rows: ranker.result.examples.rows,
    trainRows: split.trainRows,
    epochs: training.epochs.length,
    wallSeconds: ranker.wallSeconds,
    cpuSeconds: ranker.cpuSeconds,
    readSeconds: phases.split ?? null,
    trainingSeconds: training.seconds,
    trainingRowsPerSecond: training.rowsPerSecond,
    baselineSeconds: baseline?.seconds ?? null,
    clickAuc: metrics.click.auc,
    baselineClickAuc: baseline?.metrics.auc ?? null,
    loadavg: ranker.loadavg,
  };
  log(
    `ranker: ${rankerSummary.rows} rows read in ${(rankerSummary.readSeconds ?? 0).toFixed(1)} s; ${training.epochs.length} epochs × ${split.trainRows} rows in ${training.seconds.toFixed(1)} s (${Math.round(training.rowsPerSecond)} rows/s); ` +
      `LR baseline ${(baseline?.seconds ?? 0).toFixed(1)} s; step ${ranker.wallSeconds.toFixed(1)} s wall / ${ranker.cpuSeconds.toFixed(1)} s CPU · AUC ${metrics.click.auc.toFixed(4)} vs LR ${(baseline?.metrics.auc ?? Number.NaN).toFixed(4)} · loadavg ${ranker.loadavg.join(" ")}`,
  );
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, JSON.stringify({ at: new Date().toISOString(), trainingSet, ranker: rankerSummary }, null, 2) + "\n");
  log(`wrote ${values.out}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
