// Writes catalogue rows (items, users, follows) with the HTTP API's own validation and upserts
// (ingest/catalogWrites.ts, which PUT /v1/items|users|follows are thin over): the upsert SQL, its
// lock order, its "replace, don't merge" semantics and its created/updated counts then cannot
// drift from the API. A batch the validation refuses (400) names its bad rows
// (`items.<index>.<field>`); those rows are set aside as rejected and the rest of the batch is
// written.
import { MAX_BATCH, type UpsertResponse } from "@cascade/core";
import type { Database } from "@cascade/db";
import { parseFollowsBatch, parseItemsBatch, parseUsersBatch, upsertFollows, upsertItems, upsertUsers } from "../ingest/catalogWrites.ts";
import { BatchTooLargeError, InvalidInputError, type InputIssue } from "../ingest/inputErrors.ts";
import type { CatalogEntity } from "./importEntities.ts";

export type CatalogWriteResult = {
  created: number;
  updated: number;
  /** Rows of the batch the validation refused, by index in the batch given. */
  rejected: { index: number; field: string; reason: string }[];
};

export type CatalogWriter = {
  write(entity: CatalogEntity, rows: readonly unknown[]): Promise<CatalogWriteResult>;
  close(): Promise<void>;
};

/** Validates a batch as the API would (the body `{<entity>: rows}`) and writes it. */
const writeBatch: Record<CatalogEntity, (db: Database, body: unknown) => Promise<UpsertResponse>> = {
  items: (db, body) => upsertItems(db, parseItemsBatch(body)),
  users: (db, body) => upsertUsers(db, parseUsersBatch(body)),
  follows: (db, body) => upsertFollows(db, parseFollowsBatch(body)),
};

export async function createCatalogWriter(db: Database): Promise<CatalogWriter> {
  async function write(entity: CatalogEntity, rows: readonly unknown[]): Promise<CatalogWriteResult> {
    if (rows.length > MAX_BATCH) throw new Error(`at most ${MAX_BATCH} ${entity} per batch`);
    const rejected: CatalogWriteResult["rejected"] = [];
    // Positions (in `rows`) of the rows still to write.
    let pending = rows.map((_, index) => index);
    while (pending.length > 0) {
      try {
        const counts = await writeBatch[entity](db, { [entity]: pending.map((index) => rows[index]) });
        return { created: counts.created, updated: counts.updated, rejected };
      } catch (error) {
        if (!(error instanceof InvalidInputError || error instanceof BatchTooLargeError)) throw error;
        const refused = refusedRows(entity, error instanceof InvalidInputError ? error.issues : [], pending.length);
        if (refused.size === 0) throw new Error(`${entity} batch refused (${error.name}): ${error.message}`, { cause: error });
        for (const [at, problem] of refused) rejected.push({ index: pending[at]!, ...problem });
        pending = pending.filter((_, at) => !refused.has(at));
      }
    }
    return { created: 0, updated: 0, rejected };
  }

  // Nothing to release: the writer holds no resources of its own (the caller owns `db`).
  return { write, close: async () => undefined };
}

/** The rows (by position in the batch sent) that the issues name, each with its first problem. */
function refusedRows(entity: CatalogEntity, issues: readonly InputIssue[], batchSize: number): Map<number, { field: string; reason: string }> {
  const refused = new Map<number, { field: string; reason: string }>();
  const rowPath = new RegExp(`^${entity}\\.(\\d+)(?:\\.(.*))?$`);
  for (const issue of issues) {
    const match = rowPath.exec(issue.path);
    const at = match ? Number(match[1]) : NaN;
    if (!Number.isInteger(at) || at >= batchSize) continue;
    if (!refused.has(at)) refused.set(at, { field: match?.[2] ?? "row", reason: issue.message });
  }
  return refused;
}
