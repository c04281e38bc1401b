// An experiment's per-user outcomes, computed from stored data only (the exposure log and the event
// log), so the same rows always give the same results. One row per exposed unit: the user's events
// from their exposure on (and up to the experiment's stop, if stopped), counted by type. The
// statistics (Welch on per-user values, the delta method on per-user (clicks, impressions) pairs)
// need the per-user values, not only sums, so they are returned as columns per variant.
//
// Bounded: at most `maxUnits` exposed units are read (in unit order); `truncated` says when more
// exist. One query, one pass over the experiment's exposures joined to the events by
// (user_id, occurred_at), which the events_user_id_occurred_at index serves.
import type { Database } from "./client.ts";

export const outcomeMetrics = ["impressions", "clicks", "likes", "watchSeconds", "purchases", "revenue", "negativeFeedback"] as const;
export type OutcomeMetric = (typeof outcomeMetrics)[number];

/** One variant's exposed units: for each metric, one value per unit (same unit order in every column). */
export type VariantOutcomes = { variantId: string; units: number; perUser: Record<OutcomeMetric, number[]> };

export type ExperimentOutcomes = { variants: VariantOutcomes[]; truncated: boolean };

type OutcomeRow = { variant_id: string } & Record<OutcomeMetric, number>;

export const DEFAULT_MAX_UNITS = 1_000_000;

export async function experimentOutcomes(
  db: Database,
  experiment: { id: string; stoppedAt: Date | null },
  options: { maxUnits?: number } = {},
): Promise<ExperimentOutcomes> {
  const maxUnits = options.maxUnits ?? DEFAULT_MAX_UNITS;
  const rows = await db.$queryRaw<OutcomeRow[]>`
    WITH units AS (
      SELECT variant_id, unit_id, exposed_at
      FROM exposures
      WHERE experiment_id = ${experiment.id}
      ORDER BY unit_id
      LIMIT ${maxUnits + 1}
    )
    SELECT u.variant_id,
      (count(*) FILTER (WHERE e.type = 'impression'))::float8 AS "impressions",
      (count(*) FILTER (WHERE e.type = 'click'))::float8 AS "clicks",
      (count(*) FILTER (WHERE e.type = 'like'))::float8 AS "likes",
      COALESCE(sum(e.value) FILTER (WHERE e.type = 'watch'), 0)::float8 AS "watchSeconds",
      (count(*) FILTER (WHERE e.type = 'purchase'))::float8 AS "purchases",
      COALESCE(sum(e.value) FILTER (WHERE e.type = 'purchase'), 0)::float8 AS "revenue",
      (count(*) FILTER (WHERE e.type IN ('hide', 'dislike')))::float8 AS "negativeFeedback"
    FROM units u
    LEFT JOIN events e
      ON e.user_id = u.unit_id
     AND e.occurred_at >= u.exposed_at
     AND e.occurred_at <= COALESCE(${experiment.stoppedAt}::timestamptz, 'infinity'::timestamptz)
    GROUP BY u.variant_id, u.unit_id
    ORDER BY u.unit_id`;

  const truncated = rows.length > maxUnits;
  const byVariant = new Map<string, VariantOutcomes>();
  for (const row of truncated ? rows.slice(0, maxUnits) : rows) {
    let variant = byVariant.get(row.variant_id);
    if (!variant) {
      variant = {
        variantId: row.variant_id,
        units: 0,
        perUser: Object.fromEntries(outcomeMetrics.map((metric) => [metric, [] as number[]])) as Record<OutcomeMetric, number[]>,
      };
      byVariant.set(row.variant_id, variant);
    }
    variant.units += 1;
    for (const metric of outcomeMetrics) variant.perUser[metric].push(Number(row[metric]));
  }
  return { variants: [...byVariant.values()], truncated };
}
