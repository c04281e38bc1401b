// The popularity ranking: available items ordered by time-decayed engagement (popularityScore.ts),
// computed by one SQL aggregate over the event log and cached in memory as an immutable snapshot.
//
// Refresh policy: the first load happens at start (a request arriving before it waits for it); after
// that a background timer (at a random phase: platform/periodicTimer.ts) refreshes every
// `refreshIntervalMs` and requests only read the cached snapshot. A failed refresh keeps serving
// the previous snapshot and marks the ranking `degraded` until a refresh succeeds.
//
// Two ways to compute a snapshot:
//   incremental  the top items read from item_engagement, which triggers on the event log keep up
//                to date as events are written (migration 20261206081411_item_engagement): an
//                index scan of the best maxItems, never a pass over the log. Exact for decay (the
//                decay factor is common to every item, so ordering by the stored sum is ordering by
//                decayed engagement); the window keeps items with an event inside it, whose older
//                events still count at ≤ 2^(−window/half-life) of their weight (0.1% for popularity).
//                Used when asked (`incremental`), on the wall or data clock (the table holds the
//                log as of now), and for a half-life the table keeps.
//   log scan     one SQL aggregate over the window of the event log: any clock (replays "as of T"
//                see only events up to T), any half-life; the reference popularityScore.ts mirrors.
//
// Snapshots are identified by a digest of their content, so an unchanged ranking keeps its id. A
// superseded snapshot is retained for `snapshotRetentionMs`, which lets a pagination cursor finish
// walking the list it started on (and never see an item twice) across refreshes.
import { createHash } from "node:crypto";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { wallClock, type Clock } from "../platform/clock.ts";
import { startPeriodicTimer, type PeriodicTimer } from "../platform/periodicTimer.ts";
import { DEFAULT_POPULARITY_SCORING, ENGAGEMENT_WEIGHTS, RATING_NEUTRAL, RATING_POINTS_PER_WEIGHT, type PopularityScoring } from "./popularityScore.ts";

export type RankedItem = { readonly itemId: string; readonly score: number };

export type PopularitySnapshot = {
  readonly id: string;
  /** Best first; only items with a positive score that are available. */
  readonly items: readonly RankedItem[];
  readonly computedAt: Date;
  /** The time decay is measured from (the newest event at or before the clock's now); null when no item scored. */
  readonly referenceTime: Date | null;
};

export type PopularityRankingOptions = PopularityScoring & {
  /** Longest list kept (and so the deepest a client can page). */
  maxItems: number;
  refreshIntervalMs: number;
  snapshotRetentionMs: number;
  /** Business time the ranking is computed "as of" (platform/clock.ts); snapshot retention stays on the wall clock. */
  clock: Clock;
  /** Read the incrementally kept item_engagement table when it can answer (see above); default false: scan the log. */
  incremental: boolean;
};

export const DEFAULT_POPULARITY_RANKING_OPTIONS: PopularityRankingOptions = {
  ...DEFAULT_POPULARITY_SCORING,
  maxItems: 1_000,
  refreshIntervalMs: 60_000,
  snapshotRetentionMs: 30 * 60_000,
  clock: wallClock,
  incremental: false,
};

/** Rebase item_engagement when its base lags the newest event by this many half-lives (2^30 headroom is far inside float8). */
const REBASE_AFTER_HALF_LIVES = 30;

/** Bound on retained snapshots, whatever the retention time. */
const MAX_RETAINED_SNAPSHOTS = 64;

export class PopularityRanking {
  private readonly options: PopularityRankingOptions;
  private current: PopularitySnapshot | null = null;
  /** Superseded snapshots still reachable by cursors, with the time they were superseded. */
  private readonly retained = new Map<string, { snapshot: PopularitySnapshot; supersededAt: number }>();
  private inFlight: Promise<PopularitySnapshot> | null = null;
  private lastRefreshFailed = false;
  private timer: PeriodicTimer | null = null;

  constructor(
    private readonly db: Database,
    private readonly logger: Pick<Logger, "warn" | "debug">,
    options: Partial<PopularityRankingOptions> = {},
  ) {
    this.options = { ...DEFAULT_POPULARITY_RANKING_OPTIONS, ...options };
  }

  /** Starts the first load and the background refresh. Never throws: failures are logged and retried. */
  start(): void {
    if (this.timer) return;
    this.refreshInBackground();
    this.timer = startPeriodicTimer(() => this.refreshInBackground(), this.options.refreshIntervalMs);
  }

  /** Stops the timer and waits for a refresh in flight, so the database can be closed afterwards. */
  async stop(): Promise<void> {
    this.timer?.stop();
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
  }

  /** True while the served snapshot is older than the last (failed) refresh attempt. */
  get degraded(): boolean {
    return this.lastRefreshFailed;
  }

  /** The served snapshot; waits for the first load if there is none yet (and rejects if it fails). */
  async currentSnapshot(): Promise<PopularitySnapshot> {
    return this.current ?? this.refresh();
  }

  /** The current snapshot or a retained one, for cursors; undefined once it expired. */
  snapshotById(id: string): PopularitySnapshot | undefined {
    if (this.current?.id === id) return this.current;
    this.pruneRetained(Date.now());
    return this.retained.get(id)?.snapshot;
  }

  /** Recomputes now (joining a refresh already running) and returns the new snapshot. */
  refresh(): Promise<PopularitySnapshot> {
    this.inFlight ??= this.computeSnapshot()
      .then((snapshot) => {
        this.install(snapshot);
        this.lastRefreshFailed = false;
        return snapshot;
      })
      .catch((error: unknown) => {
        this.lastRefreshFailed = true;
        throw error;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private refreshInBackground(): void {
    this.refresh().catch((error: unknown) => {
      this.logger.warn({ err: error, servingSnapshot: this.current?.id ?? null }, "popularity refresh failed; serving the previous ranking");
    });
  }

  private install(snapshot: PopularitySnapshot): void {
    const previous = this.current;
    this.current = snapshot;
    const now = Date.now();
    this.retained.delete(snapshot.id);
    if (previous && previous.id !== snapshot.id) this.retained.set(previous.id, { snapshot: previous, supersededAt: now });
    this.pruneRetained(now);
  }

  private pruneRetained(now: number): void {
    for (const [id, { supersededAt }] of this.retained) {
      if (now - supersededAt > this.options.snapshotRetentionMs || this.retained.size > MAX_RETAINED_SNAPSHOTS) this.retained.delete(id);
    }
  }

  private async computeSnapshot(): Promise<PopularitySnapshot> {
    const { clock, incremental } = this.options;
    if (incremental && (clock.mode === "wall" || clock.mode === "data")) {
      const snapshot = await this.computeFromEngagement();
      if (snapshot) return snapshot;
    }
    return this.computeFromLog();
  }

  /** The snapshot from item_engagement; null when the table does not keep this half-life (or has no base yet). */
  private async computeFromEngagement(): Promise<PopularitySnapshot | null> {
    const { halfLifeMs, windowMs, maxItems } = this.options;
    const startedAt = Date.now();
    const asOf = new Date(this.options.clock.nowMs());
    const [state] = await this.db.$queryRaw<{ baseAt: Date | null; referenceTime: Date | null }[]>`
      SELECT b.base_at AS "baseAt", (SELECT max(occurred_at) FROM events WHERE occurred_at <= ${asOf}::timestamptz) AS "referenceTime"
      FROM engagement_bases b WHERE b.half_life_ms = ${halfLifeMs}::bigint`;
    if (!state?.baseAt) return null;
    const referenceTime = state.referenceTime;
    if (!referenceTime) return this.snapshotOf([], null, startedAt);
    if (referenceTime.getTime() - state.baseAt.getTime() > REBASE_AFTER_HALF_LIVES * halfLifeMs) await this.rebase(referenceTime);
    // Stored scores are relative to the half-life's base; the shift to the reference time (in
    // half-lives) is one number for every row, so the rescale is done here, not per row in SQL (the
    // migration's engagement_rescaled cost ~4 µs a row: a third of the trending refresh's time).
    const stored = await this.db.$queryRaw<{ itemId: string; stored: number; shift: number }[]>`
      SELECT g.item_id AS "itemId", g.score AS "stored",
             extract(epoch FROM (b.base_at - ${referenceTime}::timestamptz))::float8 * 1000 / b.half_life_ms AS "shift"
      FROM item_engagement g
      JOIN engagement_bases b ON b.half_life_ms = g.half_life_ms
      JOIN items i ON i.id = g.item_id AND i.available
      WHERE g.half_life_ms = ${halfLifeMs}::bigint
        AND g.score > 0
        AND g.last_event_at > ${referenceTime}::timestamptz - ${windowMs}::float8 * interval '1 millisecond'
      ORDER BY g.score DESC, g.item_id COLLATE "C" ASC
      LIMIT ${maxItems}::int`;
    const rows = stored.map((row) => ({ itemId: row.itemId, score: engagementRescaled(row.stored, row.shift) }));
    return this.snapshotOf(rows, referenceTime, startedAt);
  }

  /**
   * Moves the half-life's base to `to`: scores are rescaled by the same factor (ordering unchanged),
   * rows with no event in the last 60 half-lives go. Locks the base row first, as the triggers do.
   */
  private async rebase(to: Date): Promise<void> {
    const { halfLifeMs } = this.options;
    await this.db.$transaction(async (tx) => {
      const [base] = await tx.$queryRaw<{ baseAt: Date | null }[]>`
        SELECT base_at AS "baseAt" FROM engagement_bases WHERE half_life_ms = ${halfLifeMs}::bigint FOR UPDATE`;
      if (!base?.baseAt || to.getTime() - base.baseAt.getTime() <= REBASE_AFTER_HALF_LIVES * halfLifeMs) return; // another replica did it
      // The migration's engagement_rebase, which the triggers use too (the base row is already locked here).
      await tx.$executeRaw`SELECT engagement_rebase(${halfLifeMs}::bigint, ${to}::timestamptz)::text`;
    });
    this.logger.debug({ halfLifeMs, baseAt: to }, "item engagement rebased");
  }

  private snapshotOf(rows: readonly { itemId: string; score: number }[], referenceTime: Date | null, startedAt: number): PopularitySnapshot {
    const items = rows.map((row) => ({ itemId: row.itemId, score: row.score }));
    const snapshot: PopularitySnapshot = { id: snapshotDigest(items), items, computedAt: new Date(), referenceTime };
    this.logger.debug({ snapshot: snapshot.id, items: items.length, ms: Date.now() - startedAt }, "popularity ranking refreshed");
    return snapshot;
  }

  private async computeFromLog(): Promise<PopularitySnapshot> {
    const { halfLifeMs, windowMs, maxItems } = this.options;
    const weighted = Object.entries(ENGAGEMENT_WEIGHTS).filter(([, weight]) => weight !== 0);
    const types = [...weighted.map(([type]) => type), "rating"];
    const weights = [...weighted.map(([, weight]) => weight), 0];
    const startedAt = Date.now();
    // Decay is measured from the newest event at or before the clock's now: events after it do not
    // exist yet "as of" that time (and a bogus future timestamp cannot push every real event out of
    // the window), and a quiet period does not decay the whole list away. Never the database's
    // now(): on an imported historical log under a data or fixed clock, that would empty the list.
    // Types with weight 0 (impressions) are skipped by the join; ratings take their weight from their value.
    const asOf = new Date(this.options.clock.nowMs());
    const rows = await this.db.$queryRaw<{ itemId: string; score: number; referenceTime: Date }[]>`
      WITH reference AS (
        SELECT max(occurred_at) AS at FROM events WHERE occurred_at <= ${asOf}::timestamptz
      ),
      weights AS (
        SELECT * FROM unnest(${types}::text[], ${weights}::float8[]) AS w(type, weight)
      ),
      scored AS (
        SELECT e.item_id,
               sum(
                 CASE WHEN e.type = 'rating'
                      THEN (coalesce(e.value, ${RATING_NEUTRAL}::float8) - ${RATING_NEUTRAL}::float8) / ${RATING_POINTS_PER_WEIGHT}::float8
                      ELSE w.weight END
                 * power(0.5::float8, extract(epoch FROM (r.at - e.occurred_at))::float8 * 1000 / ${halfLifeMs}::float8)
               ) AS score
        FROM events e
        CROSS JOIN reference r
        JOIN weights w ON w.type = e.type::text
        WHERE e.occurred_at > r.at - ${windowMs}::float8 * interval '1 millisecond'
          AND e.occurred_at <= r.at
        GROUP BY e.item_id
      )
      SELECT s.item_id AS "itemId", s.score AS "score", (SELECT at FROM reference) AS "referenceTime"
      FROM scored s
      JOIN items i ON i.id = s.item_id AND i.available
      WHERE s.score > 0
      ORDER BY s.score DESC, s.item_id COLLATE "C" ASC
      LIMIT ${maxItems}::int`;
    return this.snapshotOf(rows, rows[0]?.referenceTime ?? null, startedAt);
  }
}

/**
 * score × 2^shift, on the logarithm as the migration's engagement_rescaled computes it: it never
 * overflows, and what would fall below 2^-1000 is 0.
 */
export function engagementRescaled(score: number, shiftHalfLives: number): number {
  if (score === 0) return 0;
  const exponent = Math.log2(Math.abs(score)) + shiftHalfLives;
  return exponent < -1000 ? 0 : Math.sign(score) * 2 ** Math.min(exponent, 1000);
}

function snapshotDigest(items: readonly RankedItem[]): string {
  const hash = createHash("sha256");
  for (const { itemId, score } of items) hash.update(`${itemId}\u0000${score}\n`);
  return hash.digest("base64url").slice(0, 16);
}
