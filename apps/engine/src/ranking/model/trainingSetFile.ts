// Reads a training-set file written by `cascade training-set` (CSV, JSON Lines or Parquet) into
// RankingExamples. Rows stream into typed columns one at a time (CSV, JSON Lines) or one Parquet
// row group at a time, so memory is the columns, not an object per row.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { TableFormat } from "../../jobs/tableWriters.ts";
import { RankingExamplesBuilder, resolveFeatureNames, type RankingExamples, type TrainingSetRecord } from "./rankingExamples.ts";

/** The format a path implies: .parquet, .jsonl/.ndjson, else CSV (as `cascade training-set` names them). */
export function tableFormatOfPath(path: string): TableFormat {
  if (path.endsWith(".parquet")) return "parquet";
  if (path.endsWith(".jsonl") || path.endsWith(".ndjson")) return "jsonl";
  return "csv";
}

export type ReadTrainingSetOptions = {
  format?: TableFormat;
  /** Feature columns to read, in this order (default: every feature column of the file). */
  featureNames?: readonly string[];
  /** Called every few thousand rows with the rows read so far. */
  onRows?: (rows: number) => void;
};

export async function readTrainingSetFile(path: string, options: ReadTrainingSetOptions = {}): Promise<RankingExamples> {
  const format = options.format ?? tableFormatOfPath(path);
  const records = format === "csv" ? csvRecords(path) : format === "jsonl" ? jsonLinesRecords(path) : parquetRecords(path);
  let builder: RankingExamplesBuilder | null = null;
  let rows = 0;
  for await (const record of records) {
    builder ??= new RankingExamplesBuilder(resolveFeatureNames(Object.keys(record), options.featureNames));
    builder.add(record);
    rows += 1;
    if (rows % 10_000 === 0) options.onRows?.(rows);
  }
  if (!builder) throw new Error(`training set ${path} has no rows`);
  options.onRows?.(rows);
  return builder.finish();
}

async function* csvRecords(path: string): AsyncGenerator<TrainingSetRecord> {
  // Cells stay strings: empty means null (how the CSV writer writes nulls), numbers parse later.
  yield* createReadStream(path).pipe(parse({ columns: true, skip_empty_lines: true })) as AsyncIterable<TrainingSetRecord>;
}

async function* jsonLinesRecords(path: string): AsyncGenerator<TrainingSetRecord> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === "") continue;
    try {
      yield JSON.parse(line) as TrainingSetRecord;
    } catch (error) {
      throw new Error(`${path}:${number}: not a JSON object (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
  }
}

async function* parquetRecords(path: string): AsyncGenerator<TrainingSetRecord> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd });
    yield* rows;
    rowStart = rowEnd;
  }
}
