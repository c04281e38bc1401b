// Context: the request time's hour of day and day of week, in UTC (no per-user time zone yet).
// Computed from the "as of" time only, so serving and training agree by construction.
import { defineFeature, type FeatureDefinition } from "../featureDefinition.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The largest |time| a Date holds; beyond it `new Date(t)` is invalid (NaN → the default). */
const MAX_DATE_MS = 8.64e15;

/** Always in [0, n), like the spec's "modulo" (JS `%` keeps the dividend's sign). */
const modulo = (value: number, n: number): number => ((value % n) + n) % n;

/**
 * What `new Date(atMs).getUTCHours()` / `.getUTCDay()` return, by the spec's own arithmetic
 * (HourFromTime, WeekDay: 1970-01-01 was a Thursday), without a Date object per candidate.
 */
export function utcHourOf(atMs: number): number {
  if (!(Math.abs(atMs) <= MAX_DATE_MS)) return Number.NaN;
  return modulo(Math.floor(Math.trunc(atMs) / HOUR_MS), 24);
}

export function utcDayOfWeekOf(atMs: number): number {
  if (!(Math.abs(atMs) <= MAX_DATE_MS)) return Number.NaN;
  return modulo(Math.floor(Math.trunc(atMs) / DAY_MS) + 4, 7);
}

export const requestContextFeatures: readonly FeatureDefinition[] = [
  defineFeature({
    name: "context_hour_of_day",
    entity: "context",
    type: "number",
    window: null,
    default: 0,
    description: "Hour of the request, 0–23, UTC.",
    counters: [],
    compute: ({ atMs }) => utcHourOf(atMs),
  }),
  defineFeature({
    name: "context_day_of_week",
    entity: "context",
    type: "number",
    window: null,
    default: 0,
    description: "Day of the request, 0 = Sunday … 6 = Saturday, UTC.",
    counters: [],
    compute: ({ atMs }) => utcDayOfWeekOf(atMs),
  }),
];
