// Formatting shared by the Events page's sections: rates and bucket times.
import { formatDecimal, formatInteger } from "@cascade/ui";
import { bucketLabel } from "./event-range.ts";
import { formatIsoDayLong, formatIsoDayShort, formatUtcDateTime, formatUtcDayTime, formatUtcTime } from "./format-date.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A count over a duration as a rate people can picture: per second, minute or hour. */
export function formatRate(count: number, durationMs: number): string {
  if (durationMs <= 0 || count === 0) return "0 / min";
  const perMinute = (count / durationMs) * MINUTE_MS;
  if (perMinute >= 600) return `${formatInteger(perMinute / 60)} / s`;
  if (perMinute >= 1) return `${formatDecimal(perMinute)} / min`;
  return `${formatDecimal(perMinute * 60)} / h`;
}

/** Axis tick for a bucket start (UTC): time of day, day and time, or day. */
export function formatBucketTick(start: Date, bucketMs: number, spanMs: number): string {
  if (bucketMs >= DAY_MS) return formatIsoDayShort(start.toISOString().slice(0, 10));
  return spanMs > DAY_MS + HOUR_MS ? formatUtcDayTime(start) : formatUtcTime(start);
}

/** Tooltip heading for a bucket: "2026-11-23 14:15–14:30 UTC", or "20 Nov 2026" for a day. */
export function formatBucketRange(start: Date, bucketMs: number): string {
  const iso = start.toISOString();
  if (bucketMs === DAY_MS) return formatIsoDayLong(iso.slice(0, 10));
  if (bucketMs > DAY_MS) return `Week of ${formatIsoDayLong(iso.slice(0, 10))}`;
  const end = new Date(start.getTime() + bucketMs);
  return `${formatUtcDateTime(start).replace(" UTC", "")}–${formatUtcTime(end)} UTC`;
}

/** "per 15 minutes" */
export function perBucket(bucketMs: number): string {
  return `per ${bucketLabel(bucketMs)}`;
}
