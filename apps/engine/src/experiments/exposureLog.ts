// One exposure row per unit per experiment phase (the first page the unit was served under a variant):
// what the analysis counts from; and one row per unit, phase and UTC day it was served at all
// (experiment_exposure_days: daily exposed units). Written after the response, never awaited by it,
// in one statement; inserts that meet their keys do nothing, so replicas and retries cannot
// double-count. The (unit, day) pairs already written are remembered (bounded) so a returning unit
// costs one query a day. Each exposure row carries the user's pre-period: their per-metric totals in
// the 14 days before exposure (CUPED's covariate).
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { ServedVariant } from "./runningExperiments.ts";

/** Days of history before exposure summed into exposures.pre_period. */
export const PRE_PERIOD_DAYS = 14;

export class ExposureLog {
  private readonly written = new Set<string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly logger: Pick<Logger, "warn">,
    private readonly maxRemembered = 200_000,
  ) {}

  record(served: Pick<ServedVariant, "experimentId" | "variantId" | "phase">, unitId: string, userId: string, atMs: number): void {
    const day = new Date(atMs).toISOString().slice(0, 10);
    const key = `${served.experimentId}\u0000${served.phase}\u0000${unitId}\u0000${day}`;
    if (this.written.has(key)) return;
    if (this.written.size >= this.maxRemembered) this.written.clear();
    this.written.add(key);
    const at = new Date(atMs);
    // The user's per-metric totals in the PRE_PERIOD_DAYS before exposure (CUPED's covariate, keyed
    // like the catalogue's per-user metrics), read in the same statement from the events table by
    // its (user_id, occurred_at) index; skipped when the unit is already stored (another replica).
    const write = this.db.$executeRaw`
      WITH exposure_day AS (
        INSERT INTO experiment_exposure_days (experiment_id, phase, unit_id, day, variant_id)
        VALUES (${served.experimentId}, ${served.phase}, ${unitId}, ${day}::date, ${served.variantId})
        ON CONFLICT DO NOTHING
      )
      INSERT INTO exposures (experiment_id, phase, variant_id, unit_id, user_id, exposed_at, pre_period)
      SELECT ${served.experimentId}, ${served.phase}, ${served.variantId}, ${unitId}, ${userId}, ${at},
             jsonb_build_object(
               'impressions', count(*) FILTER (WHERE type = 'impression'),
               'clicks', count(*) FILTER (WHERE type = 'click'),
               'likes', count(*) FILTER (WHERE type = 'like'),
               'watch_seconds', coalesce(sum(value) FILTER (WHERE type = 'watch'), 0),
               'purchases', count(*) FILTER (WHERE type = 'purchase'),
               'revenue', coalesce(sum(value) FILTER (WHERE type = 'purchase'), 0),
               'negative_feedback', count(*) FILTER (WHERE type IN ('hide', 'dislike')))
      FROM events
      WHERE user_id = ${userId} AND occurred_at >= ${at}::timestamptz - make_interval(days => ${PRE_PERIOD_DAYS}) AND occurred_at < ${at}
        AND NOT EXISTS (SELECT 1 FROM exposures WHERE experiment_id = ${served.experimentId} AND phase = ${served.phase} AND unit_id = ${unitId})
      ON CONFLICT (experiment_id, phase, unit_id) DO NOTHING`.then(
      () => undefined,
      (error: unknown) => {
        this.written.delete(key); // a later request retries
        this.logger.warn({ err: error, experimentId: served.experimentId }, "exposure not recorded");
      },
    );
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Waits for the writes started so far (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
