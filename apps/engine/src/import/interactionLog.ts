// `cascade import interactions <file>`: a generic interaction log (CSV, TSV or JSONL) mapped by
// column names (interactions.ts), with an optional items file for metadata. Items files are
// imported first (upserts); items the log names but the catalogue lacks are then created as
// placeholders (category "unknown") before their events, in the same run.
import { extname } from "node:path";
import type { ProgressReporter } from "../telemetry/progress.ts";
import { mapRecords, readCsvRecords, readJsonlRecords, type FileRecord } from "./fileRecords.ts";
import { importRows, type ImportOptions, type ImportSinks, type ImportSummary } from "./importRunner.ts";
import { createStageRunner } from "./importStages.ts";
import {
  DEFAULT_SYNTHETIC_TIME,
  interactionColumnsProblem,
  interactionToEvent,
  itemRowToItem,
  placeholderItem,
  type InteractionColumns,
  type ItemColumns,
} from "./interactions.ts";
import type { PositiveSpec } from "@cascade/core";
import { defaultPositiveFor } from "./positiveSpec.ts";

export const logFormats = ["csv", "tsv", "jsonl"] as const;
export type LogFormat = (typeof logFormats)[number];

/** `--format` wins; otherwise the extension (.csv, .tsv/.tab, .jsonl/.ndjson/.json). */
export function detectLogFormat(path: string, explicit?: LogFormat): LogFormat {
  if (explicit) return explicit;
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".tsv" || extension === ".tab") return "tsv";
  if (extension === ".jsonl" || extension === ".ndjson" || extension === ".json") return "jsonl";
  throw new Error(`cannot tell the format of ${path} from its extension; pass --format csv, tsv or jsonl`);
}

/** Records of a log or items file, CSV/TSV by header row, JSONL by field name. */
export function readLogRecords(path: string, format: LogFormat, onBytes: (bytes: number) => void): AsyncGenerator<FileRecord> {
  if (format === "jsonl") return readJsonlRecords(path, { onBytes });
  return format === "tsv" ? readCsvRecords(path, { onBytes, delimiter: "\t", quoted: false }) : readCsvRecords(path, { onBytes });
}

export type InteractionLogOptions = ImportOptions & {
  format?: LogFormat;
  columns: InteractionColumns;
  idPrefix: string;
  defaultTime?: Date;
  /** Top of the rating scale (value = rating × 10 / ratingMax); default 5. */
  ratingMax?: number;
  itemsFile?: { path: string; format?: LogFormat; columns: ItemColumns };
  progress: ProgressReporter;
};

export type InteractionLogImport = { positive: PositiveSpec; summaries: ImportSummary[] };

export async function importInteractionLog(path: string, sinks: ImportSinks, options: InteractionLogOptions): Promise<InteractionLogImport> {
  const problem = interactionColumnsProblem(options.columns);
  if (problem) throw new Error(problem);
  const format = detectLogFormat(path, options.format);
  const itemsFile = options.itemsFile;
  const itemsFormat = itemsFile ? detectLogFormat(itemsFile.path, itemsFile.format) : undefined;
  const stages = createStageRunner(options.progress);
  if (itemsFile && itemsFormat) {
    await stages.run("items", itemsFile.path, (onBytes) =>
      importRows(
        "items",
        itemsFile.path,
        mapRecords(readLogRecords(itemsFile.path, itemsFormat, onBytes), (fields) => itemRowToItem(options.idPrefix, itemsFile.columns, fields)),
        sinks,
        options,
      ),
    );
  }
  const mapping = {
    columns: options.columns,
    idPrefix: options.idPrefix,
    defaultTime: options.defaultTime ?? DEFAULT_SYNTHETIC_TIME,
    ...(options.ratingMax ? { ratingMax: options.ratingMax } : {}),
  };
  await stages.run("interactions", path, (onBytes) =>
    importRows(
      "events",
      path,
      mapRecords(readLogRecords(path, format, onBytes), (fields, line) => interactionToEvent(mapping, fields, line)),
      sinks,
      {
        ...options,
        missingItems: { placeholder: (itemId, firstSeenAt) => placeholderItem(itemId, firstSeenAt, "import") },
      },
    ),
  );
  const { columns } = options;
  const positive = defaultPositiveFor(columns.weight ? "weights" : columns.rating ? "ratings" : "events");
  return { positive, summaries: stages.summaries };
}
