import { z } from "zod";
import { entityId, isoTimestamp, MAX_BATCH, surfaceId } from "./common.ts";

export const eventTypes = ["impression", "click", "like", "share", "watch", "purchase", "rating", "hide", "dislike"] as const;
export const eventType = z.enum(eventTypes);
export type EventType = z.infer<typeof eventType>;

// Bounds a client can rely on (docs/api.md, "Events"): an event outside them is rejected with the
// field named, never accepted and dropped later.
/** Largest purchase value (in any currency unit): sums of many purchases stay finite and exact to the cent. */
export const MAX_PURCHASE_VALUE = 1e12;
/** Most keys in one event's `context` (keys up to 64 characters, string values up to 256). */
export const MAX_CONTEXT_KEYS = 32;
/** The earliest event time accepted, 1970-01-01T00:00:00Z (historical imports such as MovieLens' 1990s ratings fit). */
export const EARLIEST_EVENT_TIME_MS = 0;

const eventBase = {
  eventId: z.string().min(1).max(128),
  userId: entityId,
  itemId: entityId,
  timestamp: isoTimestamp.refine((value) => Date.parse(value) >= EARLIEST_EVENT_TIME_MS, "must be 1970-01-01T00:00:00Z or later"),
  requestId: z.string().max(64).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  surface: surfaceId.optional(),
  propensity: z.number().gt(0).max(1).optional(),
  context: z
    .record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()]))
    .refine((context) => Object.keys(context).length <= MAX_CONTEXT_KEYS, `must have at most ${MAX_CONTEXT_KEYS} keys`)
    .optional(),
};

/** Per type: watch carries seconds, purchase a value, rating a score; the others carry none. */
export const eventInput = z.discriminatedUnion("type", [
  z.object({ ...eventBase, type: z.literal("impression") }),
  z.object({ ...eventBase, type: z.literal("click") }),
  z.object({ ...eventBase, type: z.literal("like") }),
  z.object({ ...eventBase, type: z.literal("share") }),
  z.object({ ...eventBase, type: z.literal("hide") }),
  z.object({ ...eventBase, type: z.literal("dislike") }),
  z.object({ ...eventBase, type: z.literal("watch"), value: z.number().min(0).max(86_400) }),
  z.object({ ...eventBase, type: z.literal("purchase"), value: z.number().min(0).max(MAX_PURCHASE_VALUE) }),
  z.object({ ...eventBase, type: z.literal("rating"), value: z.number().min(0).max(10) }),
]);
export type EventInput = z.infer<typeof eventInput>;

/** The envelope is validated strictly; each event is validated on its own (bad ones never block good ones). */
export const ingestEventsRequest = z.object({
  events: z.array(z.unknown()).min(1).max(MAX_BATCH),
});

export const eventResult = z.discriminatedUnion("status", [
  z.object({ index: z.number().int(), eventId: z.string().optional(), status: z.literal("accepted") }),
  z.object({ index: z.number().int(), eventId: z.string().optional(), status: z.literal("duplicate") }),
  z.object({
    index: z.number().int(),
    eventId: z.string().optional(),
    status: z.literal("rejected"),
    field: z.string(),
    reason: z.string(),
  }),
]);
export type EventResult = z.infer<typeof eventResult>;

export const ingestEventsResponse = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  results: z.array(eventResult),
});
export type IngestEventsResponse = z.infer<typeof ingestEventsResponse>;
