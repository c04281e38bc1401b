// The ingestion hot path's validator. Running the core zod contract (`eventInput`) on every event
// costs ~15 µs (plus ~8 µs for the storability scan): at 20,000 events/s that alone would be a
// third of a CPU core. Nearly every event a client sends is plainly valid, so this hand-written
// check recognises exactly those in ~1 µs and returns what zod would have returned. Anything
// it is not sure about — an error, but also an odd-but-valid event (a NUL in a string, a
// surrogate, an offset beyond ±15:00) — returns null, and the caller runs the full zod +
// storability screen, which alone words rejections. So this check may be stricter than zod,
// never looser: plainEventCheck.test.ts asserts "accepted here ⇒ accepted by zod, with the same
// output" over generated inputs near every boundary.
import { EARLIEST_EVENT_TIME_MS, eventTypes, isoTimestamp, MAX_CONTEXT_KEYS, MAX_PURCHASE_VALUE, type EventInput, type EventType } from "@cascade/core";

// Mirrors of packages/core/src/api/common.ts and events.ts (kept honest by the property test).
const ENTITY_ID = /^[A-Za-z0-9._:@-]+$/;
const SURFACE_ID = /^[a-z0-9_-]+$/;
/** NUL or any surrogate (paired or not): such strings take the slow path, which words the reason. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point: PostgreSQL cannot store it
const NEEDS_CAREFUL_LOOK = /[\u0000\uD800-\uDFFF]/;
const ISO_DATETIME = timestampPattern();
const TYPES = new Set<string>(eventTypes);
/** Types that carry `value`, with its range. */
const VALUE_RANGE: Partial<Record<EventType, { min: number; max: number }>> = {
  watch: { min: 0, max: 86_400 },
  purchase: { min: 0, max: MAX_PURCHASE_VALUE },
  rating: { min: 0, max: 10 },
};

/** The event as zod would parse it when it is plainly valid; null means "ask zod". */
export function plainEventCheck(payload: unknown): EventInput | null {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
  const raw = payload as Record<string, unknown>;
  const { eventId, type, userId, itemId, timestamp } = raw;
  if (typeof type !== "string" || !TYPES.has(type)) return null;
  if (!isPlainString(eventId, 1, 128)) return null;
  if (!isEntityId(userId) || !isEntityId(itemId)) return null;
  if (!isPlainTimestamp(timestamp)) return null;

  const event: Record<string, unknown> = { eventId, type, userId, itemId, timestamp };
  const range = VALUE_RANGE[type as EventType];
  if (range) {
    const value = raw.value;
    if (typeof value !== "number" || !Number.isFinite(value) || value < range.min || value > range.max) return null;
    event.value = value;
  }
  const { requestId, position, surface, propensity, context } = raw;
  if (requestId !== undefined) {
    if (!isPlainString(requestId, 0, 64)) return null;
    event.requestId = requestId;
  }
  if (position !== undefined) {
    if (typeof position !== "number" || !Number.isInteger(position) || position < 0 || position > 10_000) return null;
    event.position = position;
  }
  if (surface !== undefined) {
    if (typeof surface !== "string" || surface.length < 1 || surface.length > 64 || !SURFACE_ID.test(surface)) return null;
    event.surface = surface;
  }
  if (propensity !== undefined) {
    if (typeof propensity !== "number" || !(propensity > 0 && propensity <= 1)) return null;
    event.propensity = propensity;
  }
  if (context !== undefined) {
    const checked = plainContext(context);
    if (!checked) return null;
    event.context = checked;
  }
  return event as EventInput;
}

function isPlainString(value: unknown, minLength: number, maxLength: number): value is string {
  return typeof value === "string" && value.length >= minLength && value.length <= maxLength && !NEEDS_CAREFUL_LOOK.test(value);
}

function isEntityId(value: unknown): value is string {
  return typeof value === "string" && value.length >= 1 && value.length <= 128 && ENTITY_ID.test(value);
}

/** ISO-8601 with an offset (zod's own pattern), 1970 or later, offset within ±15:59 (PostgreSQL's limit). */
function isPlainTimestamp(value: unknown): value is string {
  if (typeof value !== "string" || ISO_DATETIME === null || !ISO_DATETIME.test(value)) return false;
  if (!(Date.parse(value) >= EARLIEST_EVENT_TIME_MS)) return false;
  const last = value.charCodeAt(value.length - 1);
  // Ends in Z, or in ±HH:MM: the hour sits 5 characters from the end.
  if (last === 90 /* Z */) return true;
  return Number(value.slice(-5, -3)) <= 15;
}

function plainContext(context: unknown): Record<string, string | number | boolean> | null {
  if (typeof context !== "object" || context === null || Array.isArray(context)) return null;
  // A fresh object with the same keys in the same order, as zod's record parser builds it.
  const copy: Record<string, string | number | boolean> = {};
  const keys = Object.keys(context);
  if (keys.length > MAX_CONTEXT_KEYS) return null;
  for (const key of keys) {
    if (key.length > 64 || NEEDS_CAREFUL_LOOK.test(key)) return null;
    const value = (context as Record<string, unknown>)[key];
    if (typeof value === "string") {
      if (value.length > 256 || NEEDS_CAREFUL_LOOK.test(value)) return null;
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) return null;
    } else if (typeof value !== "boolean") {
      return null;
    }
    copy[key] = value;
  }
  return copy;
}

/**
 * The exact regex zod checks ISO timestamps with, read from the core schema so the two cannot
 * differ. Should a zod upgrade stop exposing it, the fast path switches itself off (every event
 * then takes the zod path): slower, never wrong.
 */
function timestampPattern(): RegExp | null {
  const pattern = (isoTimestamp as unknown as { _zod?: { def?: { pattern?: unknown } } })._zod?.def?.pattern;
  return pattern instanceof RegExp && !pattern.global && !pattern.sticky ? pattern : null;
}

/** For tests: whether the fast path is on (the timestamp pattern was found). */
export const plainEventCheckEnabled = ISO_DATETIME !== null;
