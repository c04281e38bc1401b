// `cascade import items|users|follows|events <file>`: one CSV or JSONL file into the database,
// streamed, with progress by bytes read (row counts are not known up front).
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import type { ProgressReporter } from "../telemetry/progress.ts";
import { csvRowToApiRow } from "./csvRowShapes.ts";
import { readCsvRecords, readJsonlRecords, type FileRecord } from "./fileRecords.ts";
import type { ImportEntity } from "./importEntities.ts";
import { importRows, type ImportOptions, type ImportSinks, type ImportSummary } from "./importRunner.ts";

export type FileFormat = "csv" | "jsonl";

/** `--format` wins; otherwise the extension (.csv, .tsv → CSV; .jsonl, .ndjson, .json → JSONL). */
export function detectFileFormat(path: string, explicit?: FileFormat): FileFormat {
  if (explicit) return explicit;
  const extension = extname(path).toLowerCase();
  if (extension === ".csv" || extension === ".tsv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson" || extension === ".json") return "jsonl";
  throw new Error(`cannot tell the format of ${path} from its extension; pass --format csv or --format jsonl`);
}

export async function importFile(
  entity: ImportEntity,
  path: string,
  sinks: ImportSinks,
  options: ImportOptions & { format?: FileFormat; progress: ProgressReporter },
): Promise<ImportSummary> {
  const format = detectFileFormat(path, options.format);
  const { size } = await stat(path);
  const onBytes = (bytes: number) => options.progress.increment(bytes);
  options.progress.start(`import ${entity} (bytes)`, size);
  try {
    const records = format === "csv" ? csvApiRows(entity, path, onBytes) : readJsonlRecords(path, { onBytes });
    return await importRows(entity, path, records, sinks, options);
  } finally {
    options.progress.stop();
  }
}

async function* csvApiRows(entity: ImportEntity, path: string, onBytes: (bytes: number) => void): AsyncGenerator<FileRecord> {
  const delimiter = extname(path).toLowerCase() === ".tsv" ? "\t" : ",";
  for await (const record of readCsvRecords(path, { onBytes, delimiter })) {
    yield "problem" in record ? record : { line: record.line, fields: csvRowToApiRow(entity, record.fields) };
  }
}
