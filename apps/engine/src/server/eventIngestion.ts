// Event ingestion: every event gets its own verdict (accepted, duplicate, rejected) and a bad event
// never blocks the good ones. The semantics are documented in routes/events.ts.
//
// Two steps: `screenEvents` (pure: contract, storability, clock skew) and `ingestEvents` (one
// transaction: unknown items, duplicates, implicit users, insert, dead letters).
import { eventInput, type EventInput, type EventResult, type IngestEventsResponse } from "@cascade/core";
import type { Database } from "@cascade/db";
import { dottedPath } from "./errors.ts";
import { findUnstorableStrings, timestampProblem, toStorableJson } from "./storableValues.ts";
import { compareIds, WRITE_TRANSACTION_OPTIONS } from "./writeTransactions.ts";

/** Client clocks drift; an event stamped further ahead than this is a bug (and would skew time decay). */
export const MAX_FUTURE_SKEW_MS = 60 * 60_000;

export type ValidEvent = { index: number; event: EventInput };
export type Rejection = { index: number; eventId: string | undefined; field: string; reason: string; payload: unknown };

/** The contract and storability checks, per event, with no database. */
export function screenEvents(rawEvents: readonly unknown[], now: Date): { valid: ValidEvent[]; rejected: Rejection[] } {
  const valid: ValidEvent[] = [];
  const rejected: Rejection[] = [];
  rawEvents.forEach((payload, index) => {
    const eventId = rawEventId(payload);
    const reject = (field: string, reason: string) => rejected.push({ index, eventId, field, reason, payload });
    const parsed = eventInput.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      reject(issue.path.length === 0 ? "event" : dottedPath(issue.path), issue.message);
      return;
    }
    const unstorable = findUnstorableStrings(parsed.data)[0];
    if (unstorable) return reject(unstorable.path, unstorable.message);
    const badTimestamp = timestampProblem(parsed.data.timestamp);
    if (badTimestamp) return reject("timestamp", badTimestamp);
    if (Date.parse(parsed.data.timestamp) - now.getTime() > MAX_FUTURE_SKEW_MS) {
      return reject("timestamp", `is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future`);
    }
    valid.push({ index, event: parsed.data });
  });
  return { valid, rejected };
}

function rawEventId(payload: unknown): string | undefined {
  const eventId = (payload as { eventId?: unknown } | null)?.eventId;
  return typeof eventId === "string" ? eventId : undefined;
}

export async function ingestEvents(db: Database, rawEvents: readonly unknown[], now = new Date()): Promise<IngestEventsResponse> {
  const { valid, rejected } = screenEvents(rawEvents, now);
  const duplicateIndexes: number[] = [];
  const acceptedIndexes: number[] = [];

  await db.$transaction(async (tx) => {
    const itemIds = [...new Set(valid.map(({ event }) => event.itemId))];
    const knownItems =
      itemIds.length === 0
        ? new Set<string>()
        : new Set((await tx.$queryRaw<{ id: string }[]>`SELECT id FROM items WHERE id = ANY(${itemIds}::text[])`).map((row) => row.id));

    // First occurrence of an eventId in the batch wins; later ones are duplicates.
    const firstByEventId = new Map<string, ValidEvent>();
    for (const candidate of valid) {
      if (!knownItems.has(candidate.event.itemId)) {
        rejected.push({ index: candidate.index, eventId: candidate.event.eventId, field: "itemId", reason: "unknown item", payload: rawEvents[candidate.index] });
      } else if (firstByEventId.has(candidate.event.eventId)) {
        duplicateIndexes.push(candidate.index);
      } else {
        firstByEventId.set(candidate.event.eventId, candidate);
      }
    }
    // Sorted by key so concurrent batches lock in the same order (no deadlocks).
    const toInsert = [...firstByEventId.values()].sort((a, b) => compareIds(a.event.eventId, b.event.eventId));

    if (toInsert.length > 0) {
      const userIds = [...new Set(toInsert.map(({ event }) => event.userId))].sort(compareIds);
      await tx.$executeRaw`
        INSERT INTO users (id) SELECT id FROM unnest(${userIds}::text[]) AS input(id)
        ON CONFLICT (id) DO NOTHING`;
      const events = toInsert.map(({ event }) => event);
      // DO NOTHING + RETURNING: the ids that come back were new; the others were already stored
      // (an earlier delivery, or a concurrent request that committed first).
      const inserted = await tx.$queryRaw<{ eventId: string }[]>`
        INSERT INTO events (event_id, type, user_id, item_id, occurred_at, value, request_id, position, surface, propensity, context)
        SELECT * FROM unnest(
          ${events.map((event) => event.eventId)}::text[],
          ${events.map((event) => event.type)}::text[]::"EventType"[],
          ${events.map((event) => event.userId)}::text[],
          ${events.map((event) => event.itemId)}::text[],
          ${events.map((event) => event.timestamp)}::timestamptz[],
          ${events.map((event) => ("value" in event ? event.value : null))}::float8[],
          ${events.map((event) => event.requestId ?? null)}::text[],
          ${events.map((event) => event.position ?? null)}::int[],
          ${events.map((event) => event.surface ?? null)}::text[],
          ${events.map((event) => event.propensity ?? null)}::float8[],
          ${events.map((event) => (event.context === undefined ? null : JSON.stringify(event.context)))}::jsonb[]
        )
        ON CONFLICT (event_id) DO NOTHING
        RETURNING event_id AS "eventId"`;
      const insertedIds = new Set(inserted.map((row) => row.eventId));
      for (const { index, event } of toInsert) (insertedIds.has(event.eventId) ? acceptedIndexes : duplicateIndexes).push(index);
    }

    if (rejected.length > 0) {
      await tx.$executeRaw`
        INSERT INTO rejected_events (event_id, field, reason, payload)
        SELECT * FROM unnest(
          ${rejected.map((rejection) => storableEventId(rejection.eventId))}::text[],
          ${rejected.map((rejection) => rejection.field)}::text[],
          ${rejected.map((rejection) => rejection.reason)}::text[],
          ${rejected.map((rejection) => JSON.stringify(toStorableJson(rejection.payload)))}::jsonb[]
        )`;
    }
  }, WRITE_TRANSACTION_OPTIONS);

  const results: EventResult[] = new Array(rawEvents.length);
  for (const index of acceptedIndexes) results[index] = { index, eventId: rawEventId(rawEvents[index]), status: "accepted" };
  for (const index of duplicateIndexes) results[index] = { index, eventId: rawEventId(rawEvents[index]), status: "duplicate" };
  for (const { index, eventId, field, reason } of rejected) results[index] = { index, eventId, status: "rejected", field, reason };
  return { accepted: acceptedIndexes.length, duplicates: duplicateIndexes.length, rejected: rejected.length, results };
}

/** Dead letters keep the event id when it can be stored as is; the payload keeps everything else. */
function storableEventId(eventId: string | undefined): string | null {
  if (eventId === undefined || eventId.length > 256 || findUnstorableStrings(eventId).length > 0) return null;
  return eventId;
}
