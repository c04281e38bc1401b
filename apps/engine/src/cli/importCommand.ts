// `cascade import …`: bulk loads from files, streamed, with progress and a summary.
//   cascade import items|users|follows|events <file> [--format csv|jsonl]
//   cascade import movielens <dir> [--id-prefix ml] [--likes-from 4]
//   cascade import generate-movielens <dir> [--format ml-1m|ml-latest] [--users N] [--items N] [--ratings N] [--seed S]
// Re-running an import is safe: catalogue rows are upserts (unchanged rows rewrite nothing) and
// events are keyed by event id. Exit status 2 when any row was rejected, so scripts notice.
import { InvalidArgumentError, Option, type Command } from "commander";
import { pino } from "pino";
import { importFile, type FileFormat } from "../import/importFile.ts";
import { importEntities, type ImportEntity } from "../import/importEntities.ts";
import { DEFAULT_EVENT_BATCH_SIZE, DEFAULT_MAX_REPORTED_REJECTIONS, type ImportSummary } from "../import/importRunner.ts";
import { openImportSinks } from "../import/importSinks.ts";
import { importMovieLens, type MovieLensFormat } from "../import/movieLens.ts";
import { generateSyntheticMovieLens } from "../import/syntheticMovieLens.ts";
import type { DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "./progress.ts";

type CommonOptions = { batchSize: number; showRejections: number; json?: boolean };

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("must be a positive integer");
  return parsed;
}

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return parsed;
}

function withCommonOptions(command: Command): Command {
  return command
    .option("--batch-size <n>", "events per event-log statement", positiveInteger, DEFAULT_EVENT_BATCH_SIZE)
    .option("--show-rejections <n>", "rejected rows listed (all are counted)", nonNegativeInteger, DEFAULT_MAX_REPORTED_REJECTIONS)
    .option("--json", "print the summary as JSON");
}

export async function runFileImport(
  databaseUrl: string,
  entity: ImportEntity,
  file: string,
  options: CommonOptions & { format?: FileFormat },
  progress: ProgressReporter = createProgressReporter(),
): Promise<ImportSummary> {
  const open = await openImportSinks(databaseUrl, pino({ level: "warn" }, pino.destination(2)));
  try {
    return await importFile(entity, file, open.sinks, { format: options.format, eventBatchSize: options.batchSize, maxReportedRejections: options.showRejections, progress });
  } finally {
    await open.close();
  }
}

export function formatImportSummary(summary: ImportSummary): string {
  const counts = [`read ${summary.read}`, `imported ${summary.imported}`];
  if (summary.created !== undefined) counts.push(`(created ${summary.created}, changed ${summary.updated}, unchanged ${summary.imported - summary.created - (summary.updated ?? 0)})`);
  counts.push(`duplicate ${summary.duplicates}`, `rejected ${summary.rejected}`);
  const rate = summary.seconds > 0 ? ` — ${Math.round(summary.read / summary.seconds)} rows/s` : "";
  const lines = [`${summary.entity} from ${summary.source}: ${counts.join(", ")} in ${summary.seconds.toFixed(1)} s${rate}`];
  for (const rejection of summary.rejections) lines.push(`  line ${rejection.line}: ${rejection.field}: ${rejection.reason}`);
  if (summary.rejected > summary.rejections.length) lines.push(`  … and ${summary.rejected - summary.rejections.length} more rejected rows`);
  return lines.join("\n") + "\n";
}

function printSummaries(summaries: ImportSummary[], json: boolean | undefined): void {
  process.stdout.write(json ? JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2) + "\n" : summaries.map(formatImportSummary).join(""));
  if (summaries.some((summary) => summary.rejected > 0)) process.exitCode = 2;
}

/** Adds `import` and its subcommands to the CLI; `withDatabase` runs work against the resolved database. */
export function addImportCommand(program: Command, withDatabase: DatabaseRunner): void {
  const command = program.command("import").description("bulk-load items, users, follows and events from CSV, JSONL or MovieLens files");

  for (const entity of importEntities) {
    withCommonOptions(
      command
        .command(`${entity} <file>`)
        .description(`import ${entity} from a CSV (header row) or JSONL file; columns/fields as in the API`)
        .addOption(new Option("--format <format>", "file format (default: from the extension)").choices(["csv", "jsonl"])),
    ).action(async (file: string, options: CommonOptions & { format?: FileFormat }) => {
      const summary = await withDatabase((databaseUrl) => runFileImport(databaseUrl, entity, file, options));
      printSummaries([summary], options.json);
    });
  }

  withCommonOptions(
    command
      .command("movielens <dir>")
      .description("import MovieLens ratings and movies (ML-1M ratings.dat/movies.dat/users.dat or ML-latest ratings.csv/movies.csv)")
      .option("--id-prefix <prefix>", 'prefix of item and user ids (ml → ml-movie-1, ml-user-1; "" keeps the numeric ids)', "ml")
      .option("--likes-from <stars>", "also write a like event for each rating of at least this many stars", Number),
  ).action(async (dir: string, options: CommonOptions & { idPrefix: string; likesFrom?: number }) => {
    if (options.likesFrom !== undefined && !Number.isFinite(options.likesFrom)) throw new InvalidArgumentError("--likes-from must be a number");
    // Ids must satisfy the API's entityId contract; a bad prefix would reject every row.
    if (!/^[A-Za-z0-9._:@-]{0,64}$/.test(options.idPrefix)) throw new InvalidArgumentError("--id-prefix may contain only letters, digits and . _ : @ - (at most 64)");
    const result = await withDatabase(async (databaseUrl) => {
      const open = await openImportSinks(databaseUrl, pino({ level: "warn" }, pino.destination(2)));
      try {
        return await importMovieLens(dir, open.sinks, {
          mapping: { idPrefix: options.idPrefix, likesFrom: options.likesFrom },
          eventBatchSize: options.batchSize,
          maxReportedRejections: options.showRejections,
          progress: createProgressReporter(),
        });
      } finally {
        await open.close();
      }
    });
    if (!options.json) process.stdout.write(`MovieLens layout: ${result.layout.format}\n`);
    printSummaries(result.summaries, options.json);
  });

  command
    .command("generate-movielens <dir>")
    .description("write SYNTHETIC MovieLens-format files (latent-factor model, power-law popularity) for testing; not real data")
    .addOption(new Option("--format <format>", "file layout").choices(["ml-1m", "ml-latest"]).default("ml-1m"))
    .option("--users <n>", "users", positiveInteger, 6_040)
    .option("--items <n>", "movies", positiveInteger, 3_706)
    .option("--ratings <n>", "ratings (approximately)", positiveInteger, 1_000_000)
    .option("--seed <n>", "random seed (same seed, same files)", nonNegativeInteger, 42)
    .action(async (dir: string, options: { format: MovieLensFormat; users: number; items: number; ratings: number; seed: number }) => {
      const progress = createProgressReporter();
      progress.start("generate ratings", options.ratings);
      let reported = 0;
      const result = await generateSyntheticMovieLens({
        dir,
        ...options,
        onRatings: (written) => {
          progress.increment(written - reported);
          reported = written;
        },
      }).finally(() => progress.stop());
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
