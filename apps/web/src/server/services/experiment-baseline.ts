// The power estimate's starting point: what a surface's users did in the 14 days up to its latest
// event, from the event log (users with any event on the surface; not an experiment's exposures):
// the CTR as Σclicks / Σimpressions, and per-user mean and standard deviation of each per-user
// metric of the catalogue, plus how many distinct users were active on an average day.
import type { Database } from "@cascade/db";
import { z } from "zod";

export const BASELINE_DAYS = 14;

/** Per-user metrics of core's catalogue that the event log alone gives (events of one type, counted or summed). */
const PER_USER = {
  impressions: "count(*) FILTER (WHERE type = 'impression')",
  clicks: "count(*) FILTER (WHERE type = 'click')",
  likes: "count(*) FILTER (WHERE type = 'like')",
  watch_seconds: "coalesce(sum(value) FILTER (WHERE type = 'watch'), 0)",
  purchases: "count(*) FILTER (WHERE type = 'purchase')",
  revenue: "coalesce(sum(value) FILTER (WHERE type = 'purchase'), 0)",
  negative_feedback: "count(*) FILTER (WHERE type IN ('hide', 'dislike'))",
} as const;

export const experimentBaselineSchema = z.object({
  surface: z.string(),
  /** The window read: BASELINE_DAYS up to the surface's latest event; null when the surface has none. */
  from: z.date().nullable(),
  to: z.date().nullable(),
  users: z.number().int(),
  /** Distinct active users per day, averaged over the window's days. */
  dailyUsers: z.number(),
  /** Σclicks / Σimpressions; null without impressions. */
  ctr: z.number().nullable(),
  perUser: z.record(z.string(), z.object({ mean: z.number(), standardDeviation: z.number() })),
});
export type ExperimentBaseline = z.infer<typeof experimentBaselineSchema>;

export async function experimentBaseline(db: Database, surface: string): Promise<ExperimentBaseline> {
  const [bounds] = await db.$queryRaw<{ upto: Date | null }[]>`SELECT max(occurred_at) AS upto FROM events WHERE surface = ${surface}`;
  const upto = bounds?.upto ?? null;
  if (!upto) return { surface, from: null, to: null, users: 0, dailyUsers: 0, ctr: null, perUser: {} };
  const from = new Date(upto.getTime() - BASELINE_DAYS * 86_400_000);
  const columns = Object.entries(PER_USER)
    .map(([metric, expression]) => `${expression}::float8 AS "${metric}"`)
    .join(", ");
  const aggregates = Object.keys(PER_USER)
    .map((metric) => `avg("${metric}") AS "${metric}_mean", coalesce(stddev_samp("${metric}"), 0) AS "${metric}_sd", sum("${metric}") AS "${metric}_sum"`)
    .join(", ");
  // The column and aggregate lists are built from the constant table above; only the bounds are parameters.
  const rows = await db.$queryRawUnsafe<Record<string, number | bigint | null>[]>(
    `WITH window_events AS (
       SELECT user_id, type, value, occurred_at FROM events WHERE surface = $1 AND occurred_at > $2 AND occurred_at <= $3
     ), per_user AS (
       SELECT user_id, ${columns} FROM window_events GROUP BY user_id
     )
     SELECT count(*)::int AS users, ${aggregates},
            (SELECT count(DISTINCT (user_id, (occurred_at AT TIME ZONE 'UTC')::date)) FROM window_events)::float8 AS user_days
     FROM per_user`,
    surface,
    from,
    upto,
  );
  const row = rows[0] ?? {};
  const number = (key: string) => Number(row[key] ?? 0);
  const perUser: ExperimentBaseline["perUser"] = {};
  for (const metric of Object.keys(PER_USER)) perUser[metric] = { mean: number(`${metric}_mean`), standardDeviation: number(`${metric}_sd`) };
  const impressions = number("impressions_sum");
  return {
    surface,
    from,
    to: upto,
    users: number("users"),
    dailyUsers: number("user_days") / BASELINE_DAYS,
    ctr: impressions > 0 ? number("clicks_sum") / impressions : null,
    perUser,
  };
}
