// `cascade eval [--model <id> | --active] [--protocol time|benchmark] [--config file.json] [--seed S] [--json]`
//   --protocol time (default): re-evaluates registered versions on today's data (the test period is
//     what happened after each version's training window; see jobs/train/evaluateVersion.ts) beside
//     the baselines, and prints the tables.
//   --protocol benchmark: the published-benchmark protocol on the whole event log (per-user random
//     80/10/10, full ranking over unseen items, recall/NDCG/hit@10): a two-tower trained on the 80%
//     with the config's retrieval settings, popularity, co-occurrence and the fused funnel
//     (jobs/train/benchmarkProtocol.ts). Registered versions are not used: their training data
//     overlaps any random test split.
import { loadavg } from "node:os";
import { join } from "node:path";
import { Option, type Command } from "commander";
import { formatReportTable, type EvaluationReport } from "@cascade/core";
import { createPrismaClient, getActiveModelVersions, getModelVersion, type ModelVersion } from "@cascade/db";
import { loadBenchmarkData, runBenchmarkProtocol, DEFAULT_POSITIVE_RATING, type BenchmarkResult } from "../jobs/train/benchmarkProtocol.ts";
import { evaluateRankerVersion, evaluateTwoTowerVersion, type VersionEvaluation } from "../jobs/train/evaluateVersion.ts";
import type { DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "./progress.ts";
import { loadTrainConfig } from "./trainCommand.ts";

export type EvalCommandOptions = {
  model?: string;
  active?: boolean;
  protocol: "time" | "benchmark";
  config?: string;
  seed?: number;
  positiveRating: number;
  outDir?: string;
  json?: boolean;
};

export type EvalCommandResult = { protocol: "time"; evaluations: VersionEvaluation[] } | { protocol: "benchmark"; benchmark: BenchmarkResult; seconds: number };

function seedOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 0xffff_ffff) throw new Error("--seed must be an integer between 0 and 4294967295");
  return parsed;
}

function reportJson(report: EvaluationReport) {
  return {
    title: report.title,
    rows: report.rows.map((row) => ({ name: row.name, ...Object.fromEntries(report.columns.map((column, j) => [column, Number.isFinite(row.values[j]!) ? row.values[j] : null])) })),
  };
}

async function versionsToEvaluate(db: ReturnType<typeof createPrismaClient>, options: EvalCommandOptions): Promise<ModelVersion[]> {
  if (options.model) {
    const version = await getModelVersion(db, options.model);
    if (!version) throw new Error(`--model: no model version with id ${options.model} (see cascade models list)`);
    return [version];
  }
  const active = await getActiveModelVersions(db);
  // An active external ranker was trained elsewhere: nothing here knows its training window.
  const versions = [active.retrieval, active.ranker].filter((version): version is ModelVersion => version !== null && version.kind !== "external_ranker");
  if (versions.length === 0) throw new Error("no active model versions: pass --model <id>, or promote one (cascade train --promote, cascade models promote <id>)");
  return versions;
}

export async function runEvalCommand(
  databaseUrl: string,
  dataDir: string,
  options: EvalCommandOptions,
  io: { stdout: NodeJS.WritableStream; progress: ProgressReporter } = { stdout: process.stdout, progress: createProgressReporter() },
): Promise<EvalCommandResult> {
  if (options.model && options.active) throw new Error("pass either --model <id> or --active, not both");
  const config = await loadTrainConfig(options);
  const db = createPrismaClient(databaseUrl, { poolSize: 2 });
  try {
    if (options.protocol === "benchmark") {
      if (options.model || options.active) throw new Error("--protocol benchmark trains its own two-tower on the 80% split; it does not take --model/--active");
      const started = performance.now();
      io.progress.start("benchmark data: events", 0);
      let read = 0;
      const data = await loadBenchmarkData(db, {
        positiveRating: options.positiveRating,
        onEvents: (total) => {
          io.progress.increment(total - read);
          read = total;
        },
      });
      io.progress.stop();
      const benchmark = runBenchmarkProtocol(data, { config, seed: config.seed, progress: io.progress });
      const seconds = (performance.now() - started) / 1000;
      if (options.json) io.stdout.write(JSON.stringify({ ...reportJson(benchmark.report), funnelWeights: benchmark.funnelWeights, split: benchmark.split, seconds }, null, 2) + "\n");
      else {
        const load = loadavg().map((value) => value.toFixed(2)).join(" ");
        io.stdout.write(
          [
            formatReportTable(benchmark.report),
            `funnel = reciprocal-rank fusion of two-tower, co-occurrence and popularity lists, weights chosen on the validation split: ${JSON.stringify(benchmark.funnelWeights)}`,
            `positives: ratings ≥ ${options.positiveRating} stars and click/like/watch/purchase events · two-tower trained in ${benchmark.trainingSeconds.toFixed(1)} s (${benchmark.epochs.length} epochs, ${Math.round(benchmark.epochs.reduce((sum, epoch) => sum + epoch.interactionsPerCpuSecond, 0) / Math.max(1, benchmark.epochs.length))} interactions per CPU-second) · total ${seconds.toFixed(1)} s (loadavg ${load})`,
          ].join("\n") + "\n",
        );
      }
      return { protocol: "benchmark", benchmark, seconds };
    }
    const versions = await versionsToEvaluate(db, options);
    const evaluations: VersionEvaluation[] = [];
    for (const version of versions) {
      evaluations.push(
        version.kind === "two_tower"
          ? await evaluateTwoTowerVersion(db, version, { ks: config.retrieval.evaluation.ks, maxUsers: config.retrieval.evaluation.maxUsers, progress: io.progress })
          : version.kind === "ranker"
            ? await evaluateRankerVersion(db, version, { config, dataDir, workDir: options.outDir ?? join(dataDir, "train"), progress: io.progress })
            : await Promise.reject(new Error(`model ${version.id} is an ${version.kind}: only versions trained by cascade train (two_tower, ranker) can be re-evaluated`)),
      );
    }
    if (options.json) io.stdout.write(JSON.stringify(evaluations.map((e) => ({ id: e.version.id, kind: e.version.kind, testPeriod: e.testPeriod, ...reportJson(e.report) })), null, 2) + "\n");
    else io.stdout.write(evaluations.map((e) => formatReportTable(e.report)).join("\n\n") + "\n");
    return { protocol: "time", evaluations };
  } finally {
    await db.$disconnect();
  }
}

/** Adds `eval` to the CLI. */
export function addEvalCommand(program: Command, withDatabase: DatabaseRunner, dataDir: () => string): void {
  program
    .command("eval")
    .description("offline evaluation beside popularity / co-occurrence / logistic-regression baselines: a registered version on today's data, or the published-benchmark protocol")
    .option("--model <id>", "the model version to evaluate (default with --protocol time: the active versions)")
    .option("--active", "evaluate the active retrieval and ranker versions")
    .addOption(new Option("--protocol <protocol>", "time: time-based split; benchmark: per-user random 80/10/10, full ranking, @10").choices(["time", "benchmark"]).default("time"))
    .option("--config <file>", "JSON training config (retrieval settings of the benchmark's two-tower, evaluation cut-offs)")
    .option("--seed <n>", "seed of the benchmark split and training (overrides the config's)", seedOption)
    .option("--positive-rating <stars>", "benchmark: a rating of at least this many stars is a positive", Number, DEFAULT_POSITIVE_RATING)
    .option("--out-dir <dir>", "where training sets built for evaluation are cached (default: $CASCADE_DATA_DIR/train)")
    .option("--json", "print JSON instead of tables")
    .action(async (options: EvalCommandOptions) => {
      await withDatabase((databaseUrl) => runEvalCommand(databaseUrl, dataDir(), options));
    });
}
