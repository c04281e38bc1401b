// The Events page's time range — last hour, 24 hours, 7 days or all time — and how a range becomes
// a concrete window [from, to) with a bucket size for the ingest chart. Shared by the server (which
// resolves the window against its clock) and the browser (URL state, labels, axis formatting).
import { z } from "zod";

export const EVENT_RANGES = ["1h", "24h", "7d", "all"] as const;
export type EventRange = (typeof EVENT_RANGES)[number];
export const DEFAULT_EVENT_RANGE: EventRange = "24h";
export const eventRangeSchema = z.enum(EVENT_RANGES);

export const EVENT_RANGE_LABELS: Record<EventRange, string> = {
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  all: "All time",
};

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Bucket sizes the chart may use, finest first; each divides the next (re-bucketing is exact). */
export const BUCKET_SIZES_MS = [MINUTE_MS, 5 * MINUTE_MS, 15 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS, 7 * DAY_MS, 28 * DAY_MS, 364 * DAY_MS] as const;

/**
 * Buckets start at multiples of their size counted from this instant, in SQL
 * (`date_bin(size, received_at, origin)`) and here alike: a Monday at 00:00 UTC, so minutes,
 * hours and days fall on the same boundaries as `date_trunc` and weeks start on Mondays.
 */
export const BUCKET_ORIGIN = new Date("2000-01-03T00:00:00Z");

/** Fixed ranges have a fixed bucket: 61 minutes, 97 quarter hours, 169 hours. */
const FIXED_RANGES: Record<Exclude<EventRange, "all">, { spanMs: number; bucketMs: number }> = {
  "1h": { spanMs: HOUR_MS, bucketMs: MINUTE_MS },
  "24h": { spanMs: DAY_MS, bucketMs: 15 * MINUTE_MS },
  "7d": { spanMs: 7 * DAY_MS, bucketMs: HOUR_MS },
};

/** "All time" picks the finest bucket that draws its span in at most this many points. */
export const MAX_AUTO_BUCKETS = 180;

export function floorToBucket(timeMs: number, bucketMs: number): number {
  const origin = BUCKET_ORIGIN.getTime();
  return origin + Math.floor((timeMs - origin) / bucketMs) * bucketMs;
}

/** The finest bucket size that covers `spanMs` in at most MAX_AUTO_BUCKETS buckets. */
export function bucketForSpan(spanMs: number): number {
  for (const size of BUCKET_SIZES_MS) {
    if (Math.ceil(Math.max(spanMs, 1) / size) <= MAX_AUTO_BUCKETS) return size;
  }
  return BUCKET_SIZES_MS.at(-1)!;
}

export type EventWindow = {
  range: EventRange;
  /** Inclusive start: the start of the first bucket (null for "all time": no lower bound). */
  from: Date | null;
  /** Exclusive end: the moment the window was resolved. */
  to: Date;
  bucketMs: number;
  /** Where the chart's x axis starts (for "all time": the bucket of `earliestHint`). */
  chartFrom: Date;
};

/**
 * The window for a range at `now`. Fixed ranges start at the bucket boundary at or before
 * `now − span` (so the first bucket is complete and the window covers at least the span) and end
 * at `now` (the last bucket is the current, partial one).
 *
 * "All time" has no lower bound; `earliestHint` (when the first event was received, or an
 * estimate of it: see ingest-rate.ts) sizes its buckets and starts its x axis.
 */
export function resolveEventWindow(range: EventRange, now: Date, earliestHint: Date | null = null): EventWindow {
  const nowMs = now.getTime();
  if (range === "all") {
    const startMs = Math.min(earliestHint?.getTime() ?? nowMs, nowMs);
    const bucketMs = bucketForSpan(nowMs - startMs);
    return { range, from: null, to: now, bucketMs, chartFrom: new Date(floorToBucket(startMs, bucketMs)) };
  }
  const { spanMs, bucketMs } = FIXED_RANGES[range];
  const from = new Date(floorToBucket(nowMs - spanMs, bucketMs));
  return { range, from, to: now, bucketMs, chartFrom: from };
}

/** Bucket starts from `fromMs` up to (not including) `toMs`, every `bucketMs`. */
export function bucketStarts(fromMs: number, toMs: number, bucketMs: number): number[] {
  const starts: number[] = [];
  for (let start = floorToBucket(fromMs, bucketMs); start < toMs; start += bucketMs) starts.push(start);
  return starts;
}

/** "minute", "5 minutes", "hour", "6 hours", "day", "week": the chart's unit. */
export function bucketLabel(bucketMs: number): string {
  if (bucketMs === 28 * DAY_MS) return "4 weeks";
  if (bucketMs === 364 * DAY_MS) return "52 weeks";
  const units: [number, string][] = [
    [7 * DAY_MS, "week"],
    [DAY_MS, "day"],
    [HOUR_MS, "hour"],
    [MINUTE_MS, "minute"],
  ];
  for (const [unitMs, unit] of units) {
    if (bucketMs % unitMs === 0) {
      const count = bucketMs / unitMs;
      return count === 1 ? unit : `${count} ${unit}s`;
    }
  }
  return `${Math.round(bucketMs / 1000)} seconds`;
}

/** What the Events page shows, as written in its URL: the range and an optional rejection filter. */
export type EventsQuery = {
  range: EventRange;
  /** Only dead letters with this field and reason ("" for all). */
  field: string;
  reason: string;
};

export const MAX_REJECTION_FILTER_LENGTH = 500;

export const DEFAULT_EVENTS_QUERY: EventsQuery = { range: DEFAULT_EVENT_RANGE, field: "", reason: "" };

/** Reads the query from URL parameters; anything invalid falls back to its default. */
export function parseEventsQuery(get: (name: string) => string | null | undefined): EventsQuery {
  const value = get("range");
  const range = EVENT_RANGES.includes(value as EventRange) ? (value as EventRange) : DEFAULT_EVENT_RANGE;
  const field = (get("field") ?? "").slice(0, MAX_REJECTION_FILTER_LENGTH);
  const reason = (get("reason") ?? "").slice(0, MAX_REJECTION_FILTER_LENGTH);
  // A filter is a (field, reason) pair, as grouped on the page; half a pair means no filter.
  return field && reason ? { range, field, reason } : { range, field: "", reason: "" };
}

/** The page's URL for a query, leaving out defaults. */
export function eventsHref(query: EventsQuery): string {
  const params = new URLSearchParams();
  if (query.range !== DEFAULT_EVENT_RANGE) params.set("range", query.range);
  if (query.field && query.reason) {
    params.set("field", query.field);
    params.set("reason", query.reason);
  }
  const search = params.toString();
  return search ? `/events?${search}` : "/events";
}
