// The offline-log consumer: writes stream batches to the PostgreSQL event log (`events`, the
// source of truth for training), creates the users they name, and maintains the per-minute
// metrics rollups — all in ONE statement, hence one transaction:
//
//   input            the batch, one JSON parameter unpacked by json_to_recordset
//   new_users        INSERT … ON CONFLICT (id) DO NOTHING          (users appear through events)
//   inserted         INSERT INTO events … ON CONFLICT (event_id) DO NOTHING RETURNING …
//   facts            the rollup dimensions of the *newly inserted* events only
//   new_rollup_users INSERT INTO metric_rollup_users … ON CONFLICT DO NOTHING RETURNING …
//   rollups          INSERT INTO metric_rollups … ON CONFLICT DO UPDATE SET n = n + excluded.n
//   exposed          the newly inserted events joined to the experiment exposures they count for
//   unit_days        INSERT INTO experiment_unit_days … ON CONFLICT DO UPDATE (adds)
//   variant_items    INSERT INTO experiment_variant_items … ON CONFLICT DO NOTHING
//   source_clicks    INSERT INTO experiment_source_clicks … ON CONFLICT DO UPDATE (adds)
//
// Why that makes the sinks exactly-once under at-least-once delivery: an event's row and its
// contribution to the rollups commit together or not at all, and a redelivered event is not in
// `inserted` (its event_id exists), so it adds nothing. The same holds for distinct users: a user
// counts for a bucket only when its (bucket, user) row is new. A batch that fails mid-way rolls
// back whole and is redelivered.
//
// Rollup dimensions: surface (events without one: ""), experiment and variant from the event's
// `context.experiment` / `context.variant` (absent: ""), and the UTC minute of `occurredAt`
// (event time: a late event updates its own minute). Measures: impressions, clicks, likes,
// shares, hides (hide and dislike), purchases, purchase value (sum of purchase values), watch
// seconds (sum of watch values), distinct users. Ratings count in no measure.
//
// Experiment rollups (what experiment results read, @cascade/db/experimentResults): an event counts
// for every exposure of its user (exposures.user_id) in the experiment's current phase when it
// occurred at or after the exposure and not after the experiment's (or the unit's variant's) stop.
// Per (experiment, phase, unit, UTC day of occurredAt): impressions, clicks, likes, watch seconds,
// purchases, revenue (purchase values), negative feedback (hide + dislike); an event of any type
// makes the unit-day row exist (retention reads "any activity" from it). Per variant: the distinct
// items impressed (catalogue coverage) and clicks by the event's `context.source` ("" if absent).
// An event consumed before its user's exposure row was committed is not counted here;
// rebuildExperimentRollups (@cascade/db/experimentResults) recomputes an experiment's rollups
// from the logs with the same rules.
//
// Concurrency: consumers of several partitions (and replicas) write at once. Each statement writes
// its rows in key order, table after table in a fixed order, so two statements lock shared rows
// (users, rollup minutes, experiment rollups: users, events, metric_rollup_users, metric_rollups,
// experiment_unit_days, experiment_variant_items, experiment_source_clicks — the order the final
// SELECT pulls them in) in the same order and wait for each other instead of deadlocking. A
// failure (deadlock, connection loss) fails the batch, which is then redelivered.
//
// It talks to PostgreSQL through a small pg pool of its own rather than Prisma: at 10k+ events/s
// Prisma's per-query work on a large parameter (copying it through its query compiler) cost more
// CPU than the rest of the consumer. The SQL is plain and the consumer is then independent of the
// HTTP app's client, ready to run in a process of its own.
import type { StreamEvent } from "@cascade/core";
import pg from "pg";
import { SOURCE_CLICKS_SELECT, UNIT_DAY_COLUMNS, UNIT_DAY_SELECT, VARIANT_ITEMS_SELECT } from "@cascade/db/experimentRollupSql";
import type { StreamEntry } from "../stream/eventStream.ts";
import type { Logger } from "pino";

export type EventLogWrite = {
  /** Events newly stored. */
  inserted: number;
  /** Events whose event_id was already stored (redelivery, or a duplicate past the dedup window): dropped. */
  duplicates: number;
};

/** What the writer needs of a connection: a pg Pool or Client. */
export type SqlQueryable = { query<Row extends object>(text: string, values?: unknown[]): Promise<{ rows: Row[] }> };

/**
 * The consumer's pool. Runners beyond `size` wait for a connection (that is the concurrency cap),
 * so the wait allowed is generous; a statement stuck for a minute is cancelled (and redelivered).
 */
export function createEventLogPool(databaseUrl: string, size: number, logger: Pick<Logger, "warn">): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: size, connectionTimeoutMillis: 60_000, statement_timeout: 60_000 });
  // An idle connection dropped by the server must not crash the process; the next batch reconnects.
  pool.on("error", (error) => logger.warn({ err: error }, "event log: idle database connection failed"));
  return pool;
}

export async function writeToEventLog(db: SqlQueryable, events: readonly StreamEvent[]): Promise<EventLogWrite> {
  return writeJsonToEventLog(db, JSON.stringify(events));
}

/**
 * The same, from the batch as JSON text (an array of StreamEvent). The batch travels as ONE json
 * parameter, unpacked by json_to_recordset: no per-element escaping in JavaScript, and the stream
 * consumer passes the text it read from Redis without decoding it at all.
 */
export async function writeJsonToEventLog(db: SqlQueryable, eventsJson: string): Promise<EventLogWrite> {
  const { rows } = await db.query<{ received: number; inserted: number }>(EVENT_LOG_SQL, [eventsJson]);
  const received = rows[0]?.received ?? 0;
  const inserted = rows[0]?.inserted ?? 0;
  return { inserted, duplicates: received - inserted };
}

/** The entries' events as one JSON array, reusing each entry's text when the stream has it. */
export function entriesJson(entries: readonly StreamEntry[]): string {
  const parts: string[] = [];
  for (const entry of entries) {
    const json = entry.json ?? JSON.stringify(entry.events);
    // "[a,b]" → "a,b"; empty arrays add nothing.
    if (json.length > 2) parts.push(json.slice(1, -1));
  }
  return `[${parts.join(",")}]`;
}

const EVENT_LOG_SQL = `
    WITH input AS (
      SELECT "eventId" AS event_id, type, "userId" AS user_id, "itemId" AS item_id, "occurredAt" AS occurred_ms,
             "receivedAt" AS received_ms, value, "requestId" AS request_id, position, surface, propensity, context
      FROM json_to_recordset($1::json) AS batch(
        "eventId" text, type text, "userId" text, "itemId" text, "occurredAt" int8, "receivedAt" int8, value float8,
        "requestId" text, position int4, surface text, propensity float8, context jsonb)
    ),
    new_users AS (
      INSERT INTO users (id)
      SELECT DISTINCT user_id FROM input ORDER BY 1
      ON CONFLICT (id) DO NOTHING
      RETURNING 1
    ),
    inserted AS (
      INSERT INTO events (event_id, type, user_id, item_id, occurred_at, received_at, value, request_id, position, surface, propensity, context)
      SELECT event_id, type::"EventType", user_id, item_id,
             'epoch'::timestamptz + occurred_ms * interval '1 millisecond',
             'epoch'::timestamptz + received_ms * interval '1 millisecond',
             value, request_id, position, surface, propensity, context
      FROM input ORDER BY event_id
      ON CONFLICT (event_id) DO NOTHING
      RETURNING type, user_id, item_id, occurred_at, value, surface, context
    ),
    facts AS (
      SELECT coalesce(surface, '') AS surface,
             coalesce(context->>'experiment', '') AS experiment_key,
             coalesce(context->>'variant', '') AS variant_key,
             date_trunc('minute', occurred_at, 'UTC') AS bucket_start,
             user_id, type, value
      FROM inserted
    ),
    new_rollup_users AS (
      INSERT INTO metric_rollup_users (surface, experiment_key, variant_key, bucket_start, user_id)
      SELECT DISTINCT surface, experiment_key, variant_key, bucket_start, user_id FROM facts ORDER BY 1, 2, 3, 4, 5
      ON CONFLICT DO NOTHING
      RETURNING surface, experiment_key, variant_key, bucket_start
    ),
    new_user_counts AS (
      SELECT surface, experiment_key, variant_key, bucket_start, count(*)::int AS users
      FROM new_rollup_users GROUP BY 1, 2, 3, 4
    ),
    rollups AS (
      INSERT INTO metric_rollups AS rollup (surface, experiment_key, variant_key, bucket_start, impressions, clicks, likes, shares, hides,
                                            purchases, purchase_value, watch_seconds, distinct_users, updated_at)
      SELECT facts.surface, facts.experiment_key, facts.variant_key, facts.bucket_start,
             count(*) FILTER (WHERE type = 'impression'),
             count(*) FILTER (WHERE type = 'click'),
             count(*) FILTER (WHERE type = 'like'),
             count(*) FILTER (WHERE type = 'share'),
             count(*) FILTER (WHERE type IN ('hide', 'dislike')),
             count(*) FILTER (WHERE type = 'purchase'),
             coalesce(sum(value) FILTER (WHERE type = 'purchase'), 0),
             coalesce(sum(value) FILTER (WHERE type = 'watch'), 0),
             coalesce(max(new_user_counts.users), 0),
             now()
      FROM facts
      LEFT JOIN new_user_counts USING (surface, experiment_key, variant_key, bucket_start)
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2, 3, 4
      ON CONFLICT (surface, experiment_key, variant_key, bucket_start) DO UPDATE SET
        impressions = rollup.impressions + excluded.impressions,
        clicks = rollup.clicks + excluded.clicks,
        likes = rollup.likes + excluded.likes,
        shares = rollup.shares + excluded.shares,
        hides = rollup.hides + excluded.hides,
        purchases = rollup.purchases + excluded.purchases,
        purchase_value = rollup.purchase_value + excluded.purchase_value,
        watch_seconds = rollup.watch_seconds + excluded.watch_seconds,
        distinct_users = rollup.distinct_users + excluded.distinct_users,
        updated_at = excluded.updated_at
      RETURNING 1
    ),
    exposed AS (
      SELECT x.experiment_id, x.phase, x.unit_id, x.variant_id, (i.occurred_at AT TIME ZONE 'UTC')::date AS day,
             i.type, i.value, i.item_id, coalesce(i.context->>'source', '') AS source
      FROM inserted i
      -- Looked up per event by exposures_user_id_idx (LATERAL, and OFFSET 0 so the planner cannot
      -- flatten it): never a scan of every exposure of the running experiments, which a hash join
      -- chose on stale statistics (O(exposures) per batch: 120 ms at 100k exposures).
      CROSS JOIN LATERAL (
        SELECT experiment_id, phase, unit_id, variant_id FROM exposures WHERE user_id = i.user_id AND exposed_at <= i.occurred_at OFFSET 0
      ) x
      JOIN experiments ex ON ex.id = x.experiment_id AND ex.phase = x.phase
      JOIN experiment_variants v ON v.id = x.variant_id
      WHERE (ex.stopped_at IS NULL OR i.occurred_at <= ex.stopped_at)
        AND (v.stopped_at IS NULL OR i.occurred_at <= v.stopped_at)
    ),
    unit_days AS (
      INSERT INTO experiment_unit_days AS unit_day (${UNIT_DAY_COLUMNS})
      ${UNIT_DAY_SELECT}
      ORDER BY 1, 2, 3, 4
      ON CONFLICT (experiment_id, phase, unit_id, day) DO UPDATE SET
        impressions = unit_day.impressions + excluded.impressions,
        clicks = unit_day.clicks + excluded.clicks,
        likes = unit_day.likes + excluded.likes,
        watch_seconds = unit_day.watch_seconds + excluded.watch_seconds,
        purchases = unit_day.purchases + excluded.purchases,
        revenue = unit_day.revenue + excluded.revenue,
        negative_feedback = unit_day.negative_feedback + excluded.negative_feedback
      RETURNING 1
    ),
    variant_items AS (
      INSERT INTO experiment_variant_items (experiment_id, phase, variant_id, item_id)
      ${VARIANT_ITEMS_SELECT} ORDER BY 1, 2, 3, 4
      ON CONFLICT DO NOTHING
      RETURNING 1
    ),
    source_clicks AS (
      INSERT INTO experiment_source_clicks AS source_click (experiment_id, phase, variant_id, source, clicks)
      ${SOURCE_CLICKS_SELECT} ORDER BY 1, 2, 3, 4
      ON CONFLICT (experiment_id, phase, variant_id, source) DO UPDATE SET clicks = source_click.clicks + excluded.clicks
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM input)::int AS received,
           (SELECT count(*) FROM inserted)::int AS inserted,
           (SELECT count(*) FROM new_users)::int AS new_users,
           (SELECT count(*) FROM rollups)::int AS rollups,
           (SELECT count(*) FROM unit_days)::int AS unit_days,
           (SELECT count(*) FROM variant_items)::int AS variant_items,
           (SELECT count(*) FROM source_clicks)::int AS source_clicks`;
