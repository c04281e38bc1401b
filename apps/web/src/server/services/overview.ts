// Headline numbers for the Overview page. Exact counts (COUNT(*), not planner estimates): people
// compare them with their own queries.
import type { Database } from "@cascade/db";
import { z } from "zod";

export const overviewSchema = z.object({
  items: z.number().int(),
  availableItems: z.number().int(),
  users: z.number().int(),
  creators: z.number().int(),
  events: z.number().int(),
  /**
   * Events in the 24 hours up to the latest event. Anchored on the data rather than on the
   * clock, so that an imported or demo data set that ended last month still shows a last day.
   */
  eventsLast24h: z.number().int(),
  firstEventAt: z.date().nullable(),
  lastEventAt: z.date().nullable(),
});
export type Overview = z.infer<typeof overviewSchema>;

type OverviewRow = {
  items: bigint;
  available_items: bigint;
  users: bigint;
  creators: bigint;
  events: bigint;
  events_last_24h: bigint;
  first_event_at: Date | null;
  last_event_at: Date | null;
};

export async function getOverview(db: Database): Promise<Overview> {
  // One statement, so all numbers come from one snapshot (events_last_24h never exceeds events).
  // The event total sums event_counts (kept exact by triggers on events, updated in the inserting
  // transaction, so the snapshot sees both alike) instead of counting millions of rows. min/max use
  // the occurred_at index; the 24h count is an index range scan.
  const rows = await db.$queryRaw<OverviewRow[]>`
    WITH bounds AS (SELECT min(occurred_at) AS first_event_at, max(occurred_at) AS last_event_at FROM events)
    SELECT
      (SELECT count(*) FROM items)                  AS items,
      (SELECT count(*) FROM items WHERE available)  AS available_items,
      (SELECT count(*) FROM users)                  AS users,
      (SELECT count(*) FROM creators)               AS creators,
      (SELECT coalesce(sum(events), 0) FROM event_counts)::bigint AS events,
      (SELECT count(*) FROM events, bounds
        WHERE events.occurred_at > bounds.last_event_at - interval '24 hours') AS events_last_24h,
      bounds.first_event_at,
      bounds.last_event_at
    FROM bounds`;
  const row = rows[0];
  if (!row) throw new Error("overview query returned no row");
  return {
    items: Number(row.items),
    availableItems: Number(row.available_items),
    users: Number(row.users),
    creators: Number(row.creators),
    events: Number(row.events),
    eventsLast24h: Number(row.events_last_24h),
    firstEventAt: row.first_event_at,
    lastEventAt: row.last_event_at,
  };
}
