// Per-variant serving health for experiment guardrails (latency p50/p99, degraded and error rates):
// each served request under an experiment is counted in memory per (experiment, phase, variant,
// UTC minute) — requests, degraded, errors and a latency histogram over core's fixed buckets
// (LATENCY_BUCKET_BOUNDS_MS) — and flushed every `flushEveryMs` (default 10 s) into
// experiment_serving_minutes with one INSERT … ON CONFLICT DO UPDATE that adds the counts and the
// histograms element-wise, so rows from every replica and every flush add up. The analysis
// (experimentAnalysis.ts) merges the minutes per variant.
//
// Never in the caller's way: record() is synchronous, allocation-light and never throws; a failed
// flush is logged and its counts are kept for the next one. Memory is bounded: at most
// `maxPendingRows` (experiment, phase, variant, minute) rows wait; samples for new rows beyond that
// are dropped and counted (stats().dropped). The timer is unref'd; call stop() on shutdown to flush
// what is left.
import { LATENCY_BUCKET_BOUNDS_MS, latencyBucket } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";

export type ServedArm = { experimentId: string; phase: number; variantId: string };
export type ServingOutcome = "ok" | "degraded" | "error";

export type ServingMinutesOptions = {
  /** How often pending counts are written (ms). Default 10 000. */
  flushEveryMs?: number;
  /** Most (experiment, phase, variant, minute) rows kept in memory between flushes. Default 10 000. */
  maxPendingRows?: number;
  /** The clock (tests). */
  now?: () => number;
};

type PendingRow = ServedArm & { bucketStart: number; requests: number; degraded: number; errors: number; latencyCounts: number[] };

const BUCKETS = LATENCY_BUCKET_BOUNDS_MS.length + 1;

const FLUSH_SQL = `
  INSERT INTO experiment_serving_minutes AS m (experiment_id, phase, variant_id, bucket_start, requests, degraded, errors, latency_counts)
  SELECT experiment_id, phase, variant_id, 'epoch'::timestamptz + bucket_ms * interval '1 millisecond', requests, degraded, errors, latency_counts
  FROM json_to_recordset($1::json) AS batch(experiment_id text, phase int4, variant_id text, bucket_ms int8, requests int4, degraded int4, errors int4,
                                          latency_counts int4[])
  ORDER BY experiment_id, phase, variant_id, bucket_ms
  ON CONFLICT (experiment_id, phase, variant_id, bucket_start) DO UPDATE SET
    requests = m.requests + excluded.requests,
    degraded = m.degraded + excluded.degraded,
    errors = m.errors + excluded.errors,
    latency_counts = (
      SELECT array_agg(coalesce(stored, 0) + coalesce(added, 0) ORDER BY bucket)
      FROM unnest(m.latency_counts, excluded.latency_counts) WITH ORDINALITY AS counts(stored, added, bucket)
    )`;

export class ServingMinutes {
  private pending = new Map<string, PendingRow>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  private readonly flushEveryMs: number;
  private readonly maxPendingRows: number;
  private readonly now: () => number;
  private readonly counters = { flushes: 0, failures: 0, rowsWritten: 0, dropped: 0 };
  private stopped = false;

  constructor(
    private readonly db: Pick<Database, "$executeRawUnsafe">,
    private readonly logger: Pick<Logger, "warn">,
    options: ServingMinutesOptions = {},
  ) {
    this.flushEveryMs = options.flushEveryMs ?? 10_000;
    this.maxPendingRows = options.maxPendingRows ?? 10_000;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  /** Counts one served request of an experiment's variant. Never throws. */
  record(served: ServedArm, latencyMs: number, outcome: ServingOutcome): void {
    try {
      const bucketStart = Math.floor(this.now() / 60_000) * 60_000;
      const key = `${served.experimentId}\u0000${served.phase}\u0000${served.variantId}\u0000${bucketStart}`;
      let row = this.pending.get(key);
      if (!row) {
        if (this.pending.size >= this.maxPendingRows) {
          this.counters.dropped += 1;
          return;
        }
        row = {
          experimentId: served.experimentId,
          phase: served.phase,
          variantId: served.variantId,
          bucketStart,
          requests: 0,
          degraded: 0,
          errors: 0,
          latencyCounts: new Array<number>(BUCKETS).fill(0),
        };
        this.pending.set(key, row);
      }
      row.requests += 1;
      if (outcome === "degraded") row.degraded += 1;
      if (outcome === "error") row.errors += 1;
      row.latencyCounts[latencyBucket(Number.isFinite(latencyMs) ? Math.max(0, latencyMs) : Number.MAX_VALUE)]! += 1;
    } catch (error) {
      this.logger.warn({ err: error }, "serving minute not recorded");
    }
  }

  /** Writes what is pending (waits for a flush in progress first). Never rejects. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const rows = this.pending;
    this.pending = new Map();
    this.flushing = this.write(rows).finally(() => (this.flushing = null));
    await this.flushing;
  }

  /** Stops the timer and flushes what is left (shutdown). */
  async stop(): Promise<void> {
    if (!this.stopped) clearInterval(this.timer);
    this.stopped = true;
    await this.flush();
  }

  stats(): { pendingRows: number; flushes: number; failures: number; rowsWritten: number; dropped: number } {
    return { pendingRows: this.pending.size, ...this.counters };
  }

  private async write(rows: Map<string, PendingRow>): Promise<void> {
    const batch = [...rows.values()].map((row) => ({
      experiment_id: row.experimentId,
      phase: row.phase,
      variant_id: row.variantId,
      bucket_ms: row.bucketStart,
      requests: row.requests,
      degraded: row.degraded,
      errors: row.errors,
      latency_counts: row.latencyCounts,
    }));
    try {
      await this.db.$executeRawUnsafe(FLUSH_SQL, JSON.stringify(batch));
      this.counters.flushes += 1;
      this.counters.rowsWritten += batch.length;
    } catch (error) {
      this.counters.failures += 1;
      this.logger.warn({ err: error, rows: batch.length }, "serving minutes not written; kept for the next flush");
      // Merge back into what was recorded meanwhile, within the bound.
      for (const [key, row] of rows) {
        const current = this.pending.get(key);
        if (current) {
          current.requests += row.requests;
          current.degraded += row.degraded;
          current.errors += row.errors;
          row.latencyCounts.forEach((count, index) => (current.latencyCounts[index]! += count));
        } else if (this.pending.size < this.maxPendingRows) this.pending.set(key, row);
        else this.counters.dropped += row.requests;
      }
    }
  }
}
