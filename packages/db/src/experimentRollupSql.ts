// The experiment rollups' SQL that the engine's offline-log consumer (per batch, adding to existing
// rows) and rebuildExperimentRollups (per experiment, from the logs) share: which event types count
// as which per-unit metric, over a relation `exposed` with columns experiment_id, phase, unit_id,
// variant_id, day, type, value, item_id, source. Written once so the two can never count differently.
// Plain SQL text (no parameters): the consumer sends it through pg, the rebuild through Prisma.raw.

/** experiment_unit_days' key and measure columns, in the order UNIT_DAY_SELECT produces them. */
export const UNIT_DAY_COLUMNS =
  "experiment_id, phase, unit_id, day, variant_id, impressions, clicks, likes, watch_seconds, purchases, revenue, negative_feedback";

/** One row per (experiment, phase, unit, day) of `exposed`; an event of any type makes the row exist (retention reads it). */
export const UNIT_DAY_SELECT = `
  SELECT experiment_id, phase, unit_id, day, variant_id,
         count(*) FILTER (WHERE type = 'impression'),
         count(*) FILTER (WHERE type = 'click'),
         count(*) FILTER (WHERE type = 'like'),
         coalesce(sum(value) FILTER (WHERE type = 'watch'), 0),
         count(*) FILTER (WHERE type = 'purchase'),
         coalesce(sum(value) FILTER (WHERE type = 'purchase'), 0),
         count(*) FILTER (WHERE type IN ('hide', 'dislike'))
  FROM exposed
  GROUP BY 1, 2, 3, 4, 5`;

/** The distinct items each variant impressed (catalogue coverage). */
export const VARIANT_ITEMS_SELECT = "SELECT DISTINCT experiment_id, phase, variant_id, item_id FROM exposed WHERE type = 'impression'";

/** Clicks per variant by the event's context.source. */
export const SOURCE_CLICKS_SELECT = "SELECT experiment_id, phase, variant_id, source, count(*) FROM exposed WHERE type = 'click' GROUP BY 1, 2, 3, 4";
