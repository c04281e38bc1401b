// An accepted EventInput as it goes on the stream: the timestamp parsed once (so every consumer
// and the event log agree on the millisecond), optional fields absent rather than undefined (so
// the JSON on the stream stays small and decodes to the same object).
import type { EventInput, StreamEvent } from "@cascade/core";

export function toStreamEvent(event: EventInput, occurredAt: number, receivedAt: number): StreamEvent {
  const streamEvent: StreamEvent = { eventId: event.eventId, type: event.type, userId: event.userId, itemId: event.itemId, occurredAt, receivedAt };
  if ("value" in event && event.value !== undefined) streamEvent.value = event.value;
  if (event.requestId !== undefined) streamEvent.requestId = event.requestId;
  if (event.position !== undefined) streamEvent.position = event.position;
  if (event.surface !== undefined) streamEvent.surface = event.surface;
  if (event.propensity !== undefined) streamEvent.propensity = event.propensity;
  if (event.context !== undefined) streamEvent.context = event.context;
  return streamEvent;
}
