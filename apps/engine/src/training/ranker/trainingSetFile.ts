// Reads a training-set file written by `cascade training-set` (CSV, JSON Lines or Parquet) into
// RankingExamples. Rows stream into typed columns one at a time (CSV, JSON Lines) or one Parquet
// row group at a time, so memory is the columns, not an object per row.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from "hyparquet";
import type { TableFormat } from "../dataset/tableWriters.ts";
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
  if (format === "parquet") return readParquetTrainingSet(path, options);
  const records = format === "csv" ? csvRecords(path) : jsonLinesRecords(path);
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

/**
 * Parquet, column-wise: each row group's columns are decoded into arrays and appended without an
 * object per row (reading the demo's 800k-row set as objects spent most of its time building and
 * collecting them). Only the feature columns used and the metadata/label columns are decoded.
 */
async function readParquetTrainingSet(path: string, options: ReadTrainingSetOptions): Promise<RankingExamples> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const fileColumns = parquetSchema(metadata).children.map((child) => child.element.name);
  const featureNames = resolveFeatureNames(fileColumns, options.featureNames);
  const wanted = new Set([...featureNames, ...RECORD_COLUMNS]);
  const columns = fileColumns.filter((name) => wanted.has(name));
  const builder = new RankingExamplesBuilder(featureNames);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const data = await readRowGroupColumns(file, metadata, columns, rowStart, rowEnd);
    builder.addColumns(data, rowEnd - rowStart);
    rowStart = rowEnd;
    options.onRows?.(rowStart);
  }
  if (rowStart === 0) throw new Error(`training set ${path} has no rows`);
  return builder.finish();
}

/** The metadata and label columns the examples keep (the rest of the non-feature columns are not read). */
const RECORD_COLUMNS = ["request_id", "user_id", "item_id", "impression_at", "position", "propensity", "label_click", "label_like", "watch_seconds"];

/** Rows [rowStart, rowEnd) of `columns`, as one array per column indexed from rowStart. */
async function readRowGroupColumns(
  file: AsyncBuffer,
  metadata: FileMetaData,
  columns: readonly string[],
  rowStart: number,
  rowEnd: number,
): Promise<Map<string, unknown[]>> {
  const data = new Map<string, unknown[]>(columns.map((name) => [name, new Array<unknown>(rowEnd - rowStart)]));
  await parquetRead({
    file,
    metadata,
    columns: [...columns],
    rowStart,
    rowEnd,
    onChunk: (chunk) => {
      const target = data.get(chunk.columnName);
      if (!target) return;
      // A chunk may reach outside the requested rows; copy only the overlap.
      const from = Math.max(chunk.rowStart, rowStart);
      const to = Math.min(chunk.rowEnd, rowEnd);
      for (let row = from; row < to; row += 1) target[row - rowStart] = chunk.columnData[row - chunk.rowStart];
    },
  });
  return data;
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
