// What the feature logic needs of an interaction event. The event stream's `StreamEvent`
// (@cascade/core) and a row of the Postgres event log both fit this shape, so the online writer and
// the offline replay feed the same definitions with the same values.
import type { EventType, StreamEvent } from "@cascade/core";

export type FeatureEvent = {
  /** Client event id: the unit of idempotency. */
  eventId: string;
  type: EventType;
  userId: string;
  itemId: string;
  /** When it happened (client clock), ms since the epoch. Feature time is event time. */
  occurredAt: number;
  /** Watch seconds, purchase value or rating, depending on the type. */
  value?: number | null;
};

/** Compile-time proof that the stream's events feed the writer as they are. */
export const streamEventIsFeatureEvent = (event: StreamEvent): FeatureEvent => event;
