import type { EventType } from "./events.ts";

/**
 * An accepted event as it travels on the event stream, from `POST /v1/events` to every consumer
 * (offline log, real-time features, metrics). It is the validated `EventInput` with the timestamp
 * parsed once, at ingestion, so that every consumer sees the very same instant:
 * - `occurredAt`: when it happened (the client's `timestamp`), epoch milliseconds; sub-millisecond
 *   digits are truncated, and the event log stores this same millisecond;
 * - `receivedAt`: when the engine accepted it, epoch milliseconds (freshness is measured from here).
 * Optional fields are absent, never null. `value` is present only for watch (seconds), purchase
 * (value) and rating (score).
 */
export type StreamEvent = {
  eventId: string;
  type: EventType;
  userId: string;
  itemId: string;
  occurredAt: number;
  value?: number;
  requestId?: string;
  position?: number;
  surface?: string;
  propensity?: number;
  context?: Record<string, string | number | boolean>;
  receivedAt: number;
};
