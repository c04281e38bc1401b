// Streaming readers for import files: CSV (csv-parse), JSON Lines and `::`-separated lines
// (MovieLens 1M). Each yields one record at a time with the 1-based line number it started on, so
// a bad row can be reported by line; the file is never held in memory. Bytes read are reported as
// they are consumed, which drives the progress bar's ETA (row counts are unknown up front).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { Transform } from "node:stream";
import { parse } from "csv-parse";

/** One record of a file: its fields, or why the line could not be read as a record at all. */
export type RowProblem = { field: string; reason: string };
export type FileRecord = { line: number; fields: Record<string, unknown> } | { line: number; problem: RowProblem };

/**
 * Records of a file → the rows they stand for: `map` gives zero or more rows per record (all on
 * the record's line), or the record's problem. Problems read from the file pass through.
 */
export async function* mapRecords(
  records: AsyncIterable<FileRecord>,
  map: (fields: Record<string, unknown>, line: number) => Record<string, unknown>[] | RowProblem,
): AsyncGenerator<FileRecord> {
  for await (const record of records) {
    if ("problem" in record) {
      yield record;
      continue;
    }
    const mapped = map(record.fields, record.line);
    if (Array.isArray(mapped)) for (const fields of mapped) yield { line: record.line, fields };
    else yield { line: record.line, problem: mapped };
  }
}

export type ReadOptions = {
  /** Called with the size of each chunk read from disk. */
  onBytes?: (bytes: number) => void;
  /** Text encoding of the file (MovieLens 1M is ISO-8859-1). */
  encoding?: BufferEncoding;
};

function openCounted(path: string, options: ReadOptions) {
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      options.onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
  file.on("error", (error) => counter.destroy(error));
  return file.pipe(counter);
}

/**
 * CSV with a header row naming the columns. Quoted fields may contain the delimiter, quotes ("")
 * and line breaks. A row with the wrong number of cells is reported and skipped; the rest go on.
 */
export async function* readCsvRecords(path: string, options: ReadOptions & { delimiter?: string; quoted?: boolean } = {}): AsyncGenerator<FileRecord> {
  const skipped: FileRecord[] = [];
  const parser = parse({
    columns: true,
    bom: true,
    info: true,
    delimiter: options.delimiter ?? ",",
    // Tab-separated logs often hold bare quotes in names (no quoting convention): `quoted: false`.
    quote: options.quoted === false ? false : '"',
    skip_empty_lines: true,
    skip_records_with_error: true,
    encoding: options.encoding ?? "utf8",
    on_skip: (error) => {
      const line = (error as { lines?: number } | undefined)?.lines ?? 0;
      skipped.push({ line, problem: { field: "row", reason: error?.message ?? "unreadable CSV row" } });
    },
  });
  const source = openCounted(path, options);
  source.on("error", (error) => parser.destroy(error));
  source.pipe(parser);
  for await (const entry of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; raw?: string } }>) {
    while (skipped.length > 0) yield skipped.shift()!;
    // info.lines is the line the record ends on; a record with quoted line breaks starts earlier.
    yield { line: entry.info.lines - countLineBreaks(entry.record), fields: entry.record };
  }
  while (skipped.length > 0) yield skipped.shift()!;
}

function countLineBreaks(record: Record<string, string>): number {
  let breaks = 0;
  for (const value of Object.values(record)) {
    for (let at = value.indexOf("\n"); at !== -1; at = value.indexOf("\n", at + 1)) breaks += 1;
  }
  return breaks;
}

/** Every non-blank line, with its 1-based number. */
export async function* readLines(path: string, options: ReadOptions = {}): AsyncGenerator<{ line: number; text: string }> {
  const source = openCounted(path, options);
  source.setEncoding(options.encoding ?? "utf8");
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() !== "") yield { line, text: line === 1 ? text.replace(/^\uFEFF/, "") : text };
  }
}

/** JSON Lines: one JSON object per line; blank lines are skipped, anything else is a row problem. */
export async function* readJsonlRecords(path: string, options: ReadOptions = {}): AsyncGenerator<FileRecord> {
  for await (const { line, text } of readLines(path, options)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, problem: { field: "row", reason: `not valid JSON: ${(error as Error).message}` } };
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      yield { line, problem: { field: "row", reason: "must be a JSON object" } };
    } else {
      yield { line, fields: value as Record<string, unknown> };
    }
  }
}

/**
 * Lines of fields separated by `separator` (MovieLens 1M's `::`), named by `columns`. The last
 * column takes the rest of the line, and a line with too few fields is a row problem.
 */
export async function* readSeparatedRecords(
  path: string,
  separator: string,
  columns: readonly string[],
  options: ReadOptions = {},
): AsyncGenerator<FileRecord> {
  for await (const { line, text } of readLines(path, options)) {
    const parts = text.split(separator);
    if (parts.length < columns.length) {
      yield { line, problem: { field: "row", reason: `expected ${columns.length} fields separated by "${separator}", found ${parts.length}` } };
      continue;
    }
    const fields: Record<string, unknown> = {};
    columns.forEach((column, index) => {
      fields[column] = index === columns.length - 1 ? parts.slice(index).join(separator) : parts[index];
    });
    yield { line, fields };
  }
}
