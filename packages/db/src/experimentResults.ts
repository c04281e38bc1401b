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

/**
 * The tables the engine's offline-log consumer keeps per experiment (apps/engine
 * events/consumers/offlineLogConsumer.ts), recomputed for the experiment's current phase from the
 * exposure log and the event log with the same rules: an event counts for each exposure of its
 * user when it occurred at or after the exposure and not after the experiment's (or the unit's
 * variant's) stop. For reproducibility, and to count events consumed before their user's exposure
 * row was committed (the consumer does not see those).
 *
 * The three rollup tables are locked (SHARE ROW EXCLUSIVE) for the transaction: consumers writing
 * any experiment's rollups wait until the rebuild commits, then add only events committed after it
 * (those it could not see), so nothing counts twice. Earlier phases' rows are left as they are.
 */
export async function rebuildExperimentRollups(
  db: Database,
  experimentId: string,
): Promise<{ phase: number; unitDays: number; items: number; sources: number }> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("LOCK TABLE experiment_unit_days, experiment_variant_items, experiment_source_clicks IN SHARE ROW EXCLUSIVE MODE");
      const [experiment] = await tx.$queryRaw<{ phase: number }[]>`SELECT phase FROM experiments WHERE id = ${experimentId}`;
      if (!experiment) throw new Error(`experiment ${experimentId} not found`);
      const { phase } = experiment;
      await tx.$executeRaw`DELETE FROM experiment_unit_days WHERE experiment_id = ${experimentId} AND phase = ${phase}`;
      await tx.$executeRaw`DELETE FROM experiment_variant_items WHERE experiment_id = ${experimentId} AND phase = ${phase}`;
      await tx.$executeRaw`DELETE FROM experiment_source_clicks WHERE experiment_id = ${experimentId} AND phase = ${phase}`;
      const [counts] = await tx.$queryRaw<{ unit_days: number; items: number; sources: number }[]>`
        WITH exposed AS MATERIALIZED (
          SELECT x.experiment_id, x.phase, x.unit_id, x.variant_id, (e.occurred_at AT TIME ZONE 'UTC')::date AS day,
                 e.type, e.value, e.item_id, coalesce(e.context->>'source', '') AS source
          FROM exposures x
          JOIN experiments ex ON ex.id = x.experiment_id AND ex.phase = x.phase
          JOIN experiment_variants v ON v.id = x.variant_id
          JOIN events e ON e.user_id = x.user_id AND e.occurred_at >= x.exposed_at
           AND (ex.stopped_at IS NULL OR e.occurred_at <= ex.stopped_at)
           AND (v.stopped_at IS NULL OR e.occurred_at <= v.stopped_at)
          WHERE x.experiment_id = ${experimentId} AND x.phase = ${phase}
        ),
        unit_days AS (
          INSERT INTO experiment_unit_days (experiment_id, phase, unit_id, day, variant_id, impressions, clicks, likes, watch_seconds,
                                            purchases, revenue, negative_feedback)
          SELECT experiment_id, phase, unit_id, day, variant_id,
                 count(*) FILTER (WHERE type = 'impression'),
                 count(*) FILTER (WHERE type = 'click'),
                 count(*) FILTER (WHERE type = 'like'),
                 coalesce(sum(value) FILTER (WHERE type = 'watch'), 0),
                 count(*) FILTER (WHERE type = 'purchase'),
                 coalesce(sum(value) FILTER (WHERE type = 'purchase'), 0),
                 count(*) FILTER (WHERE type IN ('hide', 'dislike'))
          FROM exposed
          GROUP BY 1, 2, 3, 4, 5
          RETURNING 1
        ),
        items AS (
          INSERT INTO experiment_variant_items (experiment_id, phase, variant_id, item_id)
          SELECT DISTINCT experiment_id, phase, variant_id, item_id FROM exposed WHERE type = 'impression'
          RETURNING 1
        ),
        sources AS (
          INSERT INTO experiment_source_clicks (experiment_id, phase, variant_id, source, clicks)
          SELECT experiment_id, phase, variant_id, source, count(*) FROM exposed WHERE type = 'click' GROUP BY 1, 2, 3, 4
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM unit_days)::int AS unit_days, (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM sources)::int AS sources`;
      return { phase, unitDays: counts?.unit_days ?? 0, items: counts?.items ?? 0, sources: counts?.sources ?? 0 };
    },
    { maxWait: 60_000, timeout: 600_000 },
  );
}
