// `cascade import …`: bulk loads from files, streamed, with progress and a summary.
//   cascade import items|users|follows|events <file> [--format csv|jsonl]
//   cascade import movielens <dir> [--id-prefix ml] [--likes-from 4]       (ML-100K, ML-1M, ML-latest, RecBole copies)
//   cascade import recbole <dir|file.inter> [--id-prefix P] [--event-type click] [--user-field …]
//   cascade import interactions <file> --user COL --item COL [--time COL] [--rating COL | --weight COL | --type COL] …
//   cascade import generate-movielens <dir> [--format ml-1m|ml-latest] [--users N] [--items N] [--ratings N] [--seed S]
// Re-running an import is safe: catalogue rows are upserts (unchanged rows rewrite nothing) and
// events are keyed by event id. Exit status 2 when any row was rejected, so scripts notice.
import { InvalidArgumentError, Option, type Command } from "commander";
import { pino } from "pino";
import { importFile, type FileFormat } from "../import/importFile.ts";
import { importEntities, type ImportEntity } from "../import/importEntities.ts";
import { DEFAULT_EVENT_BATCH_SIZE, DEFAULT_MAX_REPORTED_REJECTIONS, type ImportSinks, type ImportSummary } from "../import/importRunner.ts";
import { openImportSinks } from "../import/importSinks.ts";
import { importMovieLens } from "../import/movieLens.ts";
import { importInteractionLog, logFormats, type LogFormat } from "../import/interactionLog.ts";
import { parseTypeMap, timeFormats, type TimeFormat } from "../import/interactions.ts";
import { formatPositiveSpec, type PositiveSpec } from "@cascade/core";
import { findRecBoleFiles, importRecBole } from "../import/recBole.ts";
import { eventTypes, type EventType } from "@cascade/core";
import { generateSyntheticMovieLens } from "../import/syntheticMovieLens.ts";
import { isoDate, positiveNumber, type DatabaseRunner } from "./commandOptions.ts";
import { createProgressReporter, type ProgressReporter } from "../telemetry/progress.ts";

type CommonOptions = { batchSize: number; showRejections: number; json?: boolean };

type InteractionCommandOptions = {
  format?: LogFormat;
  user: string;
  item: string;
  ratingMax: number;
  time?: string;
  timeFormat: TimeFormat;
  type?: string;
  typeMap?: Map<string, EventType>;
  eventType?: EventType;
  rating?: string;
  weight?: string;
  idPrefix: string;
  defaultTime?: Date;
  itemsFile?: string;
  itemIdCol?: string;
  titleCol?: string;
  categoryCol?: string;
  genresCol?: string;
  genreSeparator: string;
};

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
    return await importFile(entity, file, open.sinks, {
      format: options.format,
      eventBatchSize: options.batchSize,
      maxReportedRejections: options.showRejections,
      progress,
    });
  } finally {
    await open.close();
  }
}

export function formatImportSummary(summary: ImportSummary): string {
  const counts = [`read ${summary.read}`, `imported ${summary.imported}`];
  if (summary.created !== undefined)
    counts.push(`(created ${summary.created}, changed ${summary.updated}, unchanged ${summary.imported - summary.created - (summary.updated ?? 0)})`);
  counts.push(`duplicate ${summary.duplicates}`, `rejected ${summary.rejected}`);
  if (summary.itemsCreated) counts.push(`items created for their events ${summary.itemsCreated}`);
  const rate = summary.seconds > 0 ? ` — ${Math.round(summary.read / summary.seconds)} rows/s` : "";
  const lines = [`${summary.entity} from ${summary.source}: ${counts.join(", ")} in ${summary.seconds.toFixed(1)} s${rate}`];
  for (const rejection of summary.rejections) lines.push(`  line ${rejection.line}: ${rejection.field}: ${rejection.reason}`);
  if (summary.rejected > summary.rejections.length) lines.push(`  … and ${summary.rejected - summary.rejections.length} more rejected rows`);
  return lines.join("\n") + "\n";
}

function exitTwoOnRejections(summaries: ImportSummary[]): void {
  if (summaries.some((summary) => summary.rejected > 0)) process.exitCode = 2;
}

function printSummaries(summaries: ImportSummary[], json: boolean | undefined): void {
  process.stdout.write(json ? JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2) + "\n" : summaries.map(formatImportSummary).join(""));
  exitTwoOnRejections(summaries);
}

/** Multi-file imports: what was read, what counts as a positive by default, then the summaries. */
function printDataSetImport(heading: string, positive: PositiveSpec, summaries: ImportSummary[], json: boolean | undefined): void {
  process.stdout.write(
    json
      ? JSON.stringify({ layout: heading, positive, summaries }, null, 2) + "\n"
      : `${heading}\npositive by default: ${formatPositiveSpec(positive)}\n${summaries.map(formatImportSummary).join("")}`,
  );
  exitTwoOnRejections(summaries);
}

const ID_PREFIX = /^[A-Za-z0-9._:@-]{0,64}$/;

function idPrefix(value: string): string {
  // Ids must satisfy the API's entityId contract; a bad prefix would reject every row.
  if (!ID_PREFIX.test(value)) throw new InvalidArgumentError("may contain only letters, digits and . _ : @ - (at most 64)");
  return value;
}

async function withImportSinks<T>(withDatabase: DatabaseRunner, work: (sinks: ImportSinks) => Promise<T>): Promise<T> {
  return withDatabase(async (databaseUrl) => {
    const open = await openImportSinks(databaseUrl, pino({ level: "warn" }, pino.destination(2)));
    try {
      return await work(open.sinks);
    } finally {
      await open.close();
    }
  });
}

function typeMap(value: string): Map<string, EventType> {
  try {
    return parseTypeMap(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const eventTypeOption = (description: string) => new Option("--event-type <type>", description).choices(eventTypes);

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
      .description(
        "import MovieLens ratings, movies and users: ML-100K (u.data/u.item/u.user), ML-1M (ratings.dat/movies.dat/users.dat), ML-latest (ratings.csv/movies.csv) or RecBole atomic files",
      )
      .option("--id-prefix <prefix>", 'prefix of item and user ids (ml → ml-movie-1, ml-user-1; "" keeps the numeric ids)', idPrefix, "ml")
      .option("--likes-from <stars>", "also write a like event for each rating of at least this many stars", Number),
  ).action(async (dir: string, options: CommonOptions & { idPrefix: string; likesFrom?: number }) => {
    if (options.likesFrom !== undefined && !Number.isFinite(options.likesFrom)) throw new InvalidArgumentError("--likes-from must be a number");
    const result = await withImportSinks(withDatabase, (sinks) =>
      importMovieLens(dir, sinks, {
        mapping: { idPrefix: options.idPrefix, likesFrom: options.likesFrom },
        eventBatchSize: options.batchSize,
        maxReportedRejections: options.showRejections,
        progress: createProgressReporter(),
      }),
    );
    printDataSetImport(`MovieLens layout: ${result.layout.format}`, result.positive, result.summaries, options.json);
  });

  withCommonOptions(
    command
      .command("recbole <path>")
      .description("import RecBole atomic files: <name>.inter (+ <name>.item, <name>.user) in a directory, or one .inter file")
      .option("--id-prefix <prefix>", 'prefix of ids (P → P-item-<id>, P-user-<id>; default: the data set name; "" keeps the ids)', idPrefix)
      .addOption(eventTypeOption("event type of interactions without a rating field (default click)"))
      .option("--user-field <name>", "user field of the .inter file", "user_id")
      .option("--item-field <name>", "item field of the .inter file", "item_id")
      .option("--rating-field <name>", "rating field → rating events (default: rating, when present)")
      .option("--weight-field <name>", "weight field (e.g. play counts) → context.weight")
      .option("--time-field <name>", "time field, unix seconds (default: timestamp, when present)")
      .option("--default-time <iso>", "time of the first row when there is no time field (one second per line after it)", isoDate)
      .option("--rating-max <n>", "top of the file's rating scale; ratings are stored on the API's 0–10 scale (value = rating × 10 / n)", positiveNumber, 5),
  ).action(
    async (
      path: string,
      options: CommonOptions & {
        idPrefix?: string;
        eventType?: EventType;
        userField: string;
        itemField: string;
        ratingField?: string;
        weightField?: string;
        timeField?: string;
        defaultTime?: Date;
        ratingMax: number;
      },
    ) => {
      const result = await withImportSinks(withDatabase, async (sinks) => {
        const prefix = options.idPrefix ?? (await findRecBoleFiles(path)).name;
        if (!ID_PREFIX.test(prefix)) throw new InvalidArgumentError(`the data set name "${prefix}" cannot prefix ids: pass --id-prefix`);
        return importRecBole(path, sinks, {
          idPrefix: prefix,
          eventType: options.eventType,
          fields: { user: options.userField, item: options.itemField, rating: options.ratingField, weight: options.weightField, time: options.timeField },
          defaultTime: options.defaultTime,
          ratingMax: options.ratingMax,
          eventBatchSize: options.batchSize,
          maxReportedRejections: options.showRejections,
          progress: createProgressReporter(),
        });
      });
      printDataSetImport(`RecBole data set: ${result.files.name}`, result.positive, result.summaries, options.json);
    },
  );

  withCommonOptions(
    command
      .command("interactions <file>")
      .description("import an interaction log (CSV, TSV or JSONL) by column names; items it names are created when missing")
      .addOption(new Option("--format <format>", "file format (default: from the extension)").choices(logFormats))
      .requiredOption("--user <column>", "user id column")
      .requiredOption("--item <column>", "item id column")
      .option("--time <column>", "time column (without one: --default-time + one second per line)")
      .addOption(
        new Option("--time-format <format>", "how the time column is written (auto: numbers are unix seconds, else ISO-8601)")
          .choices(timeFormats)
          .default("auto"),
      )
      .option("--type <column>", "event type column (click, like, watch, purchase, rating…)")
      .option("--type-map <pairs>", "rename the log's event types, e.g. view=click,addtocart=like,transaction=purchase", typeMap)
      .addOption(eventTypeOption("event type of every row (default: rating with --rating, else click)"))
      .option("--rating <column>", "rating column → value of rating events")
      .option("--rating-max <n>", "top of the log's rating scale; ratings are stored on the API's 0–10 scale (value = rating × 10 / n)", positiveNumber, 5)
      .option("--weight <column>", "weight column (e.g. play counts) → context.weight; also the value of watch/purchase events")
      .option("--id-prefix <prefix>", 'prefix of ids (P → P-user-<id>, P-item-<id>; "" keeps the ids)', idPrefix, "")
      .option("--default-time <iso>", "time of the first line when there is no time column", isoDate)
      .option("--items-file <file>", "item metadata (CSV, TSV or JSONL), imported first")
      .option("--item-id-col <column>", "item id column of the items file (default: --item)")
      .option("--title-col <column>", "title column of the items file")
      .option("--category-col <column>", "category column of the items file (default: the first genre)")
      .option("--genres-col <column>", "genres column of the items file → tags")
      .option("--genre-separator <text>", "between genres in the genres column", "|"),
  ).action(async (file: string, options: CommonOptions & InteractionCommandOptions) => {
    if (options.type && options.eventType) throw new InvalidArgumentError("pass either --type (a column) or --event-type (one type for all rows), not both");
    const result = await withImportSinks(withDatabase, (sinks) =>
      importInteractionLog(file, sinks, {
        format: options.format,
        columns: {
          user: options.user,
          item: options.item,
          time: options.time,
          timeFormat: options.timeFormat,
          type: options.type,
          typeMap: options.typeMap,
          eventType: options.eventType,
          rating: options.rating,
          weight: options.weight,
        },
        idPrefix: options.idPrefix,
        defaultTime: options.defaultTime,
        ratingMax: options.ratingMax,
        itemsFile: options.itemsFile
          ? {
              path: options.itemsFile,
              columns: {
                id: options.itemIdCol ?? options.item,
                title: options.titleCol,
                category: options.categoryCol,
                genres: options.genresCol,
                genreSeparator: options.genreSeparator,
              },
            }
          : undefined,
        eventBatchSize: options.batchSize,
        maxReportedRejections: options.showRejections,
        progress: createProgressReporter(),
      }),
    );
    printDataSetImport(`interaction log: ${file}`, result.positive, result.summaries, options.json);
  });

  command
    .command("generate-movielens <dir>")
    .description("write SYNTHETIC MovieLens-format files (latent-factor model, power-law popularity) for testing; not real data")
    .addOption(new Option("--format <format>", "file layout").choices(["ml-1m", "ml-latest"]).default("ml-1m"))
    .option("--users <n>", "users", positiveInteger, 6_040)
    .option("--items <n>", "movies", positiveInteger, 3_706)
    .option("--ratings <n>", "ratings (approximately)", positiveInteger, 1_000_000)
    .option("--seed <n>", "random seed (same seed, same files)", nonNegativeInteger, 42)
    .action(async (dir: string, options: { format: "ml-1m" | "ml-latest"; users: number; items: number; ratings: number; seed: number }) => {
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
