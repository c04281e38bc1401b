// The Postgres event log as a stream in time order, for the offline jobs. Keyset pagination on
// (occurred_at, id) — each page is one indexed query that starts where the last one ended — so the
// memory held is one page, whatever the log's size, and no transaction stays open between pages.
import type { EventType } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { FeatureEvent } from "../../features/featureEvent.ts";

export type LoggedEvent = FeatureEvent & {
  /** The log's row id: the tie-breaker for equal times. */
  id: bigint;
  requestId: string | null;
  position: number | null;
  surface: string | null;
  propensity: number | null;
  /** `context.weight` when it is a number (play counts and the like, from interaction imports): positive specs read it. */
  weight: number | null;
};

export type EventLogRange = {
  /** Inclusive; omitted → from the first event. */
  from?: Date;
  /** Exclusive. */
  to: Date;
  pageSize?: number;
};

type EventRow = Omit<LoggedEvent, "occurredAt" | "type"> & { occurredAt: Date; type: string };

/**
 * Pages of events with from ≤ occurred_at < to, ordered by (occurred_at, id). The next page's query
 * is sent as soon as a page arrives, before the caller processes it: the database reads and ships
 * page n+1 while the job computes page n (the replay used to sit idle for a third of its time
 * waiting for each page). At most two pages are in memory.
 */
export async function* readEventLog(db: Database, range: EventLogRange): AsyncGenerator<LoggedEvent[]> {
  const pageSize = range.pageSize ?? 5_000;
  const firstAfterTime = new Date((range.from ?? new Date(0)).getTime() - 1);
  const firstAfterId = BigInt(Number.MAX_SAFE_INTEGER) * 1_000n; // first page: any id at afterTime is < from
  let next: Promise<EventRow[]> | null = readPage(db, range.to, firstAfterTime, firstAfterId, pageSize);
  while (next) {
    const rows: EventRow[] = await next;
    next = null;
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    if (rows.length === pageSize) {
      next = readPage(db, range.to, last.occurredAt, last.id, pageSize);
      // Handled when awaited; this only keeps a failure while the caller is busy from being "unhandled".
      next.catch(() => undefined);
    }
    yield rows.map((row) => ({ ...row, type: row.type as EventType, occurredAt: row.occurredAt.getTime() }));
  }
}

function readPage(db: Database, to: Date, afterTime: Date, afterId: bigint, pageSize: number): Promise<EventRow[]> {
  return db.$queryRaw<EventRow[]>`
      SELECT id, event_id AS "eventId", type::text AS type, user_id AS "userId", item_id AS "itemId",
             occurred_at AS "occurredAt", value, request_id AS "requestId", position, surface, propensity,
             CASE WHEN jsonb_typeof(context->'weight') = 'number' THEN (context->>'weight')::float8 END AS weight
      FROM events
      WHERE (occurred_at, id) > (${afterTime}::timestamptz, ${afterId}::bigint)
        -- redundant with the row comparison, but it is what lets the planner range-scan the
        -- occurred_at index instead of re-reading the log from the start for every page
        AND occurred_at >= ${afterTime}::timestamptz
        AND occurred_at < ${to}::timestamptz
      ORDER BY occurred_at, id
      LIMIT ${pageSize}::int`;
}

/** Events in the range (for progress totals). */
export async function countEventLog(db: Database, range: EventLogRange): Promise<number> {
  const [row] = await db.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM events
    WHERE occurred_at >= ${range.from ?? new Date(0)}::timestamptz AND occurred_at < ${range.to}::timestamptz`;
  return Number(row?.count ?? 0n);
}

export type TimestampGroup<E> = { atMs: number; events: E[] };

/**
 * Regroups pages into runs of events with the same time (a run may span pages). The jobs read
 * features before applying a run, which is what makes "strictly before t" exact when several
 * events share a millisecond.
 */
export async function* groupByTimestamp<E extends { occurredAt: number }>(pages: AsyncIterable<readonly E[]>): AsyncGenerator<TimestampGroup<E>> {
  let current: TimestampGroup<E> | null = null;
  for await (const page of pages) {
    for (const event of page) {
      if (current && current.atMs === event.occurredAt) {
        current.events.push(event);
        continue;
      }
      if (current) yield current;
      current = { atMs: event.occurredAt, events: [event] };
    }
  }
  if (current) yield current;
}

/** Just after the newest event (an exclusive end that includes it): "now" on the data's own clock. */
export async function newestEventTime(db: Database): Promise<Date> {
  const [row] = await db.$queryRaw<{ newest: Date | null }[]>`SELECT max(occurred_at) AS newest FROM events`;
  if (!row?.newest) throw new Error("the event log is empty: import or seed data first");
  return new Date(row.newest.getTime() + 1);
}
