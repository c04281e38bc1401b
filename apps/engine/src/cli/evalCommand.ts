// `cascade eval [--model <id> | --active] [--protocol time|benchmark] [--config file.json] [--seed S] [--json]`
//   --protocol time (default): re-evaluates registered versions on today's data (the test period is
//     what happened after each version's training window; see training/pipeline/evaluateVersion.ts) beside
//     the baselines, and (without --model) the served funnel replayed as of the active models'
//     window end and scored on what happened next (replay/servedFunnelAfterWindow.ts); prints the tables.
//   --protocol benchmark [--positive any|rating>=T] [--split-dir DIR | --train F --valid F --test F]
//     [--id-prefix P]: the published-benchmark protocol (RecBole "RO 8:1:1" full ranking; see
//     training/pipeline/benchmarkProtocol.ts) on the whole event log, or on a supplied split whose ids are
//     mapped onto the imported catalogue: a two-tower trained on the 80% with the config's
//     retrieval settings beside popularity, item kNN, EASE, co-occurrence and the fused sources.
//     Registered versions are not used: their training data overlaps any random test split. The
//     result is also written to <dataDir>/eval/benchmark-<time>.json (the registry has no way to
//     update a version's metrics, and this two-tower is not a registered version anyway).
//     Fully offline from files (no database): bench/realDataBenchmark.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { Option, type Command } from "commander";
import { describePositiveSpec, formatReportTable, parsePositiveSpec, type EvaluationReport, type PositiveSpec } from "@cascade/core";
import { createPrismaClient, getActiveModelVersions, getModelVersion, type ModelVersion } from "@cascade/db";
import { catalogIdMapping, findSplitFiles, mapSuppliedSplit, readInteractionFile, type IdStyle, type SplitFiles } from "../training/pipeline/benchmarkFiles.ts";
import { loadBenchmarkData, runBenchmarkProtocol, DEFAULT_BENCHMARK_POSITIVES, type BenchmarkResult } from "../training/pipeline/benchmarkProtocol.ts";
import { evaluateItemToItemVersion, evaluateRankerVersion, evaluateTwoTowerVersion, type VersionEvaluation } from "../training/pipeline/evaluateVersion.ts";
import type { DatabaseRunner } from "./commandOptions.ts";
import { replayServedRows, type ServedRows } from "./servedRows.ts";
import { ActiveModels } from "../models/activeModels.ts";
import { evaluateServedFunnelAfterWindow, type ServedFunnelEvaluation } from "../replay/servedFunnelAfterWindow.ts";
import pino from "pino";
import { createProgressReporter, type ProgressReporter } from "../telemetry/progress.ts";
import { loadTrainConfig } from "./trainCommand.ts";

export type EvalCommandOptions = {
  model?: string;
  active?: boolean;
  protocol: "time" | "benchmark";
  config?: string;
  seed?: number;
  /** Benchmark positives: "any" (default, the published protocol) or "rating>=T". */
  positive?: string;
  /** Shorthand for --positive rating>=N (kept from before --positive existed). */
  positiveRating?: number;
  splitDir?: string;
  train?: string;
  valid?: string;
  test?: string;
  /** How the split files' ids map onto the catalogue: the importer's prefix ("" = ids as they are). */
  idPrefix?: string;
  /** Which importer named the ids (default movielens: P-movie-1; recbole: P-item-1). */
  idStyle?: IdStyle;
  outDir?: string;
  json?: boolean;
  /** Benchmark on a supplied split: add the served funnel replayed for every test user (replay/feedReplay.ts). */
  served?: boolean;
  /** The surface the served rows replay (default home). */
  surface?: string;
};

export type EvalCommandResult =
  | { protocol: "time"; evaluations: VersionEvaluation[]; served?: ServedFunnelEvaluation }
  | { protocol: "benchmark"; benchmark: BenchmarkResult; seconds: number; resultsFile: string };

function seedOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 0xffff_ffff) throw new Error("--seed must be an integer between 0 and 4294967295");
  return parsed;
}

function reportJson(report: EvaluationReport) {
  return {
    title: report.title,
    rows: report.rows.map((row) => ({
      name: row.name,
      ...Object.fromEntries(report.columns.map((column, j) => [column, Number.isFinite(row.values[j]!) ? row.values[j] : null])),
    })),
  };
}

function benchmarkPositives(options: EvalCommandOptions): PositiveSpec {
  if (options.positive !== undefined && options.positiveRating !== undefined) throw new Error("pass either --positive or --positive-rating, not both");
  if (options.positiveRating !== undefined) {
    if (!Number.isFinite(options.positiveRating)) throw new Error("--positive-rating must be a number");
    return { ...DEFAULT_BENCHMARK_POSITIVES, minRating: options.positiveRating };
  }
  return options.positive === undefined ? DEFAULT_BENCHMARK_POSITIVES : parsePositiveSpec(options.positive);
}

async function suppliedSplitFiles(options: EvalCommandOptions): Promise<SplitFiles | null> {
  const single = [options.train, options.valid, options.test];
  if (options.splitDir && single.some((file) => file !== undefined)) throw new Error("pass either --split-dir or --train/--valid/--test, not both");
  if (options.splitDir) return findSplitFiles(options.splitDir);
  if (single.every((file) => file === undefined)) return null;
  if (!options.train || !options.valid || !options.test) throw new Error("a supplied split needs all three of --train, --valid and --test");
  return { train: options.train, validation: options.valid, test: options.test };
}

/** The results file: everything the table shows, plus timings, split sizes and the config used. */
function benchmarkJson(benchmark: BenchmarkResult, extra: Record<string, unknown>) {
  return {
    protocol: "benchmark",
    ...reportJson(benchmark.report),
    split: benchmark.split,
    timings: benchmark.timings,
    fusedSourcesWeights: benchmark.funnelWeights,
    twoTowerEpochs: benchmark.epochs.map((epoch) => ({
      epoch: epoch.epoch,
      loss: epoch.loss,
      validationRecall: Number.isFinite(epoch.validationRecall) ? epoch.validationRecall : null,
      seconds: epoch.seconds,
    })),
    notes: benchmark.notes,
    ...extra,
  };
}

async function runBenchmarkEval(
  db: ReturnType<typeof createPrismaClient>,
  dataDir: string,
  options: EvalCommandOptions,
  config: Awaited<ReturnType<typeof loadTrainConfig>>,
  io: { stdout: NodeJS.WritableStream; progress: ProgressReporter },
): Promise<EvalCommandResult> {
  if (options.model || options.active) throw new Error("--protocol benchmark trains its own two-tower on the 80% split; it does not take --model/--active");
  const positives = benchmarkPositives(options);
  const files = await suppliedSplitFiles(options);
  const started = performance.now();
  io.progress.start("benchmark data: events", 0);
  let read = 0;
  let data = await loadBenchmarkData(db, {
    positives,
    onEvents: (total) => {
      io.progress.increment(total - read);
      read = total;
    },
  });
  io.progress.stop();
  let split;
  // The (user, item) pairs the database holds, to check a served replay cannot see test items.
  const dbPairs = { userIds: data.userIds, itemIds: data.itemIds, interactions: data.interactions };
  if (files) {
    const supplied = mapSuppliedSplit(
      data,
      { train: await readInteractionFile(files.train), validation: await readInteractionFile(files.validation), test: await readInteractionFile(files.test) },
      positives,
      catalogIdMapping(options.idPrefix ?? "ml", options.idStyle ?? "movielens"),
    );
    data = supplied.data;
    split = supplied.parts;
  }
  let served: ServedRows | null = null;
  if (options.served) {
    if (!split)
      throw new Error(
        "--served needs a supplied split (--split-dir or --train/--valid/--test) whose train part is what the database holds: the replay serves from the database, so a random split of it would serve from the test items",
      );
    served = await replayServedRows(db, { original: dbPairs, data, split, surface: options.surface ?? "home", k: 10 }, io.progress);
  }
  const benchmark = runBenchmarkProtocol(data, {
    config,
    seed: config.seed,
    positives: describePositiveSpec(positives),
    progress: io.progress,
    ...(split ? { split } : {}),
    ...(served ? { extraRecommenders: served.rows } : {}),
  });
  const seconds = (performance.now() - started) / 1000;

  const createdAt = new Date();
  const resultsFile = join(dataDir, "eval", `benchmark-${createdAt.toISOString().replace(/[:.]/g, "-")}.json`);
  const active = await getActiveModelVersions(db);
  const json = benchmarkJson(benchmark, {
    positives,
    splitFiles: files,
    seconds,
    createdAt: createdAt.toISOString(),
    // For reference only: the table's two-tower is trained here, not this version.
    activeRetrievalVersion: active.retrieval?.id ?? null,
    served: served
      ? { surface: options.surface ?? "home", asOf: new Date(served.asOfMs).toISOString(), eventsReplayed: served.eventsReplayed, ...served.summary }
      : null,
    retrievalConfig: config.retrieval,
    seedOfTraining: config.seed,
  });
  await mkdir(join(dataDir, "eval"), { recursive: true });
  await writeFile(resultsFile, JSON.stringify(json, null, 2) + "\n");
  if (options.json) io.stdout.write(JSON.stringify({ ...json, resultsFile }, null, 2) + "\n");
  else {
    const load = loadavg()
      .map((value) => value.toFixed(2))
      .join(" ");
    io.stdout.write(
      [
        formatReportTable(benchmark.report),
        `seconds per row (fit + ranking every test user): ${benchmark.timings.map((t) => `${t.name} ${t.fitSeconds.toFixed(1)} + ${t.recommendSeconds.toFixed(1)}`).join(" · ")}`,
        `fused sources = reciprocal-rank fusion of the two-tower, co-occurrence and popularity lists (offline, not the served funnel), weights chosen on the validation split: ${JSON.stringify(benchmark.funnelWeights)}`,
        ...benchmark.notes,
        ...(served
          ? [
              `served funnel = the engine's serving code replayed per test user as of ${new Date(served.asOfMs).toISOString()} (surface ${options.surface ?? "home"}, active models, features from ${served.eventsReplayed} events): ${served.summary.notes}`,
            ]
          : []),
        `positives: ${describePositiveSpec(positives)} (and click/like/watch/purchase events) · two-tower: ${benchmark.epochs.length} epochs, ${Math.round(benchmark.epochs.reduce((sum, epoch) => sum + epoch.interactionsPerCpuSecond, 0) / Math.max(1, benchmark.epochs.length))} interactions per CPU-second · total ${seconds.toFixed(1)} s (loadavg ${load})`,
        `results: ${resultsFile}`,
      ].join("\n") + "\n",
    );
  }
  return { protocol: "benchmark", benchmark, seconds, resultsFile };
}

async function versionsToEvaluate(db: ReturnType<typeof createPrismaClient>, options: EvalCommandOptions): Promise<ModelVersion[]> {
  if (options.model) {
    const version = await getModelVersion(db, options.model);
    if (!version) throw new Error(`--model: no model version with id ${options.model} (see cascade models list)`);
    return [version];
  }
  const active = await getActiveModelVersions(db);
  // An active external ranker was trained elsewhere: nothing here knows its training window.
  const versions = [active.retrieval, active.itemToItem, active.ranker].filter(
    (version): version is ModelVersion => version !== null && version.kind !== "external_ranker",
  );
  if (versions.length === 0)
    throw new Error("no active model versions: pass --model <id>, or promote one (cascade train --promote, cascade models promote <id>)");
  return versions;
}

export async function runEvalCommand(
  databaseUrl: string,
  dataDir: string,
  options: EvalCommandOptions,
  io: { stdout: NodeJS.WritableStream; progress: ProgressReporter } = { stdout: process.stdout, progress: createProgressReporter() },
): Promise<EvalCommandResult> {
  if (options.model && options.active) throw new Error("pass either --model <id> or --active, not both");
  const config = await loadTrainConfig({
    ...(options.config ? { config: options.config } : {}),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const db = createPrismaClient(databaseUrl, { poolSize: 2 });
  try {
    if (options.protocol === "benchmark") return await runBenchmarkEval(db, dataDir, options, config, io);
    const versions = await versionsToEvaluate(db, options);
    const evaluations: VersionEvaluation[] = [];
    for (const version of versions) {
      evaluations.push(
        version.kind === "two_tower"
          ? await evaluateTwoTowerVersion(db, version, {
              ks: config.retrieval.evaluation.ks,
              maxUsers: config.retrieval.evaluation.maxUsers,
              progress: io.progress,
            })
          : version.kind === "item_item"
            ? await evaluateItemToItemVersion(db, version, {
                ks: config.retrieval.evaluation.ks,
                maxUsers: config.retrieval.evaluation.maxUsers,
                progress: io.progress,
              })
            : version.kind === "ranker"
              ? await evaluateRankerVersion(db, version, { config, dataDir, workDir: options.outDir ?? join(dataDir, "train"), progress: io.progress })
              : await Promise.reject(
                  new Error(
                    `model ${version.id} is an ${version.kind}: only versions trained by cascade train (two_tower, item_item, ranker) can be re-evaluated`,
                  ),
                ),
      );
    }
    // The served funnel as a whole, replayed at the active models' window end (not for one --model).
    let served: ServedFunnelEvaluation | null = null;
    if (!options.model) {
      const logger = pino({ level: "warn" }, pino.destination(2));
      const models = new ActiveModels({ db, logger, pollIntervalMs: 0 });
      await models.start();
      try {
        served = await evaluateServedFunnelAfterWindow({ db, logger }, versions, {
          models,
          surface: options.surface ?? "home",
          ks: config.retrieval.evaluation.ks,
          maxUsers: config.retrieval.evaluation.maxUsers,
          progress: io.progress,
        });
      } finally {
        await models.stop();
      }
    }
    if (options.json) {
      const versionsJson = evaluations.map((e) => ({ id: e.version.id, kind: e.version.kind, testPeriod: e.testPeriod, ...reportJson(e.report) }));
      io.stdout.write(
        JSON.stringify(
          served
            ? {
                versions: versionsJson,
                servedFunnel:
                  "skipped" in served
                    ? served
                    : { testPeriod: served.testPeriod, users: served.users, degradedPages: served.degradedPages, ...reportJson(served.report) },
              }
            : versionsJson,
          null,
          2,
        ) + "\n",
      );
    } else {
      const servedText =
        served === null
          ? []
          : [
              "skipped" in served
                ? `served funnel: not replayed — ${served.skipped}`
                : `${formatReportTable(served.report)}\n(${served.degradedPages} of ${served.users} replayed pages degraded)`,
            ];
      io.stdout.write([...evaluations.map((e) => formatReportTable(e.report)), ...servedText].join("\n\n") + "\n");
    }
    return { protocol: "time", evaluations, ...(served ? { served } : {}) };
  } finally {
    await db.$disconnect();
  }
}

/** Adds `eval` to the CLI. */
export function addEvalCommand(program: Command, withDatabase: DatabaseRunner, dataDir: () => string): void {
  program
    .command("eval")
    .description(
      "offline evaluation beside popularity / co-occurrence / logistic-regression baselines: a registered version on today's data, or the published-benchmark protocol",
    )
    .option("--model <id>", "the model version to evaluate (default with --protocol time: the active versions)")
    .option("--active", "evaluate the active retrieval and ranker versions")
    .addOption(
      new Option("--protocol <protocol>", "time: time-based split; benchmark: per-user random 80/10/10, full ranking, @10")
        .choices(["time", "benchmark"])
        .default("time"),
    )
    .option("--config <file>", "JSON training config (retrieval settings of the benchmark's two-tower, evaluation cut-offs)")
    .option("--seed <n>", "seed of the benchmark split and training (overrides the config's)", seedOption)
    .option(
      "--positive <rule>",
      'benchmark positives: "any" (default: every rating, as the published tables) or e.g. "rating>=8" (the 0–10 scale: MovieLens 4 stars)',
    )
    .option("--positive-rating <value>", "benchmark: shorthand for --positive any with ratings ≥ value (0–10 scale: MovieLens stars × 2)", Number)
    .option("--split-dir <dir>", "benchmark on a supplied split: <name>.train.inter/.valid.inter/.test.inter (RecBole) or train/valid/test .csv/.tsv")
    .option("--train <file>", "benchmark supplied split: the train file (with --valid and --test)")
    .option("--valid <file>", "benchmark supplied split: the validation file")
    .option("--test <file>", "benchmark supplied split: the test file")
    .option(
      "--id-prefix <prefix>",
      'how split ids map onto the catalogue, as the MovieLens importer maps them: <prefix>-user-<id>, <prefix>-movie-<id> ("" = unchanged)',
      "ml",
    )
    .addOption(
      new Option("--id-style <style>", "which importer named the ids: movielens (<prefix>-movie-<id>) or recbole (<prefix>-item-<id>)")
        .choices(["movielens", "recbole"])
        .default("movielens"),
    )
    .option("--out-dir <dir>", "where training sets built for evaluation are cached (default: $CASCADE_DATA_DIR/train)")
    .option(
      "--served",
      "benchmark on a supplied split: add rows for the served funnel, replayed through the engine's serving code for every test user (the database must hold the train part only)",
    )
    .option("--surface <id>", "the surface the served funnel is replayed on (--protocol time, and benchmark --served)", "home")
    .option("--json", "print JSON instead of tables")
    .action(async (options: EvalCommandOptions) => {
      await withDatabase((databaseUrl) => runEvalCommand(databaseUrl, dataDir(), options));
    });
}
