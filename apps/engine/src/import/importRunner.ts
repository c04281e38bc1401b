// The import loop shared by every source (CSV, JSONL, MovieLens): rows in, judged one by one by
// the API's contract, written in batches, a summary out. Bad rows are counted and the first few
// reported with their line and field; they never stop the good rows.
//
// Catalogue rows (items, users, follows) go through the API's upsert handlers in batches of up to
// 1000; within a batch, a later row for the same id replaces the earlier one (as two PUTs in file
// order would), and the earlier one counts as a duplicate. Events go to the event log in larger
// batches, one batch written while the next is read (PostgreSQL and the parser then use both
// cores).
import { MAX_BATCH } from "@cascade/core";
import { issuesFromZod } from "../ingest/inputErrors.ts";
import { findUnstorableStrings, timestampProblem } from "../postgres/storableValues.ts";
import type { CatalogWriter } from "./catalogWriter.ts";
import type { EventLogWriter, MissingItemPolicy } from "./eventLogWriter.ts";
import type { FileRecord } from "./fileRecords.ts";
import { catalogRowContracts, catalogRowKey, type CatalogEntity, type ImportEntity } from "./importEntities.ts";

export type RowRejection = { line: number; field: string; reason: string };

export type ImportSummary = {
  entity: ImportEntity;
  source: string;
  /** Rows read from the file (blank lines not counted). */
  read: number;
  /** Rows written: events newly stored in the event log; catalogue rows upserted. */
  imported: number;
  /** Catalogue rows only: new ids, and existing ones whose stored fields changed. */
  created?: number;
  updated?: number;
  /** Events only, with `missingItems`: items created because an event named them. */
  itemsCreated?: number;
  /** Events already in the event log or repeated in the file; catalogue rows replaced by a later row of the same id in the same batch. */
  duplicates: number;
  rejected: number;
  /** The first `maxReportedRejections` rejections, in file order. */
  rejections: RowRejection[];
  seconds: number;
};

export type ImportSinks = { catalog?: CatalogWriter; events?: EventLogWriter };

export type ImportOptions = {
  /** Events per event-log statement (catalogue batches are always ≤ 1000, the API's limit). */
  eventBatchSize?: number;
  maxReportedRejections?: number;
  /** Events only: create the items they name that the catalogue lacks (default: reject such events). */
  missingItems?: MissingItemPolicy;
};

export const DEFAULT_EVENT_BATCH_SIZE = 5_000;
export const DEFAULT_MAX_REPORTED_REJECTIONS = 20;

export async function importRows(
  entity: ImportEntity,
  source: string,
  records: AsyncIterable<FileRecord>,
  sinks: ImportSinks,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const startedAt = performance.now();
  const maxReported = options.maxReportedRejections ?? DEFAULT_MAX_REPORTED_REJECTIONS;
  const summary: ImportSummary = { entity, source, read: 0, imported: 0, duplicates: 0, rejected: 0, rejections: [], seconds: 0 };
  if (entity !== "events") Object.assign(summary, { created: 0, updated: 0 });
  else if (options.missingItems) summary.itemsCreated = 0;
  const reject = (line: number, field: string, reason: string) => {
    summary.rejected += 1;
    if (summary.rejections.length < maxReported) summary.rejections.push({ line, field, reason });
  };

  const batchLimit = entity === "events" ? (options.eventBatchSize ?? DEFAULT_EVENT_BATCH_SIZE) : MAX_BATCH;
  let rows: unknown[] = [];
  let lines: number[] = [];
  const positionByKey = new Map<string, number>();
  let inflight: Promise<void> = Promise.resolve();
  let failure: unknown = null;

  const writeBatch = async (batchRows: unknown[], batchLines: number[]) => {
    if (entity === "events") {
      if (!sinks.events) throw new Error("no event writer");
      const result = await sinks.events.write(batchRows, options.missingItems);
      summary.imported += result.inserted;
      if (summary.itemsCreated !== undefined) summary.itemsCreated += result.itemsCreated ?? 0;
      summary.duplicates += result.duplicates;
      for (const problem of result.rejected) reject(batchLines[problem.index]!, problem.field, problem.reason);
    } else {
      if (!sinks.catalog) throw new Error("no catalogue writer");
      const result = await sinks.catalog.write(entity, batchRows);
      summary.imported += batchRows.length - result.rejected.length;
      summary.created = (summary.created ?? 0) + result.created;
      summary.updated = (summary.updated ?? 0) + result.updated;
      for (const problem of result.rejected) reject(batchLines[problem.index]!, problem.field, problem.reason);
    }
  };
  const flush = async () => {
    if (rows.length === 0) return;
    const batchRows = rows;
    const batchLines = lines;
    rows = [];
    lines = [];
    positionByKey.clear();
    // One batch in flight: wait for the previous, start this one, go back to reading.
    await inflight;
    if (failure) throw failure;
    inflight = writeBatch(batchRows, batchLines).catch((error: unknown) => {
      failure = error;
    });
  };

  for await (const record of records) {
    summary.read += 1;
    if ("problem" in record) {
      reject(record.line, record.problem.field, record.problem.reason);
      continue;
    }
    if (entity === "events") {
      rows.push(record.fields);
      lines.push(record.line);
    } else {
      const problem = catalogRowProblem(entity, record.fields);
      if (problem) {
        reject(record.line, problem.field, problem.reason);
        continue;
      }
      const key = catalogRowKey(entity, record.fields);
      const earlier = positionByKey.get(key);
      if (earlier !== undefined) {
        rows[earlier] = record.fields;
        lines[earlier] = record.line;
        summary.duplicates += 1;
      } else {
        positionByKey.set(key, rows.length);
        rows.push(record.fields);
        lines.push(record.line);
      }
    }
    if (rows.length >= batchLimit) await flush();
  }
  await flush();
  await inflight;
  if (failure) throw failure;
  summary.rejections.sort((a, b) => a.line - b.line);
  summary.seconds = (performance.now() - startedAt) / 1_000;
  return summary;
}

/** The row's first problem under the API's contract (the handler would refuse the whole batch for it). */
export function catalogRowProblem(entity: CatalogEntity, row: Record<string, unknown>): { field: string; reason: string } | null {
  const parsed = catalogRowContracts[entity].safeParse(row);
  if (!parsed.success) {
    const issue = issuesFromZod(parsed.error)[0]!;
    return { field: issue.path === "body" ? "row" : issue.path, reason: issue.message };
  }
  const unstorable = findUnstorableStrings(parsed.data)[0];
  if (unstorable) return { field: unstorable.path, reason: unstorable.message };
  const timestamp = "publishedAt" in parsed.data ? parsed.data.publishedAt : "at" in parsed.data ? parsed.data.at : undefined;
  const badTimestamp = typeof timestamp === "string" ? timestampProblem(timestamp) : null;
  if (badTimestamp) return { field: "publishedAt" in parsed.data ? "publishedAt" : "at", reason: badTimestamp };
  return null;
}
