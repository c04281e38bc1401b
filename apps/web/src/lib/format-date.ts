// Dates in the console are shown in UTC, always: the server render and the browser then print
// the same text (no hydration mismatch), and an engineer reading a timestamp next to a log line
// or a SQL result sees the same clock.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** 2026-11-20T17:43:09Z → "2026-11-20 17:43 UTC" */
export function formatUtcDateTime(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** 2026-11-20T17:43:09Z → "20 Nov 2026" */
export function formatUtcDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** "2026-11-20" → "Nov 20" (chart axis ticks). */
export function formatIsoDayShort(isoDay: string): string {
  const [, month, day] = isoDay.split("-").map(Number);
  if (!month || !day) return isoDay;
  return `${MONTHS[month - 1]} ${day}`;
}

/** "2026-11-20" → "20 Nov 2026" (chart tooltips). */
export function formatIsoDayLong(isoDay: string): string {
  const [year, month, day] = isoDay.split("-").map(Number);
  if (!year || !month || !day) return isoDay;
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

/** 2026-11-20T17:43:09Z → "17:43" (UTC) */
export function formatUtcTime(date: Date): string {
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** 2026-11-20T17:43:09Z → "Nov 20 17:43" (UTC; chart ticks over several days) */
export function formatUtcDayTime(date: Date): string {
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${formatUtcTime(date)}`;
}

/** 2026-11-20T17:43:09.123Z → "2026-11-20 17:43:09 UTC" (log-like rows) */
export function formatUtcDateTimeSeconds(date: Date): string {
  return `${formatUtcDateTime(date).replace(" UTC", "")}:${pad(date.getUTCSeconds())} UTC`;
}
