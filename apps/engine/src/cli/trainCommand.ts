// `cascade train [--config file.json] [--window-days N | --from D --to D] [--steps retrieval|ranker|all]
//   [--positive SPEC] [--seed S] [--promote] [--out-dir DIR] [--json]`:
// plan → training set → two-tower → HNSW index → ranker → evaluation → artifacts → registered
// versions (training/pipeline/trainPipeline.ts). Progress and step lines go to stderr; the evaluation
// report, step timings and the registered versions to stdout (or one JSON document with --json).
import { loadavg } from "node:os";
import { InvalidArgumentError, type Command } from "commander";
import { parsePositiveSpec } from "@cascade/core";
import { createPrismaClient } from "@cascade/db";
import { parseTrainConfig, readTrainConfigFile, type TrainConfig } from "../training/pipeline/trainConfig.ts";
import { runTrainPipeline, type TrainPipelineResult, type TrainSteps } from "../training/pipeline/trainPipeline.ts";
import { isoDate, positiveNumber, type DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "../telemetry/progress.ts";

export type TrainCommandOptions = {
  config?: string;
  windowDays?: number;
  from?: Date;
  to?: Date;
  seed?: number;
  steps?: TrainSteps;
  positive?: TrainConfig["positives"];
  quick?: boolean;
  promote?: boolean;
  outDir?: string;
  json?: boolean;
};

function seedOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 0xffff_ffff) throw new Error("--seed must be an integer between 0 and 4294967295");
  return parsed;
}

export async function loadTrainConfig(options: Pick<TrainCommandOptions, "config" | "seed" | "positive" | "quick">): Promise<TrainConfig> {
  const config = options.config ? await readTrainConfigFile(options.config) : parseTrainConfig({});
  const chosen = { ...config, ...(options.seed === undefined ? {} : { seed: options.seed }), ...(options.positive ? { positives: options.positive } : {}) };
  return options.quick ? quickConfig(chosen) : chosen;
}

/** Days a `--quick` run trains on when the config sets no window length. */
export const QUICK_WINDOW_DAYS = 14;

/**
 * `--quick`: a first model in minutes (the first start's background training): the last 14 days
 * unless the window is set, at most 3 ranker epochs, and the held-out two-tower shipped as it is
 * (no refit on all data). A later full `cascade train` (or `cascade schedule`) restores full quality.
 */
export function quickConfig(config: TrainConfig): TrainConfig {
  return {
    ...config,
    window: config.window.days !== undefined || config.window.from ? config.window : { ...config.window, days: QUICK_WINDOW_DAYS },
    ranker: { ...config.ranker, epochs: Math.min(config.ranker.epochs, 3) },
    retrieval: { ...config.retrieval, refitOnAllData: false },
  };
}

/** `--positive`: core's text form — `rating`, `rating>=8`, `click,like,purchase`, `weight>=2`, `any`. */
export function positiveOption(value: string): TrainConfig["positives"] {
  try {
    return parsePositiveSpec(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function stepsOption(value: string): TrainSteps {
  if (value === "retrieval" || value === "ranker" || value === "all") return value;
  throw new Error(`--steps must be retrieval, ranker or all (got "${value}")`);
}

export function formatStepTimings(result: TrainPipelineResult): string {
  const rows = result.steps.map((step) => [
    step.step,
    step.reused ? "reused" : "ran",
    step.seconds.toFixed(1),
    step.computeSeconds.toFixed(1),
    step.digest.slice(0, 16),
  ]);
  const header = ["step", "", "seconds", "computed in", "digest"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column >= 2 && column <= 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
  return [line(header), ...rows.map(line), `total ${result.totalSeconds.toFixed(1)} s (loadavg ${load})`].join("\n");
}

export function formatTrainSummary(result: TrainPipelineResult): string {
  const version = (label: string, registration: TrainPipelineResult["twoTower"]) =>
    registration
      ? `${label}: ${registration.version.name} v${registration.version.version} (${registration.version.id}) ${registration.version.status}${registration.created ? "" : " — already registered for this build, reused"}`
      : `${label}: not trained in this run`;
  return [
    `training window ${result.window.from.toISOString()} → ${result.window.to.toISOString()}`,
    "",
    result.report,
    "",
    formatStepTimings(result),
    "",
    version("two_tower", result.twoTower),
    version("item_item", result.itemToItem),
    version("ranker   ", result.ranker),
    ...(result.promoted.length > 0
      ? [`promoted: ${result.promoted.map((v) => `${v.kind} v${v.version}`).join(", ")}`]
      : ["not promoted (pass --promote, or `cascade models promote <id>`)"]),
  ].join("\n");
}

export async function runTrainCommand(
  databaseUrl: string,
  dataDir: string,
  options: TrainCommandOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; progress: ProgressReporter } = {
    stdout: process.stdout,
    stderr: process.stderr,
    progress: createProgressReporter(),
  },
): Promise<TrainPipelineResult> {
  if (options.windowDays !== undefined && (options.from || options.to)) throw new Error("--window-days cannot be combined with --from/--to");
  if (options.from && options.to && !(options.from < options.to)) throw new Error("--from must be before --to");
  const config = await loadTrainConfig(options);
  const db = createPrismaClient(databaseUrl, { poolSize: 2 });
  try {
    const result = await runTrainPipeline(db, {
      config,
      dataDir,
      ...(options.outDir ? { workDir: options.outDir } : {}),
      window: {
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(options.windowDays ? { days: options.windowDays } : {}),
      },
      steps: options.steps ?? "all",
      promote: options.promote ?? false,
      actor: { type: "cli", id: process.env.USER ?? null },
      progress: io.progress,
      log: (line) => io.stderr.write(`train: ${line}\n`),
    });
    if (options.json) {
      io.stdout.write(
        JSON.stringify(
          {
            window: result.window,
            plan: result.plan,
            steps: result.steps,
            totalSeconds: result.totalSeconds,
            twoTower: result.twoTower && {
              id: result.twoTower.version.id,
              version: result.twoTower.version.version,
              created: result.twoTower.created,
              metrics: result.twoTower.version.metrics,
            },
            itemToItem: result.itemToItem && {
              id: result.itemToItem.version.id,
              version: result.itemToItem.version.version,
              created: result.itemToItem.created,
              metrics: result.itemToItem.version.metrics,
            },
            ranker: result.ranker && {
              id: result.ranker.version.id,
              version: result.ranker.version.version,
              created: result.ranker.created,
              metrics: result.ranker.version.metrics,
            },
            promoted: result.promoted.map((v) => v.id),
          },
          null,
          2,
        ) + "\n",
      );
    } else io.stdout.write(formatTrainSummary(result) + "\n");
    return result;
  } finally {
    await db.$disconnect();
  }
}

/** Adds `train` to the CLI. */
export function addTrainCommand(program: Command, withDatabase: DatabaseRunner, dataDir: () => string): void {
  program
    .command("train")
    .description(
      "train two-tower retrieval + HNSW index, the item-to-item model and the ranker, evaluate against baselines, register the versions (re-runs reuse finished steps)",
    )
    .option("--config <file>", "JSON training config (see README: Models → training config)")
    .option("--window-days <n>", "train on the last N days before the newest event (default: the config's window.days, else the whole log)", positiveNumber)
    .option("--steps <steps>", "what to train: retrieval (two-tower + HNSW, item-to-item), ranker, or all", stepsOption, "all")
    .option(
      "--positive <types>",
      "what counts as a positive, e.g. rating | rating>=8 (0–10 scale: MovieLens 4 stars) | click,like,purchase | weight>=2 (default: the config's positives: click, like, watch, purchase, any rating)",
      positiveOption,
    )
    .option("--from <date>", "window start (ISO-8601, inclusive)", isoDate)
    .option("--to <date>", "window end (ISO-8601, exclusive; default just after the newest event)", isoDate)
    .option("--seed <n>", "seed of every trainer (overrides the config's)", seedOption)
    .option("--quick", "a first model in minutes: the last 14 days (unless the window is set), at most 3 ranker epochs, no refit on all data", false)
    .option("--promote", "promote the new versions to active (a two-tower that does not beat popularity stays a candidate)", false)
    .option("--out-dir <dir>", "where step outputs are cached (default: $CASCADE_DATA_DIR/train)")
    .option("--json", "print a JSON summary instead of the report")
    .action(async (options: TrainCommandOptions) => {
      await withDatabase((databaseUrl) => runTrainCommand(databaseUrl, dataDir(), options));
    });
}
