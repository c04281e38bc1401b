// Rebuilds online feature state from the Postgres event log, for events that reached the log
// without passing through the real-time consumer (a demo seed, a bulk import, a flushed Redis, an
// embedded engine restarting from a snapshot).
// Two ways to choose the events:
// - by time (default): the log in time order, from..to;
// - by log id (`afterEventId`): the rows appended after a watermark (up to `throughEventId`), in id
//   order — what a snapshot of the store does not hold yet.
// Either way the events go through `applyEventsToOnlineStore` with business time as `now` (the
// caller's clock, platform/clock.ts; the wall clock by default), so expired windows are skipped exactly as
// they would be live. Idempotent by default (the same
// ledger as the consumer, so running it while the consumer also delivers some of the events does
// not double count); pass idempotent: false for a first fill of an empty store to save the ledger's
// memory (48 h of event ids per entity).
import type { Database } from "@cascade/db";
import { silentProgress, type ProgressReporter } from "../telemetry/progress.ts";
import { createItemCategoryCache, type ItemCategoryLookup } from "../features/itemCategories.ts";
import { applyEventsToOnlineStore } from "../features/onlineFeatureWriter.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { countEventLog, readEventLog, type LoggedEvent } from "../training/dataset/eventLog.ts";

export type BackfillOptions = {
  /** Default: the first event (long half-lives remember months). */
  from?: Date;
  /** Default: now. */
  to?: Date;
  /** Replay the rows with a log id above this instead (from/to are then ignored). */
  afterEventId?: bigint;
  /** With afterEventId: the last log id to replay (default: whatever is there). */
  throughEventId?: bigint;
  idempotent?: boolean;
  pageSize?: number;
  itemCategories?: ItemCategoryLookup;
  progress?: ProgressReporter;
  /** Called after each page with the events applied so far and the expected total. */
  onPage?: (applied: number, total: number) => void;
  /** Business time the events are applied at (default: the wall clock). */
  now?: () => Date;
};

export type BackfillResult = { events: number; duplicates: number };

export async function backfillOnlineFeatures(db: Database, store: OnlineStore, options: BackfillOptions = {}): Promise<BackfillResult> {
  const now = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? 2_000;
  const itemCategories = options.itemCategories ?? createItemCategoryCache(db);
  const progress = options.progress ?? silentProgress;
  let pages: AsyncIterable<LoggedEvent[]>;
  let total: number;
  if (options.afterEventId !== undefined) {
    const range = { after: options.afterEventId, ...(options.throughEventId !== undefined ? { through: options.throughEventId } : {}), pageSize };
    total = await countEventLogAfter(db, range);
    pages = readEventLogAfter(db, range);
  } else {
    const range = { ...(options.from ? { from: options.from } : {}), to: options.to ?? now(), pageSize };
    total = await countEventLog(db, range);
    pages = readEventLog(db, range);
  }
  let events = 0;
  let duplicates = 0;
  progress.start("online features: backfill", total);
  try {
    for await (const page of pages) {
      const result = await applyEventsToOnlineStore(store, page, now(), { itemCategories, idempotent: options.idempotent ?? true });
      events += page.length;
      duplicates += result.duplicates;
      progress.increment(page.length);
      options.onPage?.(events, Math.max(total, events));
    }
  } finally {
    progress.stop();
  }
  return { events, duplicates };
}

/** The newest event-log id (0 for an empty log). */
export async function latestEventLogId(db: Database): Promise<bigint> {
  const [row] = await db.$queryRaw<{ id: bigint | null }[]>`SELECT max(id) AS id FROM events`;
  return row?.id ?? 0n;
}

type IdRange = { after: bigint; through?: bigint; pageSize: number };

async function countEventLogAfter(db: Database, range: IdRange): Promise<number> {
  const through = range.through ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000n;
  const [row] = await db.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM events WHERE id > ${range.after}::bigint AND id <= ${through}::bigint`;
  return Number(row?.count ?? 0n);
}

/**
 * Pages of the rows after `after` (through `through`), in id order: keyset pagination on the
 * primary key. Like readEventLog, the next page is requested before the caller processes this one.
 */
async function* readEventLogAfter(db: Database, range: IdRange): AsyncGenerator<LoggedEvent[]> {
  const through = range.through ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000n;
  let next: Promise<IdPageRow[]> | null = readIdPage(db, range.after, through, range.pageSize);
  while (next) {
    const rows: IdPageRow[] = await next;
    next = null;
    if (rows.length === 0) return;
    if (rows.length === range.pageSize) {
      next = readIdPage(db, rows[rows.length - 1]!.id, through, range.pageSize);
      next.catch(() => undefined);
    }
    yield rows.map((row) => ({ ...row, type: row.type as LoggedEvent["type"], occurredAt: row.occurredAt.getTime() }));
  }
}

type IdPageRow = Omit<LoggedEvent, "occurredAt" | "type"> & { occurredAt: Date; type: string };

function readIdPage(db: Database, after: bigint, through: bigint, pageSize: number): Promise<IdPageRow[]> {
  return db.$queryRaw<IdPageRow[]>`
    SELECT id, event_id AS "eventId", type::text AS type, user_id AS "userId", item_id AS "itemId",
           occurred_at AS "occurredAt", value, request_id AS "requestId", position, surface, propensity
    FROM events WHERE id > ${after}::bigint AND id <= ${through}::bigint
    ORDER BY id LIMIT ${pageSize}::int`;
}
