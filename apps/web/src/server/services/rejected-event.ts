// Dead letters (rejected_events): the engine writes one row per rejected event delivery, with the
// field and the reason, before it answers the client. The Events page lists the latest ones and
// groups them by (field, reason). Both read the received_at index, bounded by the page's range.
import type { Database } from "@cascade/db";
import { z } from "zod";
import { DEFAULT_EVENT_RANGE, eventRangeSchema, MAX_REJECTION_FILTER_LENGTH, resolveEventWindow } from "../../lib/event-range.ts";

/** The payload preview's length in characters; the full payload is one click away. */
export const PAYLOAD_PREVIEW_LENGTH = 160;

export const rejectedEventListInputSchema = z.object({
  range: eventRangeSchema.default(DEFAULT_EVENT_RANGE),
  /** Only rows with this field and reason (both or neither). */
  field: z.string().max(MAX_REJECTION_FILTER_LENGTH).default(""),
  reason: z.string().max(MAX_REJECTION_FILTER_LENGTH).default(""),
  limit: z.number().int().min(1).max(200).default(50),
});
export type RejectedEventListInput = z.infer<typeof rejectedEventListInputSchema>;

export const rejectedEventRowSchema = z.object({
  /** rejected_events.id (a bigint, as text). */
  id: z.string(),
  /** The client's event id, when it sent a storable one. */
  eventId: z.string().nullable(),
  field: z.string(),
  reason: z.string(),
  receivedAt: z.date(),
  /** The start of the payload as JSON text, cut at PAYLOAD_PREVIEW_LENGTH characters. */
  payloadPreview: z.string(),
  /** Length of the whole payload as JSON text, in characters. */
  payloadLength: z.number().int(),
});
export type RejectedEventRow = z.infer<typeof rejectedEventRowSchema>;

export const rejectedEventListSchema = z.object({
  from: z.date().nullable(),
  to: z.date(),
  /** Newest first. */
  rows: z.array(rejectedEventRowSchema),
  /** Rows matching in the window, over all pages. */
  total: z.number().int(),
});
export type RejectedEventList = z.infer<typeof rejectedEventListSchema>;

export const rejectedEventGetInputSchema = z.object({ id: z.string().regex(/^\d{1,19}$/, "an id is a number") });

export const rejectedEventDetailSchema = rejectedEventRowSchema.omit({ payloadPreview: true }).extend({
  /** The payload exactly as stored, pretty-printed. */
  payload: z.string(),
});
export type RejectedEventDetail = z.infer<typeof rejectedEventDetailSchema>;

type RejectedEventSqlRow = {
  id: bigint;
  event_id: string | null;
  field: string;
  reason: string;
  received_at: Date;
  payload_preview: string;
  payload_length: number;
};

export async function listRejectedEvents(db: Database, input: RejectedEventListInput, now = new Date()): Promise<RejectedEventList> {
  const window = resolveEventWindow(input.range, now);
  const from = window.from?.toISOString() ?? "-infinity";
  const to = window.to.toISOString();
  const filtered = input.field !== "" && input.reason !== "";
  // The preview is cut in SQL: payloads can be as large as a request body, and only their start
  // is shown. The tie-break on id keeps rows received in the same millisecond in a stable order.
  const [rows, counts] = await Promise.all([
    db.$queryRaw<RejectedEventSqlRow[]>`
      SELECT id, event_id, field, reason, received_at,
             left(payload::text, ${PAYLOAD_PREVIEW_LENGTH}) AS payload_preview,
             length(payload::text) AS payload_length
      FROM rejected_events
      WHERE received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz
        AND (NOT ${filtered} OR (field = ${input.field} AND reason = ${input.reason}))
      ORDER BY received_at DESC, id DESC
      LIMIT ${input.limit}`,
    db.$queryRaw<{ total: bigint }[]>`
      SELECT count(*) AS total
      FROM rejected_events
      WHERE received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz
        AND (NOT ${filtered} OR (field = ${input.field} AND reason = ${input.reason}))`,
  ]);
  return {
    from: window.from,
    to: window.to,
    rows: rows.map(toRow),
    total: Number(counts[0]?.total ?? 0),
  };
}

function toRow(row: RejectedEventSqlRow): RejectedEventRow {
  return {
    id: String(row.id),
    eventId: row.event_id,
    field: row.field,
    reason: row.reason,
    receivedAt: row.received_at,
    payloadPreview: row.payload_preview,
    payloadLength: Number(row.payload_length),
  };
}

const MAX_BIGINT_ID = 9_223_372_036_854_775_807n;

/** One dead letter with its whole payload, or null when there is no such row. */
export async function getRejectedEvent(db: Database, input: { id: string }): Promise<RejectedEventDetail | null> {
  const id = BigInt(input.id);
  if (id > MAX_BIGINT_ID) return null; // no bigint column holds it
  const rows = await db.$queryRaw<(Omit<RejectedEventSqlRow, "payload_preview"> & { payload: unknown })[]>`
    SELECT id, event_id, field, reason, received_at, payload, length(payload::text) AS payload_length
    FROM rejected_events
    WHERE id = ${id}`;
  const row = rows[0];
  if (!row) return null;
  return {
    id: String(row.id),
    eventId: row.event_id,
    field: row.field,
    reason: row.reason,
    receivedAt: row.received_at,
    payloadLength: Number(row.payload_length),
    payload: JSON.stringify(row.payload, null, 2),
  };
}
