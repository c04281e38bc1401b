// The feed debugger's time picker: "the user's feed as it would have been served at T". T travels
// as an ISO-8601 instant (?asOf= in the URL, `asOf` to the engine's feed preview); the picker is a
// datetime-local input read and written in UTC, like every date the console prints.
import { z } from "zod";
import { formatUtcDateTime, formatUtcDateTimeSeconds } from "../format-date.ts";

/** How far past the console's clock T may be: clocks drift, and "now" typed by hand is a little late. */
export const AS_OF_FUTURE_TOLERANCE_MS = 60_000;

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 date and time with a zone (Z or ±hh:mm) that names a real calendar instant, as epoch ms; otherwise null. */
export function parseAsOf(value: string): number | null {
  const match = ISO_INSTANT.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => (part === undefined ? 0 : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  // 2026-02-30 would roll over to 2 March: refuse days the month does not have.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * `asOf`: a parseable instant no later than a minute from now, normalised to `toISOString()` (the
 * engine's contract wants seconds and a zone). Messages name the field: they reach the form and the
 * URL's owner as they are.
 */
export const asOfSchema = z
  .string()
  .trim()
  .max(64, "asOf (As of) is too long to be a date and time")
  .superRefine((value, ctx) => {
    const ms = parseAsOf(value);
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: `asOf (As of) must be an ISO-8601 date and time with a zone, e.g. 2026-11-20T17:43:00Z; got "${value}"` });
      return;
    }
    if (ms > Date.now() + AS_OF_FUTURE_TOLERANCE_MS) {
      ctx.addIssue({ code: "custom", message: `asOf (As of) is in the future (${formatUtcDateTimeSeconds(new Date(ms))}); pick a time up to now` });
    }
  })
  .transform((value) => new Date(parseAsOf(value)!).toISOString());

/** The datetime-local input's value ("2026-11-20T17:43" or with ":05"), read as UTC, to an ISO instant; "" → null (now). */
export function utcInputToIso(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : `${trimmed}Z`;
}

/** An ISO instant to the datetime-local input's value in UTC; seconds only when there are any. */
export function isoToUtcInput(iso: string | null): string {
  if (iso === null) return "";
  const ms = parseAsOf(iso);
  if (ms === null) return "";
  const text = new Date(ms).toISOString(); // 2026-11-20T17:43:05.000Z
  return text.slice(17, 23) === "00.000" ? text.slice(0, 16) : text.slice(0, 19);
}

/** A business time for a label: "2026-11-20 17:43 UTC", with seconds when there are any. */
export function formatBusinessTime(ms: number): string {
  const date = new Date(ms);
  return date.getUTCSeconds() === 0 ? formatUtcDateTime(date) : formatUtcDateTimeSeconds(date);
}
