// Dead letters: every rejected event is written to `rejected_events` with the field, the reason
// and the payload as received, so that nothing a client sent disappears silently (the console's
// Events page lists them). Rejections are not deduplicated: each rejected delivery is a row.
import type { Database } from "@cascade/db";
import { findUnstorableStrings, toStorableJson } from "../server/storableValues.ts";

export type Rejection = { index: number; eventId: string | undefined; field: string; reason: string; payload: unknown };

export async function writeDeadLetters(db: Database, rejections: readonly Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  await db.$executeRaw`
    INSERT INTO rejected_events (event_id, field, reason, payload)
    SELECT * FROM unnest(
      ${rejections.map((rejection) => storableEventId(rejection.eventId))}::text[],
      ${rejections.map((rejection) => rejection.field)}::text[],
      ${rejections.map((rejection) => rejection.reason)}::text[],
      ${rejections.map((rejection) => JSON.stringify(toStorableJson(rejection.payload)))}::jsonb[]
    )`;
}

/** Dead letters keep the event id when it can be stored as is; the payload keeps everything else. */
function storableEventId(eventId: string | undefined): string | null {
  if (eventId === undefined || eventId.length > 256 || findUnstorableStrings(eventId).length > 0) return null;
  return eventId;
}
