// An experiment's outcomes for its current phase, read from stored data only: the exposure log and
// the rollups the engine's offline-log consumer writes with each event (experiment_unit_days,
// experiment_variant_items, experiment_source_clicks) and the serving minutes the engine flushes
// (experiment_serving_minutes), so the same rows always give the same results, and
// rebuildExperimentRollups (below) recomputes the event rollups from the event log.
//
// The statistics need per-variant sufficient statistics, not per-unit rows: for each per-user
// metric y (and its pre-period value x, CUPED's covariate) n, Σy, Σy², Σx, Σx², Σxy, and for CTR
// Σclicks·impressions; these are summed in SQL over one row per exposed unit, so memory does not
// grow with the units. Bounded: at most `maxUnits` exposed units are read (in unit order);
// `truncated` says when more exist. The timeline, coverage, source and serving reads are
// aggregates over the whole phase.
import type { Database } from "./client.ts";
import { Prisma } from "./generated/prisma/client.ts";
import { SOURCE_CLICKS_SELECT, UNIT_DAY_COLUMNS, UNIT_DAY_SELECT, VARIANT_ITEMS_SELECT } from "./experimentRollupSql.ts";

/** The per-user metrics (catalogue ids, experiment_unit_days columns, pre-period keys). */
export const perUserMetricIds = ["impressions", "clicks", "likes", "watch_seconds", "purchases", "revenue", "negative_feedback"] as const;
export type PerUserMetricId = (typeof perUserMetricIds)[number];

/** Sums over an arm's units of a metric y and its pre-period value x (0 for units without one). */
export type MetricSums = { sumY: number; sumYSquares: number; sumX: number; sumXSquares: number; sumXY: number };

export type RetentionCounts = {
  /** Units whose window ended before the analysis end (now, or the experiment's or the variant's stop). */
  eligible: number;
  /** Of those, units with any event in the window (d1: the UTC day after the exposure day; d7: days 1–7 after). */
  returned: number;
};

export type VariantOutcomes = {
  variantId: string;
  units: number;
  /** Units whose exposure row carries a pre-period (CUPED's covariate). */
  unitsWithPrePeriod: number;
  sums: Record<PerUserMetricId, MetricSums>;
  /** Σ clicks·impressions per unit: the covariance term of CTR's delta method. */
  sumClicksTimesImpressions: number;
  retention: { d1: RetentionCounts; d7: RetentionCounts };
};

export type ExperimentOutcomes = { variants: VariantOutcomes[]; truncated: boolean };

export const DEFAULT_MAX_UNITS = 1_000_000;

export type ExperimentPhase = { id: string; phase: number; stoppedAt: Date | null };

export type OutcomeOptions = {
  /** At most this many units (in unit order); default DEFAULT_MAX_UNITS. */
  maxUnits?: number;
  /** The analysis end for a running experiment (retention windows must end before it). */
  now?: Date;
  /**
   * Only units exposed up to this time, their events through its UTC day, retention windows ending
   * before it: the control as it stood when a treatment stopped, to compare like with like.
   */
  until?: Date;
  /** Only this variant's units. */
  variantId?: string;
};

type OutcomeRow = Record<string, number | string>;

/** The tables the results query joins per unit, whose statistics its plan depends on. */
const ANALYSED_TABLES = ["exposures", "experiment_unit_days"] as const;

/**
 * Analyses the per-unit tables when they changed a lot since their last ANALYZE. Planned on stale
 * statistics (a new experiment's tables, or a server with autovacuum off) the results query
 * nested-loops once per unit: over 5 minutes at 2,000 units, 47 ms after ANALYZE (measured by the
 * demo-world simulation). ANALYZE samples, so it costs milliseconds; with autovacuum keeping up
 * nothing is done. Returns the tables analysed.
 */
export async function refreshResultStatistics(db: Database): Promise<string[]> {
  const stale = await db.$queryRaw<{ table: string }[]>`
    SELECT relname::text AS "table" FROM pg_stat_user_tables
    WHERE relname = ANY(${[...ANALYSED_TABLES]}::text[])
      AND n_mod_since_analyze > greatest(500, 0.2 * greatest(n_live_tup - n_mod_since_analyze, 0))`;
  const tables = stale
    .map((row) => row.table)
    .filter((table): table is (typeof ANALYSED_TABLES)[number] => (ANALYSED_TABLES as readonly string[]).includes(table));
  // Names from the fixed list above, never from input.
  for (const table of tables) await db.$executeRawUnsafe(`ANALYZE ${table}`);
  return tables;
}

/** Per variant of the experiment's current phase: the sufficient statistics of its exposed units. */
export async function experimentOutcomes(db: Database, experiment: ExperimentPhase, options: OutcomeOptions = {}): Promise<ExperimentOutcomes> {
  await refreshResultStatistics(db);
  const maxUnits = options.maxUnits ?? DEFAULT_MAX_UNITS;
  const now = options.now ?? new Date();
  let end = experiment.stoppedAt && experiment.stoppedAt < now ? experiment.stoppedAt : now;
  if (options.until && options.until < end) end = options.until;
  const activity = perUserMetricIds.map((metric) => `sum(d.${metric})::float8 AS ${metric}`).join(", ");
  const perUnit = perUserMetricIds
    .map((metric) => `coalesce(a.${metric}, 0) AS y_${metric}, coalesce((u.pre_period->>'${metric}')::float8, 0) AS x_${metric}`)
    .join(", ");
  const sums = perUserMetricIds
    .map(
      (metric) =>
        `sum(y_${metric}) AS "${metric}.sumY", sum(y_${metric} * y_${metric}) AS "${metric}.sumYSquares", sum(x_${metric}) AS "${metric}.sumX", ` +
        `sum(x_${metric} * x_${metric}) AS "${metric}.sumXSquares", sum(x_${metric} * y_${metric}) AS "${metric}.sumXY"`,
    )
    .join(", ");
  const rows = await db.$queryRawUnsafe<OutcomeRow[]>(
    `
    WITH units AS MATERIALIZED (
      SELECT x.unit_id, x.variant_id, x.pre_period, (x.exposed_at AT TIME ZONE 'UTC')::date AS exposed_day,
             (least(coalesce(v.stopped_at, 'infinity'::timestamptz), $3::timestamptz) AT TIME ZONE 'UTC')::date AS end_day
      FROM exposures x
      JOIN experiment_variants v ON v.id = x.variant_id
      WHERE x.experiment_id = $1 AND x.phase = $2 AND x.exposed_at <= coalesce($5::timestamptz, 'infinity'::timestamptz)
        AND ($6::text IS NULL OR x.variant_id = $6::text)
      ORDER BY x.unit_id
      LIMIT $4
    ),
    activity AS (
      SELECT u.unit_id, ${activity},
             bool_or(d.day = u.exposed_day + 1) AS d1,
             bool_or(d.day BETWEEN u.exposed_day + 1 AND u.exposed_day + 7) AS d7
      FROM units u
      JOIN experiment_unit_days d ON d.experiment_id = $1 AND d.phase = $2 AND d.unit_id = u.unit_id
       AND d.day <= (coalesce($5::timestamptz, 'infinity'::timestamptz) AT TIME ZONE 'UTC')::date
      GROUP BY u.unit_id
    ),
    per_unit AS (
      SELECT u.variant_id, u.pre_period IS NOT NULL AS has_pre, ${perUnit},
             u.exposed_day + 1 < u.end_day AS d1_eligible, u.exposed_day + 7 < u.end_day AS d7_eligible,
             coalesce(a.d1, false) AS d1, coalesce(a.d7, false) AS d7
      FROM units u
      LEFT JOIN activity a USING (unit_id)
    )
    SELECT variant_id, count(*)::float8 AS units, (count(*) FILTER (WHERE has_pre))::float8 AS "unitsWithPrePeriod", ${sums},
           sum(y_clicks * y_impressions) AS "sumClicksTimesImpressions",
           (count(*) FILTER (WHERE d1_eligible))::float8 AS "d1.eligible", (count(*) FILTER (WHERE d1_eligible AND d1))::float8 AS "d1.returned",
           (count(*) FILTER (WHERE d7_eligible))::float8 AS "d7.eligible", (count(*) FILTER (WHERE d7_eligible AND d7))::float8 AS "d7.returned"
    FROM per_unit
    GROUP BY variant_id
    ORDER BY variant_id`,
    experiment.id,
    experiment.phase,
    end,
    maxUnits,
    options.until ?? null,
    options.variantId ?? null,
  );
  const [beyond] = await db.$queryRaw<{ more: boolean }[]>`
    SELECT EXISTS (
      SELECT 1 FROM exposures
      WHERE experiment_id = ${experiment.id} AND phase = ${experiment.phase}
        AND exposed_at <= coalesce(${options.until ?? null}::timestamptz, 'infinity'::timestamptz)
        AND (${options.variantId ?? null}::text IS NULL OR variant_id = ${options.variantId ?? null}::text)
      ORDER BY unit_id OFFSET ${maxUnits}) AS more`;

  const number = (row: OutcomeRow, key: string) => Number(row[key] ?? 0);
  return {
    truncated: beyond?.more ?? false,
    variants: rows.map((row) => ({
      variantId: String(row.variant_id),
      units: number(row, "units"),
      unitsWithPrePeriod: number(row, "unitsWithPrePeriod"),
      sums: Object.fromEntries(
        perUserMetricIds.map((metric) => [
          metric,
          {
            sumY: number(row, `${metric}.sumY`),
            sumYSquares: number(row, `${metric}.sumYSquares`),
            sumX: number(row, `${metric}.sumX`),
            sumXSquares: number(row, `${metric}.sumXSquares`),
            sumXY: number(row, `${metric}.sumXY`),
          },
        ]),
      ) as Record<PerUserMetricId, MetricSums>,
      sumClicksTimesImpressions: number(row, "sumClicksTimesImpressions"),
      retention: {
        d1: { eligible: number(row, "d1.eligible"), returned: number(row, "d1.returned") },
        d7: { eligible: number(row, "d7.eligible"), returned: number(row, "d7.returned") },
      },
    })),
  };
}

/** Units exposed per variant in the phase up to `until` (all when null). */
export async function experimentExposureCounts(db: Database, experiment: ExperimentPhase, until: Date | null): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ variant_id: string; units: number }[]>`
    SELECT variant_id, count(*)::int AS units FROM exposures
    WHERE experiment_id = ${experiment.id} AND phase = ${experiment.phase} AND exposed_at <= coalesce(${until}::timestamptz, 'infinity'::timestamptz)
    GROUP BY variant_id`;
  return new Map(rows.map((row) => [row.variant_id, row.units]));
}

/** Distinct items impressed per variant in the phase (catalogue coverage). */
export async function experimentCoverage(db: Database, experiment: ExperimentPhase): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ variant_id: string; items: number }[]>`
    SELECT variant_id, count(*)::int AS items FROM experiment_variant_items
    WHERE experiment_id = ${experiment.id} AND phase = ${experiment.phase} GROUP BY variant_id`;
  return new Map(rows.map((row) => [row.variant_id, row.items]));
}

/** Clicks per variant and candidate source ("" for clicks whose event named none), most clicked first. */
export async function experimentSourceClicks(db: Database, experiment: ExperimentPhase): Promise<{ variantId: string; source: string; clicks: number }[]> {
  const rows = await db.$queryRaw<{ variant_id: string; source: string; clicks: number }[]>`
    SELECT variant_id, source, clicks FROM experiment_source_clicks
    WHERE experiment_id = ${experiment.id} AND phase = ${experiment.phase} AND clicks > 0
    ORDER BY variant_id, clicks DESC, source`;
  return rows.map((row) => ({ variantId: row.variant_id, source: row.source, clicks: Number(row.clicks) }));
}

export type ServingTotals = { requests: number; degraded: number; errors: number; latencyCounts: number[] };

/**
 * Serving minutes per variant and UTC day (requests, degraded, errors, the latency histogram summed
 * element-wise), up to the experiment's and the variant's stop.
 */
export async function experimentServingDays(db: Database, experiment: ExperimentPhase): Promise<{ variantId: string; day: string; totals: ServingTotals }[]> {
  const where = `m.experiment_id = $1 AND m.phase = $2
      AND m.bucket_start <= least(coalesce(v.stopped_at, 'infinity'::timestamptz), coalesce($3::timestamptz, 'infinity'::timestamptz))`;
  const [counts, histograms] = await Promise.all([
    db.$queryRawUnsafe<{ variant_id: string; day: string; requests: number; degraded: number; errors: number }[]>(
      `SELECT m.variant_id, to_char((m.bucket_start AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
              sum(m.requests)::float8 AS requests, sum(m.degraded)::float8 AS degraded, sum(m.errors)::float8 AS errors
       FROM experiment_serving_minutes m JOIN experiment_variants v ON v.id = m.variant_id
       WHERE ${where}
       GROUP BY 1, 2`,
      experiment.id,
      experiment.phase,
      experiment.stoppedAt,
    ),
    db.$queryRawUnsafe<{ variant_id: string; day: string; bucket: number; count: number }[]>(
      `SELECT m.variant_id, to_char((m.bucket_start AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, c.bucket::int AS bucket, sum(c.count)::float8 AS count
       FROM experiment_serving_minutes m JOIN experiment_variants v ON v.id = m.variant_id
       CROSS JOIN LATERAL unnest(m.latency_counts) WITH ORDINALITY AS c(count, bucket)
       WHERE ${where}
       GROUP BY 1, 2, 3`,
      experiment.id,
      experiment.phase,
      experiment.stoppedAt,
    ),
  ]);
  const byKey = new Map<string, { variantId: string; day: string; totals: ServingTotals }>();
  for (const row of counts) {
    byKey.set(`${row.variant_id}/${row.day}`, {
      variantId: row.variant_id,
      day: row.day,
      totals: { requests: Number(row.requests), degraded: Number(row.degraded), errors: Number(row.errors), latencyCounts: [] },
    });
  }
  for (const row of histograms) {
    const entry = byKey.get(`${row.variant_id}/${row.day}`);
    if (!entry) continue;
    const index = row.bucket - 1; // WITH ORDINALITY counts from 1
    while (entry.totals.latencyCounts.length <= index) entry.totals.latencyCounts.push(0);
    entry.totals.latencyCounts[index] = Number(row.count);
  }
  return [...byKey.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.variantId < b.variantId ? -1 : 1));
}

export type TimelineDay = { variantId: string; day: string; exposures: number } & Record<PerUserMetricId, number>;

/**
 * Per variant and UTC day of the phase: units first exposed that day and the day's per-user metric
 * totals (each unit's events by the day they occurred). Cumulated by the caller for charts.
 */
export async function experimentDailyTotals(db: Database, experiment: ExperimentPhase): Promise<TimelineDay[]> {
  const columns = perUserMetricIds.map((metric) => `sum(${metric})::float8 AS ${metric}`).join(", ");
  const zeros = perUserMetricIds.map((metric) => `0::float8 AS ${metric}`).join(", ");
  const rows = await db.$queryRawUnsafe<({ variant_id: string; day: string; exposures: number } & Record<PerUserMetricId, number>)[]>(
    `WITH days AS (
       SELECT variant_id, day, 0::float8 AS exposures, ${columns}
       FROM experiment_unit_days WHERE experiment_id = $1 AND phase = $2 GROUP BY 1, 2
       UNION ALL
       SELECT variant_id, (exposed_at AT TIME ZONE 'UTC')::date AS day, count(*)::float8 AS exposures, ${zeros}
       FROM exposures WHERE experiment_id = $1 AND phase = $2 GROUP BY 1, 2
     )
     SELECT variant_id, to_char(day, 'YYYY-MM-DD') AS day, sum(exposures)::float8 AS exposures, ${columns}
     FROM days GROUP BY 1, 2 ORDER BY 2, 1`,
    experiment.id,
    experiment.phase,
  );
  return rows.map((row) => ({
    variantId: row.variant_id,
    day: row.day,
    exposures: Number(row.exposures),
    ...(Object.fromEntries(perUserMetricIds.map((metric) => [metric, Number(row[metric])])) as Record<PerUserMetricId, number>),
  }));
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
          INSERT INTO experiment_unit_days (${Prisma.raw(UNIT_DAY_COLUMNS)})
          ${Prisma.raw(UNIT_DAY_SELECT)}
          RETURNING 1
        ),
        items AS (
          INSERT INTO experiment_variant_items (experiment_id, phase, variant_id, item_id)
          ${Prisma.raw(VARIANT_ITEMS_SELECT)}
          RETURNING 1
        ),
        sources AS (
          INSERT INTO experiment_source_clicks (experiment_id, phase, variant_id, source, clicks)
          ${Prisma.raw(SOURCE_CLICKS_SELECT)}
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM unit_days)::int AS unit_days, (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM sources)::int AS sources`;
      return { phase, unitDays: counts?.unit_days ?? 0, items: counts?.items ?? 0, sources: counts?.sources ?? 0 };
    },
    { maxWait: 60_000, timeout: 600_000 },
  );
}
