// What the engine received over a time range: events per bucket and type (the ingest-rate chart),
// the totals per type (the counts table), and dead letters per bucket, for the Events page.
//
// Time is `received_at` — when the engine accepted the event — not `occurred_at` (the client's
// clock): an ingest chart shows what arrived when, late and back-filled events included.
//
// Cost. Both statements are one pass with a GROUP BY over (bucket, type): a few hundred rows come
// back whatever the table size. rejected_events has an index on received_at, so its statement
// reads only the window. events has NO index on received_at (only on occurred_at), so its
// statement is a sequential scan of the event log whatever the range, ~1–2 s per 10M rows on
// two cores; an index (ideally BRIN: the log is appended in roughly received_at order) would
// make the short ranges read only their window. occurred_at cannot stand in for it: an event
// received in the window may have occurred at any time before it (offline clients, back-fills).
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

type BucketTypeRow = { bucket: Date; type: EventType; events: bigint; first_at: Date };
type BucketRow = { bucket: Date; events: bigint; first_at: Date };
type GroupedRows = { events: BucketTypeRow[]; rejected: BucketRow[] };

/**
 * An estimate of when the first event was received, to size the "all time" buckets before
 * scanning: the engine refuses events stamped more than an hour ahead of its clock, so an event
 * received at t occurred before t + 1 h, and min(occurred_at) − 1 h is at or before the first
 * receipt. Both minimums are index lookups. A client clock far in the past makes the estimate
 * too early; getIngestRate then corrects the bucket size from what the scan found.
 */
async function earliestReceivedEstimate(db: Database): Promise<Date | null> {
  const rows = await db.$queryRaw<{ earliest: Date | null }[]>`
    SELECT least(
      (SELECT min(occurred_at) FROM events) - interval '1 hour',
      (SELECT min(received_at) FROM rejected_events)
    ) AS earliest`;
  return rows[0]?.earliest ?? null;
}

/** Events per (bucket, type) and dead letters per bucket received in [from, to). */
async function countByBucket(db: Database, from: Date | null, to: Date, bucketMs: number): Promise<GroupedRows> {
  const fromText = from?.toISOString() ?? "-infinity";
  const toText = to.toISOString();
  const bucketSeconds = bucketMs / 1000;
  const origin = BUCKET_ORIGIN.toISOString();
  const [events, rejected] = await Promise.all([
    db.$queryRaw<BucketTypeRow[]>`
      SELECT date_bin(${bucketSeconds} * interval '1 second', received_at, ${origin}::timestamptz) AS bucket,
             type,
             count(*) AS events,
             min(received_at) AS first_at
      FROM events
      WHERE received_at >= ${fromText}::timestamptz AND received_at < ${toText}::timestamptz
      GROUP BY 1, 2`,
    db.$queryRaw<BucketRow[]>`
      SELECT date_bin(${bucketSeconds} * interval '1 second', received_at, ${origin}::timestamptz) AS bucket,
             count(*) AS events,
             min(received_at) AS first_at
      FROM rejected_events
      WHERE received_at >= ${fromText}::timestamptz AND received_at < ${toText}::timestamptz
      GROUP BY 1`,
  ]);
  return { events, rejected };
}

/** The earliest receipt among the rows (Infinity when there are none). */
function firstReceivedMs(rows: GroupedRows): number {
  return Math.min(...rows.events.map((row) => row.first_at.getTime()), ...rows.rejected.map((row) => row.first_at.getTime()));
}

export async function getIngestRate(db: Database, input: IngestRateInput, now = new Date()): Promise<IngestRate> {
  const range: EventRange = input.range;
  const window = resolveEventWindow(range, now, range === "all" ? await earliestReceivedEstimate(db) : null);
  let bucketMs = window.bucketMs;
  let chartFromMs = window.chartFrom.getTime();
  let rows = await countByBucket(db, window.from, window.to, bucketMs);

  if (range === "all") {
    // The chart runs from the first receipt, in buckets sized for that span. When the estimate was
    // right (the usual case) the size is unchanged. Otherwise: coarser buckets are merged below
    // (sizes divide one another and share one origin, so this is exact); finer ones need a second
    // pass, which the first receipt bounds below.
    const firstMs = firstReceivedMs(rows);
    if (Number.isFinite(firstMs)) {
      const fitted = bucketForSpan(window.to.getTime() - firstMs);
      if (fitted < bucketMs) rows = await countByBucket(db, new Date(firstMs), window.to, fitted);
      bucketMs = fitted;
      chartFromMs = floorToBucket(firstMs, bucketMs);
    }
  }

  const buckets = new Map(
    bucketStarts(chartFromMs, window.to.getTime(), bucketMs).map((start) => [
      start,
      { start: new Date(start), counts: zeroCounts(), total: 0, rejected: 0 },
    ]),
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
