// Online features at `cascade start`, and their persistence in embedded mode.
//
// Embedded (in-process store): the store is snapshotted to CASCADE_DATA_DIR/online-store every
// CASCADE_ONLINE_SNAPSHOT_INTERVAL_MS and at shutdown (stores/onlineStoreSnapshot.ts), with a
// watermark: every event-log row with id ≤ watermark is in the snapshot. At start the snapshot is
// loaded (before the event pipeline runs, so nothing live is overwritten) and only the rows after
// the watermark are replayed from the log; a missing, damaged, incompatible or too old snapshot
// means a replay of the whole log instead (logged, never a failed start).
//
// Why the watermark is exact: before each periodic snapshot the rows up to the new watermark are
// replayed through the same idempotent writer as the stream consumer. Rows the consumer already
// applied are skipped by the per-entity ledger; rows it had not (consumer lag, or `cascade import`
// run beside the engine) are applied now. The new watermark is the newest row received SETTLE_MS
// ago, so a log transaction still in flight cannot leave a smaller id behind it. The snapshot at
// shutdown keeps the last watermark and needs no database (Ctrl-C reaches the embedded PostgreSQL
// too): the rows after it are replayed at the next start, those already applied skipped.
// Why "too old" matters: at restart, the rows after the watermark that the consumer had applied
// before the snapshot are skipped only while their ledger entries live (CASCADE_FEATURE_LEDGER_RETENTION_MS,
// counted from when the watermark was set); past that they would count twice, so an older
// snapshot is rebuilt from the log instead.
//
// With Redis the features live in Redis across restarts; only a freshly loaded demo world (whose
// events never went through the stream) is replayed.
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { OnlineFeaturesHealth } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { wallClock, type Clock } from "../platform/clock.ts";
import { definitionDigest } from "../features/definitionDigest.ts";
import type { ItemCategoryLookup } from "../features/itemCategories.ts";
import { featureRegistry } from "../features/registry.ts";
import { backfillOnlineFeatures, latestEventLogId } from "../jobs/backfillOnlineFeatures.ts";
import type { MemoryOnlineStore } from "../stores/memoryOnlineStore.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { readOnlineStoreSnapshot, SnapshotUnusableError, writeOnlineStoreSnapshot } from "../stores/onlineStoreSnapshot.ts";

/** Rows received this recently are left for the next snapshot (an insert may still be committing). */
const SETTLE_MS = 30_000;
/** A snapshot must be younger than the ledger retention by this much to be replayed onto. */
const LEDGER_SAFETY_MS = 10 * 60_000;
/** Small pages keep each synchronous slice of the replay short, so requests interleave with it. */
const REPLAY_PAGE_SIZE = 250;
/** Past the newest event: a full rebuild reads every row, whatever its time. */
const END_OF_TIME = new Date("9999-12-31T00:00:00Z");

export const SNAPSHOT_FILE_NAME = "snapshot.jsonl.gz";

export type OnlineFeatureWarmupOptions = {
  db: Database;
  store: OnlineStore;
  /** The in-process store (embedded mode); null with Redis. */
  memoryStore: MemoryOnlineStore | null;
  /** CASCADE_DATA_DIR; the snapshot lives in its `online-store` folder. */
  dataDir: string;
  /** 0: no snapshots. */
  snapshotIntervalMs: number;
  ledgerRetentionMs: number;
  /** With Redis: replay the whole log anyway (a demo world was just loaded by COPY). */
  rebuildRedis: boolean;
  itemCategories?: ItemCategoryLookup;
  logger: Logger;
  /** Business time the replay writes features at (platform/clock.ts); default the wall clock. */
  clock?: Clock;
  /** Wall clock: watermark ages and the settle time (rows' received_at is wall time). */
  now?: () => number;
};

/** Digest of the feature definitions: a snapshot written under other definitions is rebuilt. */
export function featureDefinitionsDigest(): string {
  const digests = featureRegistry.features.map((feature) => `${feature.name}=${definitionDigest(feature)}`).sort();
  return createHash("sha256").update(digests.join("\n")).digest("hex").slice(0, 16);
}

/** A fixed clock's instant matters (state swept at T1 is not state at T2); a data clock's anchor moves with the log, its mode is enough. */
export function snapshotClockTag(clock: Clock): string {
  return clock.spec.mode === "fixed" ? `fixed:${clock.spec.atMs}` : clock.spec.mode;
}

export function onlineStoreSnapshotFile(dataDir: string): string {
  return join(dataDir, "online-store", SNAPSHOT_FILE_NAME);
}

export class OnlineFeatureWarmup {
  private readonly now: () => number;
  /** The replay's business time, as the writer wants it (a Date per page). */
  private readonly clock = () => new Date((this.options.clock ?? wallClock).nowMs());
  private readonly snapshotFile: string | null;
  /**
   * What a snapshot must have been written under to be loaded: the feature definitions, and the
   * kind of business clock. The in-process store sweeps expired keys at business time, so a store
   * kept under the wall clock has lost every windowed and decayed key of a 1998 log that a data
   * clock would serve (seen: a restart with CASCADE_CLOCK=data after a wall-clock run served
   * all-zero features until the snapshot was deleted).
   */
  private readonly features: string;
  private status: OnlineFeaturesHealth["status"] = "warming";
  private source: OnlineFeaturesHealth["source"];
  private replayed = 0;
  private replayTotal = 0;
  private snapshotAt: number | null = null;
  private failure: string | undefined;
  /** Every log row with id ≤ this is in the store (valid once ready); its event id; when it was set. */
  private watermark = { id: 0n, eventId: null as string | null, at: 0 };
  /** Where the replay started from (the loaded snapshot's watermark, or 0), and where it stops. */
  private replayRange: { after: bigint; through: bigint; at: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private snapshotting: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: OnlineFeatureWarmupOptions) {
    this.features = `${featureDefinitionsDigest()}@${snapshotClockTag(options.clock ?? wallClock)}`;
    this.now = options.now ?? Date.now;
    // A catch-up replays up to an interval (plus the settle time) of rows the consumer applied; the
    // ledger must still remember them, or they would count twice.
    const ledgerCoversInterval = options.snapshotIntervalMs + SETTLE_MS + LEDGER_SAFETY_MS < options.ledgerRetentionMs;
    if (options.memoryStore && options.snapshotIntervalMs > 0 && !ledgerCoversInterval) {
      options.logger.warn(
        { snapshotIntervalMs: options.snapshotIntervalMs, ledgerRetentionMs: options.ledgerRetentionMs },
        "online store snapshots off: CASCADE_ONLINE_SNAPSHOT_INTERVAL_MS must be shorter than CASCADE_FEATURE_LEDGER_RETENTION_MS minus 10.5 min",
      );
    }
    this.snapshotFile = options.memoryStore && options.snapshotIntervalMs > 0 && ledgerCoversInterval ? onlineStoreSnapshotFile(options.dataDir) : null;
    this.source = options.memoryStore ? "rebuild" : options.rebuildRedis ? "rebuild" : "redis";
    if (!options.memoryStore && !options.rebuildRedis) this.markReady();
  }

  /**
   * Loads the snapshot, if any (await this before the event pipeline starts: loading replaces the
   * store's contents). An unusable snapshot means a full replay; only a database failure throws.
   */
  async loadSnapshot(): Promise<void> {
    const { memoryStore, db, logger } = this.options;
    if (!memoryStore) return;
    const through = await latestEventLogId(db);
    this.replayRange = { after: 0n, through, at: this.now() };
    if (!this.snapshotFile) return;
    const began = performance.now();
    try {
      const { metadata, entries } = await readOnlineStoreSnapshot(this.snapshotFile, this.features);
      const watermark = BigInt(metadata.watermark);
      const ageMs = this.now() - metadata.watermarkAt;
      if (ageMs > this.options.ledgerRetentionMs - LEDGER_SAFETY_MS) {
        throw new SnapshotUnusableError(
          `its watermark is ${Math.round(ageMs / 60_000)} min old, beyond the feature ledger's retention: replaying would double count`,
          "too old",
        );
      }
      if (watermark > through)
        throw new SnapshotUnusableError(`its watermark (row ${watermark}) is past the event log's end (row ${through}): another database?`, "other log");
      if (watermark > 0n && (await eventIdAt(db, watermark)) !== metadata.watermarkEventId) {
        throw new SnapshotUnusableError(`the event log's row ${watermark} is not the event it recorded: another database?`, "other log");
      }
      memoryStore.importEntries(entries);
      this.source = "snapshot";
      this.snapshotAt = metadata.takenAt;
      this.replayRange = { after: watermark, through, at: this.replayRange.at };
      logger.info(
        { keys: entries.length, watermark: metadata.watermark, takenAt: new Date(metadata.takenAt).toISOString(), seconds: secondsSince(began) },
        "online features: snapshot loaded",
      );
    } catch (error) {
      if (!(error instanceof SnapshotUnusableError)) throw error;
      const log = error.reason === "missing" ? logger.info.bind(logger) : logger.warn.bind(logger);
      log({ reason: error.reason, detail: error.message }, "online features: no usable snapshot; rebuilding from the whole event log");
    }
  }

  /**
   * Brings the features up to date in the background: the rows after the snapshot (or the whole
   * log), then starts the periodic snapshots. Resolves when ready (or failed; never rejects).
   */
  async warmUp(): Promise<void> {
    const { db, store, logger } = this.options;
    if (this.status === "ready") return;
    const began = performance.now();
    const onPage = (applied: number, total: number) => {
      this.replayed = applied;
      this.replayTotal = total;
    };
    const categories = this.options.itemCategories ? { itemCategories: this.options.itemCategories } : {};
    try {
      let result;
      if (this.source === "snapshot" && this.replayRange) {
        logger.info({ afterRow: String(this.replayRange.after) }, "online features: replaying the events after the snapshot (background)");
        result = await backfillOnlineFeatures(db, store, {
          afterEventId: this.replayRange.after,
          throughEventId: this.replayRange.through,
          pageSize: REPLAY_PAGE_SIZE,
          onPage,
          now: this.clock,
          ...categories,
        });
      } else if (this.replayRange) {
        // An empty in-process store and the rows up to `through` only (the stream brings the later
        // ones): no ledger needed, which keeps the store (and its snapshots) free of ~2 ids per event.
        logger.info("online features: rebuilding from the whole event log (background)");
        result = await backfillOnlineFeatures(db, store, {
          afterEventId: 0n,
          throughEventId: this.replayRange.through,
          idempotent: false,
          pageSize: REPLAY_PAGE_SIZE,
          onPage,
          now: this.clock,
          ...categories,
        });
      } else {
        // Redis after a demo seed: the log by time, idempotently (Redis may hold part of it already).
        logger.info("online features: rebuilding from the whole event log (background)");
        result = await backfillOnlineFeatures(db, store, { to: END_OF_TIME, pageSize: REPLAY_PAGE_SIZE, onPage, now: this.clock, ...categories });
      }
      if (this.stopped) return;
      const through = this.replayRange?.through ?? 0n;
      this.watermark = { id: through, eventId: await eventIdAt(db, through), at: this.replayRange?.at ?? 0 };
      this.markReady();
      logger.info({ source: this.source, ...result, seconds: secondsSince(began) }, "online features ready");
      this.scheduleSnapshots();
    } catch (error) {
      if (this.stopped) return;
      this.status = "failed";
      this.failure = error instanceof Error ? error.message : String(error);
      logger.warn({ err: error }, "online feature warm-up stopped; features hold only part of the event log (restart to retry)");
    }
  }

  health(): OnlineFeaturesHealth {
    const progress = this.status === "ready" ? 1 : this.replayTotal > 0 ? Math.min(1, this.replayed / this.replayTotal) : 0;
    return {
      status: this.status,
      source: this.source,
      eventsReplayed: this.replayed,
      progress: Math.round(progress * 1000) / 1000,
      snapshotAt: this.snapshotAt === null ? null : new Date(this.snapshotAt).toISOString(),
      ...(this.failure
        ? { detail: this.failure }
        : this.status === "warming"
          ? { detail: "replaying the event log: features and recent items are incomplete until ready" }
          : {}),
    };
  }

  /**
   * Brings the store up to the newest row received `settleMs` ago (catchUp; else keeps the
   * watermark, touching no database) and writes a snapshot. Skipped while warming, or while
   * another snapshot runs.
   */
  snapshot(options: { catchUp: boolean; settleMs?: number } = { catchUp: true }): Promise<void> {
    if (this.snapshotting) return this.snapshotting;
    this.snapshotting = this.writeSnapshot(options.catchUp, options.settleMs ?? SETTLE_MS).finally(() => {
      this.snapshotting = null;
    });
    return this.snapshotting;
  }

  /** Stops the schedule and writes a last snapshot (call after the event pipeline stopped, before the store closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.snapshotting;
    if (this.snapshotFile && this.status === "ready") await this.snapshot({ catchUp: false });
    else if (this.snapshotFile) this.options.logger.info("online features were not ready: keeping the previous snapshot");
    this.stopped = true;
  }

  private async writeSnapshot(catchUp: boolean, settleMs: number): Promise<void> {
    const { db, store, memoryStore, logger } = this.options;
    if (!this.snapshotFile || !memoryStore || this.status !== "ready") return;
    const began = performance.now();
    try {
      let caughtUp = { events: 0, duplicates: 0 };
      if (catchUp) {
        const settledAt = this.now() - settleMs;
        const head = await settledEventLogHead(db, new Date(settledAt));
        if (head.id > this.watermark.id) {
          const categories = this.options.itemCategories ? { itemCategories: this.options.itemCategories } : {};
          caughtUp = await backfillOnlineFeatures(db, store, {
            afterEventId: this.watermark.id,
            throughEventId: head.id,
            pageSize: REPLAY_PAGE_SIZE,
            now: this.clock,
            ...categories,
          });
          this.watermark = { id: head.id, eventId: head.eventId, at: settledAt };
        }
      }
      const takenAt = this.now();
      const { id, eventId, at } = this.watermark;
      const written = await writeOnlineStoreSnapshot(this.snapshotFile, memoryStore, {
        takenAt,
        watermark: String(id),
        watermarkEventId: eventId,
        watermarkAt: at,
        features: this.features,
      });
      this.snapshotAt = takenAt;
      logger.info(
        { ...written, watermark: String(id), caughtUp: caughtUp.events, alreadyApplied: caughtUp.duplicates, seconds: secondsSince(began) },
        "online features: snapshot written",
      );
    } catch (error) {
      logger.warn({ err: error }, "online features: snapshot failed (the previous one is kept)");
    }
  }

  private scheduleSnapshots(): void {
    if (!this.snapshotFile || this.stopped) return;
    this.timer = setInterval(() => void this.snapshot(), this.options.snapshotIntervalMs);
    this.timer.unref();
  }

  private markReady(): void {
    this.status = "ready";
    this.failure = undefined;
  }
}

/** The newest row received at or before `settledBy` (id 0 when none). */
async function settledEventLogHead(db: Database, settledBy: Date): Promise<{ id: bigint; eventId: string | null }> {
  const [row] = await db.$queryRaw<{ id: bigint; eventId: string }[]>`
    SELECT id, event_id AS "eventId" FROM events WHERE received_at <= ${settledBy}::timestamptz ORDER BY id DESC LIMIT 1`;
  return row ? { id: row.id, eventId: row.eventId } : { id: 0n, eventId: null };
}

async function eventIdAt(db: Database, id: bigint): Promise<string | null> {
  if (id === 0n) return null;
  const [row] = await db.$queryRaw<{ eventId: string }[]>`SELECT event_id AS "eventId" FROM events WHERE id = ${id}::bigint`;
  return row?.eventId ?? null;
}

function secondsSince(began: number): number {
  return Math.round(performance.now() - began) / 1000;
}
