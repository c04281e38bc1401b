// Dead letters: every rejected event is written to `rejected_events` with the field, the reason
// and the payload as received, so that nothing a client sent disappears silently (the console's
// Events page lists them). Rejections are not deduplicated: each rejected delivery is a row.
//
// Two sources: the API's validation (`writeDeadLetters`), and the stream consumers' poison entries
// (`writeStreamDeadLetters`: events a consumer group failed to process after repeated deliveries,
// see consumerRunner.ts; field `consumer:<group>`, the reason names the deliveries and the error).
import type { Database } from "@cascade/db";
import type { DeadLetterBatch } from "./consumerRunner.ts";
import type { SqlQueryable } from "./offlineLogConsumer.ts";
import { findUnstorableStrings, toStorableJson } from "../../postgres/storableValues.ts";

export type Rejection = { index: number; eventId: string | undefined; field: string; reason: string; payload: unknown };

/**
 * Dead letters keep the payload as received, down to this depth; deeper values are replaced by a
 * marker string. A hostile event nested 20,000 levels deep would otherwise overflow the stack of
 * JSON.stringify (and PostgreSQL's jsonb parser), failing the whole request with a 500.
 */
export const DEAD_LETTER_MAX_DEPTH = 32;
const TOO_DEEP = `[nested deeper than ${DEAD_LETTER_MAX_DEPTH} levels: not kept]`;

/** The payload with depth bounded (recursion ≤ DEAD_LETTER_MAX_DEPTH), then made storable in jsonb. */
export function storablePayload(payload: unknown): unknown {
  const bound = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== "object") return node;
    if (depth >= DEAD_LETTER_MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(node)) return node.map((child) => bound(child, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(node)) copy[key] = bound((node as Record<string, unknown>)[key], depth + 1);
    return copy;
  };
  return toStorableJson(bound(payload, 0));
}

/** Field and reason can quote what the client sent (a context key with a NUL): text PostgreSQL can store. */
function storableText(text: string): string {
  return toStorableJson(text) as string;
}

export async function writeDeadLetters(db: Database, rejections: readonly Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  await db.$executeRaw`
    INSERT INTO rejected_events (event_id, field, reason, payload)
    SELECT * FROM unnest(
      ${rejections.map((rejection) => storableEventId(rejection.eventId))}::text[],
      ${rejections.map((rejection) => storableText(rejection.field))}::text[],
      ${rejections.map((rejection) => storableText(rejection.reason))}::text[],
      ${rejections.map((rejection) => JSON.stringify(storablePayload(rejection.payload)))}::jsonb[]
    )`;
}

/** Dead letters keep the event id when it can be stored as is; the payload keeps everything else. */
function storableEventId(eventId: string | undefined): string | null {
  if (eventId === undefined || eventId.length > 256 || findUnstorableStrings(eventId).length > 0) return null;
  return eventId;
}

/** A poison stream entry's failing events, one row each (plain SQL: the consumers use a pg pool of their own). */
export async function writeStreamDeadLetters(db: SqlQueryable, dead: DeadLetterBatch): Promise<void> {
  if (dead.failed.length === 0) return;
  const field = `consumer:${dead.group}`;
  const prefix = `stream entry ${dead.entry.partition}/${dead.entry.id} failed ${dead.deliveries} deliveries to consumer group "${dead.group}"`;
  await db.query(
    `INSERT INTO rejected_events (event_id, field, reason, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])`,
    [
      dead.failed.map(({ event }) => storableEventId(event?.eventId)),
      dead.failed.map(() => field),
      dead.failed.map(({ reason }) => `${prefix}: ${reason}`.slice(0, 2_000)),
      dead.failed.map(({ event }) =>
        JSON.stringify(storablePayload(event ?? { streamEntry: `${dead.entry.partition}/${dead.entry.id}`, json: dead.json ?? null })),
      ),
    ],
  );
}
