// Dead letters grouped by (field, reason) over the Events page's range: what goes wrong most, and
// when it last happened. One GROUP BY over the received_at index range of rejected_events.
import type { Database } from "@cascade/db";
import { z } from "zod";
import { DEFAULT_EVENT_RANGE, eventRangeSchema, resolveEventWindow } from "../../lib/event-range.ts";

export const rejectionReasonListInputSchema = z.object({
  range: eventRangeSchema.default(DEFAULT_EVENT_RANGE),
  limit: z.number().int().min(1).max(500).default(100),
});
export type RejectionReasonListInput = z.infer<typeof rejectionReasonListInputSchema>;

export const rejectionReasonSchema = z.object({
  field: z.string(),
  reason: z.string(),
  count: z.number().int(),
  lastSeenAt: z.date(),
});
export type RejectionReason = z.infer<typeof rejectionReasonSchema>;

export const rejectionReasonListSchema = z.object({
  from: z.date().nullable(),
  to: z.date(),
  /** Most frequent first. */
  reasons: z.array(rejectionReasonSchema),
  /** Distinct (field, reason) pairs in the window, including those cut off by `limit`. */
  totalReasons: z.number().int(),
  /** Dead letters in the window. */
  total: z.number().int(),
});
export type RejectionReasonList = z.infer<typeof rejectionReasonListSchema>;

type ReasonSqlRow = { field: string; reason: string; count: bigint; last_seen_at: Date; total_reasons: bigint; total: bigint };

export async function listRejectionReasons(db: Database, input: RejectionReasonListInput, now = new Date()): Promise<RejectionReasonList> {
  const window = resolveEventWindow(input.range, now);
  const rows = await db.$queryRaw<ReasonSqlRow[]>`
    SELECT field, reason, count(*) AS count, max(received_at) AS last_seen_at,
           count(*) OVER () AS total_reasons,
           (sum(count(*)) OVER ())::int8 AS total
    FROM rejected_events
    WHERE received_at >= ${window.from?.toISOString() ?? "-infinity"}::timestamptz
      AND received_at < ${window.to.toISOString()}::timestamptz
    GROUP BY field, reason
    ORDER BY count DESC, last_seen_at DESC, field, reason
    LIMIT ${input.limit}`;
  return {
    from: window.from,
    to: window.to,
    reasons: rows.map((row) => ({
      field: row.field,
      reason: row.reason,
      count: Number(row.count),
      lastSeenAt: row.last_seen_at,
    })),
    totalReasons: Number(rows[0]?.total_reasons ?? 0),
    total: Number(rows[0]?.total ?? 0),
  };
}
