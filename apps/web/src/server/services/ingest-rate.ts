// What the engine received over a time range: events per bucket and type (the ingest-rate chart),
// the totals per type (the counts table), and dead letters per bucket, for the Events page.
//
// Time is `received_at` — when the engine accepted the event — not `occurred_at` (the client's
// clock): an ingest chart shows what arrived when, late and back-filled events included.
//
// Cost. Dead letters: rejected_events has a B-tree on received_at, so its statement reads only the
// window. Events: minute and quarter-hour buckets (last hour, last 24 hours, and an "all time"
// shorter than 45 hours) scan the window of `events` through its BRIN index on received_at. Hour
// and coarser buckets (last 7 days, longer "all time") read event_counts — exact counts per
// (occurred day, received hour, type) kept by triggers on events — for the complete hours, plus
// the window's last, partial hour from events: thousands of rows instead of the whole log.
import { type Database, EventType } from "@cascade/db";
import { z } from "zod";
import {
  BUCKET_ORIGIN,
  bucketForSpan,
  bucketStarts,
  DEFAULT_EVENT_RANGE,
  eventRangeSchema,
  type EventRange,
  floorToBucket,
  resolveEventWindow,
} from "../../lib/event-range.ts";

export const ingestRateInputSchema = z.object({ range: eventRangeSchema.default(DEFAULT_EVENT_RANGE) });
export type IngestRateInput = z.infer<typeof ingestRateInputSchema>;

const countsByTypeSchema = z.record(z.enum(EventType), z.number().int());
export type CountsByType = z.infer<typeof countsByTypeSchema>;

export const ingestRateSchema = z.object({
  range: eventRangeSchema,
  /** Inclusive start of the window (null for all time). */
  from: z.date().nullable(),
  /** Exclusive end of the window: the server's clock when it was computed. */
  to: z.date(),
  bucketMs: z.number().int().positive(),
  /** Every bucket of the chart, in order, quiet ones included (the last one is partial). */
  buckets: z.array(
    z.object({
      start: z.date(),
      counts: countsByTypeSchema,
      total: z.number().int(),
      rejected: z.number().int(),
    }),
  ),
  /** Events received in the window, per type (every type, zero included). */
  totals: countsByTypeSchema,
  total: z.number().int(),
  /** Dead letters written in the window. */
  rejected: z.number().int(),
});
export type IngestRate = z.infer<typeof ingestRateSchema>;

const EVENT_TYPES = Object.values(EventType);

function zeroCounts(): CountsByType {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, 0])) as CountsByType;
}

type BucketTypeRow = { bucket: Date; type: EventType; events: bigint };
type BucketRow = { bucket: Date; events: bigint };
type GroupedRows = { events: BucketTypeRow[]; rejected: BucketRow[] };

const HOUR_MS = 60 * 60 * 1000;

/**
 * When the first event or dead letter was received, exactly (null when there is none): it sizes
 * the "all time" buckets and starts the chart. event_counts knows the first receipt to the hour;
 * the instant inside that hour is looked up in events (a BRIN range read of one hour) only when it
 * changes the chart: when the bucket size depends on it, or buckets are finer than an hour.
 */
async function firstReceipt(db: Database, now: Date): Promise<Date | null> {
  const rows = await db.$queryRaw<{ first_event_hour: Date | null; first_rejected: Date | null }[]>`
    SELECT (SELECT min(received_hour) FROM event_counts) AS first_event_hour,
           (SELECT min(received_at) FROM rejected_events) AS first_rejected`;
  const hour = rows[0]?.first_event_hour ?? null;
  const rejected = rows[0]?.first_rejected ?? null;
  if (!hour) return rejected;
  if (rejected && rejected.getTime() <= hour.getTime()) return rejected;
  // The first receipt lies in [hour, upper).
  const upper = Math.min(hour.getTime() + HOUR_MS, rejected?.getTime() ?? Number.POSITIVE_INFINITY);
  const bucketMs = bucketForSpan(now.getTime() - hour.getTime());
  // Same bucket size from either end, and whole-hour buckets: the hour gives the same chart.
  if (bucketMs === bucketForSpan(now.getTime() - upper) && bucketMs % HOUR_MS === 0) return hour;
  const exact = await db.$queryRaw<{ first_at: Date | null }[]>`
    SELECT min(received_at) AS first_at FROM events
    WHERE received_at >= ${hour.toISOString()}::timestamptz AND received_at < ${new Date(hour.getTime() + HOUR_MS).toISOString()}::timestamptz`;
  const firstEvent = exact[0]?.first_at ?? hour;
  return rejected && rejected.getTime() < firstEvent.getTime() ? rejected : firstEvent;
}

/** Events per (bucket, type) received in [from, to) read from `events` (its BRIN index on received_at). */
function scanEvents(db: Database, from: string, to: string, bucketSeconds: number, origin: string) {
  return db.$queryRaw<BucketTypeRow[]>`
    SELECT date_bin(${bucketSeconds} * interval '1 second', received_at, ${origin}::timestamptz) AS bucket,
           type,
           count(*) AS events
    FROM events
    WHERE received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz
    GROUP BY 1, 2`;
}

/**
 * Events per (bucket, type) received in [from, to), for buckets of whole hours: complete hours
 * from event_counts, the partial hour at `to` from events. `from` must be on an hour boundary.
 */
async function countHourlyBuckets(db: Database, from: string, to: Date, bucketSeconds: number, origin: string): Promise<BucketTypeRow[]> {
  const lastHour = new Date(floorToBucket(to.getTime(), HOUR_MS)).toISOString();
  const [complete, partial] = await Promise.all([
    db.$queryRaw<BucketTypeRow[]>`
      SELECT date_bin(${bucketSeconds} * interval '1 second', received_hour, ${origin}::timestamptz) AS bucket,
             type,
             sum(events)::bigint AS events
      FROM event_counts
      WHERE received_hour >= ${from}::timestamptz AND received_hour < ${lastHour}::timestamptz
      GROUP BY 1, 2`,
    scanEvents(db, lastHour, to.toISOString(), bucketSeconds, origin),
  ]);
  return [...complete, ...partial];
}

/** Events per (bucket, type) and dead letters per bucket received in [from, to). */
async function countByBucket(db: Database, from: Date | null, to: Date, bucketMs: number): Promise<GroupedRows> {
  const fromText = from?.toISOString() ?? "-infinity";
  const toText = to.toISOString();
  const bucketSeconds = bucketMs / 1000;
  const origin = BUCKET_ORIGIN.toISOString();
  // Hour-sized buckets and larger start on hours (one origin, sizes that divide one another).
  const hourly = bucketMs % HOUR_MS === 0 && (from === null || floorToBucket(from.getTime(), HOUR_MS) === from.getTime());
  const [events, rejected] = await Promise.all([
    hourly ? countHourlyBuckets(db, fromText, to, bucketSeconds, origin) : scanEvents(db, fromText, toText, bucketSeconds, origin),
    db.$queryRaw<BucketRow[]>`
      SELECT date_bin(${bucketSeconds} * interval '1 second', received_at, ${origin}::timestamptz) AS bucket,
             count(*) AS events
      FROM rejected_events
      WHERE received_at >= ${fromText}::timestamptz AND received_at < ${toText}::timestamptz
      GROUP BY 1`,
  ]);
  return { events, rejected };
}

export async function getIngestRate(db: Database, input: IngestRateInput, now = new Date()): Promise<IngestRate> {
  const range: EventRange = input.range;
  const window = resolveEventWindow(range, now, range === "all" ? await firstReceipt(db, now) : null);
  const { bucketMs } = window;
  const chartFromMs = window.chartFrom.getTime();
  const rows = await countByBucket(db, window.from, window.to, bucketMs);

  const buckets = new Map(
    bucketStarts(chartFromMs, window.to.getTime(), bucketMs).map((start) => [start, { start: new Date(start), counts: zeroCounts(), total: 0, rejected: 0 }]),
  );
  const totals = zeroCounts();
  let total = 0;
  for (const row of rows.events) {
    const count = Number(row.events);
    const bucket = buckets.get(floorToBucket(row.bucket.getTime(), bucketMs));
    if (bucket) {
      bucket.counts[row.type] += count;
      bucket.total += count;
    }
    totals[row.type] += count;
    total += count;
  }
  let rejected = 0;
  for (const row of rows.rejected) {
    const count = Number(row.events);
    const bucket = buckets.get(floorToBucket(row.bucket.getTime(), bucketMs));
    if (bucket) bucket.rejected += count;
    rejected += count;
  }

  return { range, from: window.from, to: window.to, bucketMs, buckets: [...buckets.values()], totals, total, rejected };
}
