// `cascade training-set --from <date> --to <date> --out <file> [--format csv|jsonl|parquet]`:
// writes a point-in-time-correct training set (training/dataset/trainingSet.ts) with a progress bar on stderr
// and a JSON summary on stdout.
import { Option, type Command } from "commander";
import { createPrismaClient } from "@cascade/db";
import { buildTrainingSet, DEFAULT_LABEL_WINDOW_MS, type TrainingSetSummary } from "../training/dataset/trainingSet.ts";
import { tableFormats, type TableFormat } from "../training/dataset/tableWriters.ts";
import { isoDate, positiveNumber, type DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "../telemetry/progress.ts";

export type TrainingSetCommandOptions = {
  from: Date;
  to: Date;
  out: string;
  format?: TableFormat;
  labelWindow: number;
  warmupFrom?: Date;
};

/** csv unless given, or implied by the file's extension (.parquet, .jsonl). */
export function trainingSetFormat(out: string, format: TableFormat | undefined): TableFormat {
  if (format) return format;
  if (out.endsWith(".parquet")) return "parquet";
  if (out.endsWith(".jsonl") || out.endsWith(".ndjson")) return "jsonl";
  return "csv";
}

export async function runTrainingSetCommand(
  databaseUrl: string,
  options: TrainingSetCommandOptions,
  io: { stdout: NodeJS.WritableStream; progress: ProgressReporter } = { stdout: process.stdout, progress: createProgressReporter() },
): Promise<TrainingSetSummary> {
  const db = createPrismaClient(databaseUrl);
  try {
    const summary = await buildTrainingSet(db, {
      from: options.from,
      to: options.to,
      out: options.out,
      format: trainingSetFormat(options.out, options.format),
      labelWindowMs: options.labelWindow * 60_000,
      ...(options.warmupFrom ? { warmupFrom: options.warmupFrom } : {}),
      progress: io.progress,
    });
    io.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    return summary;
  } finally {
    await db.$disconnect();
  }
}

/** Adds `training-set` to the CLI; `withDatabase` runs the action against the resolved database. */
export function addTrainingSetCommand(program: Command, withDatabase: DatabaseRunner): void {
  program
    .command("training-set")
    .description("build a point-in-time-correct training set: one row per impression, features as of its time, labels within the window after it")
    .requiredOption("--from <date>", "first impression time (inclusive, ISO-8601)", isoDate)
    .requiredOption("--to <date>", "last impression time (exclusive, ISO-8601)", isoDate)
    .requiredOption("--out <file>", "output file")
    .addOption(new Option("--format <format>", "file format (default: from the extension, else csv)").choices(tableFormats))
    .option("--label-window <minutes>", "how long after an impression a click/like/watch still counts", positiveNumber, DEFAULT_LABEL_WINDOW_MS / 60_000)
    .option("--warmup-from <date>", "start replaying events here instead of at the first event (faster, approximate for long windows)", isoDate)
    .action(async (options: TrainingSetCommandOptions) => {
      await withDatabase((databaseUrl) => runTrainingSetCommand(databaseUrl, options));
    });
}
