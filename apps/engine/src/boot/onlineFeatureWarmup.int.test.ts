// Online features across restarts in embedded mode, against real PostgreSQL: a restart from the
// snapshot ends in exactly the state a full rebuild from the log gives, each event applied once
// (including events the live consumer applied before the snapshot but the log received after it,
// and log rows the live consumer never saw); a damaged or too old snapshot means a full rebuild.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrismaClient, type Database } from "@cascade/db";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FEATURE_FRESHNESS_KEY, LEDGER_NAME } from "../features/featureKeys.ts";
import { createItemCategoryCache } from "../features/itemCategories.ts";
import { readOnlineFeatures } from "../features/onlineFeatureReader.ts";
import { applyEventsToOnlineStore } from "../features/onlineFeatureWriter.ts";
import { backfillOnlineFeatures } from "../jobs/backfillOnlineFeatures.ts";
import { insertEvents, insertItems, type FixtureEvent } from "../jobs/testing/eventLogFixtures.ts";
import { createMemoryOnlineStore, type MemoryOnlineStore, type StoredEntry } from "../stores/memoryOnlineStore.ts";
import { dataClock, fixedClock } from "../platform/clock.ts";
import { OnlineFeatureWarmup, onlineStoreSnapshotFile, snapshotClockTag } from "./onlineFeatureWarmup.ts";

const RUN = `ow${Date.now().toString(36)}`;
const HOUR = 3_600_000;
const RETENTION = 48 * HOUR;

describe("online feature warm-up and snapshots (embedded mode)", () => {
  let db: Database;
  let dataDir: string;
  /** One clock for every store and replay, so states compare exactly (ledger times, TTLs). */
  let now = 0;
  let sequence = 0;
  const clock = () => now;
  const logger = pino({ level: "silent" });
  const itemCategories = () => createItemCategoryCache(db);

  const events = (count: number, user: string, type: FixtureEvent["type"] = "click"): FixtureEvent[] =>
    Array.from({ length: count }, () => {
      sequence += 1;
      return { eventId: `${RUN}-e${sequence}`, type, userId: `${RUN}-${user}`, itemId: `${RUN}-item${sequence % 3}`, occurredAt: now - 60_000 + sequence };
    });

  const warmup = (store: MemoryOnlineStore, overrides: Partial<ConstructorParameters<typeof OnlineFeatureWarmup>[0]> = {}) =>
    new OnlineFeatureWarmup({
      db,
      store,
      memoryStore: store,
      dataDir,
      snapshotIntervalMs: 3_600_000,
      ledgerRetentionMs: RETENTION,
      rebuildRedis: false,
      itemCategories: itemCategories(),
      logger,
      now: clock,
      ...overrides,
    });

  /** A fresh store warmed up from `dataDir` (snapshot or rebuild). */
  async function restart(): Promise<{ store: MemoryOnlineStore; features: OnlineFeatureWarmup }> {
    const store = createMemoryOnlineStore({ now: clock });
    const features = warmup(store);
    await features.loadSnapshot();
    await features.warmUp();
    return { store, features };
  }

  /** What a store rebuilt from the whole log, at the same clock, holds. */
  async function rebuiltFromScratch(): Promise<StoredEntry[]> {
    const store = createMemoryOnlineStore({ now: clock });
    await backfillOnlineFeatures(db, store, { to: new Date("9999-12-31T00:00:00Z"), now: () => new Date(now), itemCategories: itemCategories() });
    const entries = sorted(store);
    await store.close();
    return entries;
  }

  async function clicks(store: MemoryOnlineStore, user: string): Promise<number | undefined> {
    const [vector] = await readOnlineFeatures(
      store,
      { userId: `${RUN}-${user}`, itemIds: [`${RUN}-item0`], at: new Date(now) },
      { itemCategories: itemCategories() },
    );
    return vector!.features.user_clicks_5m;
  }

  beforeAll(async () => {
    db = createPrismaClient(process.env.TEST_DATABASE_URL!);
    await insertItems(db, { [`${RUN}-item0`]: "music", [`${RUN}-item1`]: "sports", [`${RUN}-item2`]: "news" });
  });

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "cascade-warmup-"));
    // Rows the log received before now (received_at is the database's clock).
    now = Date.now() + 1_000;
  });

  afterAll(async () => {
    await db.event.deleteMany({ where: { eventId: { startsWith: RUN } } });
    await db.$disconnect();
  });

  it("restarts from the snapshot plus the rows after it, each event applied exactly once", async () => {
    await insertEvents(db, events(5, "u1"));
    // First start: nothing on disk, the whole log is replayed.
    const first = await restart();
    expect(first.features.health()).toMatchObject({ status: "ready", source: "rebuild", progress: 1 });

    // While it runs: the live consumer applies 2 events whose log rows arrive only after the
    // snapshot (the log consumer lags); `cascade import` adds 3 rows the live consumer never sees.
    const lagging = events(2, "u1");
    await applyEventsToOnlineStore(first.store, lagging, new Date(now), { itemCategories: itemCategories() });
    await insertEvents(db, events(3, "u2"));
    now = Date.now() + 1_000;
    await first.features.snapshot({ catchUp: true, settleMs: 0 });
    expect(first.features.health().snapshotAt).toBe(new Date(now).toISOString());
    expect(await clicks(first.store, "u2")).toBe(3);
    await insertEvents(db, lagging);
    await first.features.stop();
    await first.store.close();

    // Stopped, then more events reach the log (an import while the engine is down).
    await insertEvents(db, events(4, "u3"));
    now = Date.now() + 1_000;
    const second = await restart();
    // The snapshot at stop() keeps the periodic one's watermark (it needs no database): `lagging`
    // (already applied) and u3's rows are replayed, `lagging` skipped by the ledger.
    expect(second.features.health()).toMatchObject({ status: "ready", source: "snapshot", eventsReplayed: 6 });
    expect(await clicks(second.store, "u1")).toBe(7);
    expect(await clicks(second.store, "u2")).toBe(3);
    expect(await clicks(second.store, "u3")).toBe(4);
    expect(sorted(second.store)).toEqual(await rebuiltFromScratch());
    await second.features.stop();
    await second.store.close();
  });

  it("replays rows past the watermark that the live consumer had already applied, without counting them twice", async () => {
    const first = await restart();
    const live = events(3, "u4");
    await applyEventsToOnlineStore(first.store, live, new Date(now), { itemCategories: itemCategories() });
    await first.features.snapshot({ catchUp: true, settleMs: 0 });
    // The log receives them after the snapshot, and the engine dies without a final snapshot.
    await insertEvents(db, live);
    await first.store.close();

    now = Date.now() + 1_000;
    const second = await restart();
    expect(second.features.health()).toMatchObject({ source: "snapshot", eventsReplayed: 3 });
    expect(await clicks(second.store, "u4")).toBe(3);
    expect(sorted(second.store)).toEqual(await rebuiltFromScratch());
    await second.store.close();
  });

  it("rebuilds from the whole log when the snapshot is damaged", async () => {
    await insertEvents(db, events(2, "u5"));
    const first = await restart();
    await first.features.stop();
    await first.store.close();
    await writeFile(onlineStoreSnapshotFile(dataDir), "garbage");

    const second = await restart();
    expect(second.features.health()).toMatchObject({ status: "ready", source: "rebuild" });
    expect(await clicks(second.store, "u5")).toBe(2);
    expect(sorted(second.store)).toEqual(await rebuiltFromScratch());
    await second.store.close();
  });

  it("rebuilds when the snapshot was kept under another kind of clock", async () => {
    await insertEvents(db, events(2, "u6"));
    const first = await restart();
    await first.features.stop();
    await first.store.close();

    // Same log, same definitions, but served as of a fixed instant now: a store whose keys were
    // swept at wall time is not the store a fixed clock would hold.
    const store = createMemoryOnlineStore({ now: clock });
    const features = warmup(store, { clock: fixedClock(now) });
    await features.loadSnapshot();
    await features.warmUp();
    expect(features.health()).toMatchObject({ status: "ready", source: "rebuild" });
    expect(await clicks(store, "u6")).toBe(2);
    await features.stop();
    await store.close();
    expect(snapshotClockTag(fixedClock(5))).toBe("fixed:5");
    expect(snapshotClockTag(dataClock(1, 2))).toBe("data");
  });

  it("rebuilds when the log's row at the watermark is another event (the snapshot belongs to another database)", async () => {
    await insertEvents(db, events(2, "u7"));
    const first = await restart();
    await first.features.stop();
    await first.store.close();
    const [head] = await db.$queryRaw<{ id: bigint; eventId: string }[]>`SELECT id, event_id AS "eventId" FROM events ORDER BY id DESC LIMIT 1`;
    await db.$executeRaw`UPDATE events SET event_id = ${`${RUN}-other`} WHERE id = ${head!.id}`;
    try {
      const second = await restart();
      expect(second.features.health().source).toBe("rebuild");
      await second.store.close();
    } finally {
      await db.$executeRaw`UPDATE events SET event_id = ${head!.eventId} WHERE id = ${head!.id}`;
    }
  });

  it("rebuilds when the snapshot is older than the ledger retention allows", async () => {
    await insertEvents(db, events(2, "u6"));
    const first = await restart();
    await first.features.stop();
    await first.store.close();

    now += RETENTION;
    const stale = await restart();
    expect(stale.features.health().source).toBe("rebuild");
    await stale.store.close();
  });

  it("turns snapshots off when the ledger would forget events before a catch-up replays them", async () => {
    const store = createMemoryOnlineStore({ now: clock });
    const features = warmup(store, { snapshotIntervalMs: 60 * 60_000, ledgerRetentionMs: 65 * 60_000 });
    await features.loadSnapshot();
    await features.warmUp();
    await features.stop();
    await expect(rm(onlineStoreSnapshotFile(dataDir))).rejects.toThrow(/ENOENT/);
    await store.close();
  });

  it("writes no snapshot when snapshots are off, and says it is warming until the replay ends", async () => {
    const store = createMemoryOnlineStore({ now: clock });
    const features = warmup(store, { snapshotIntervalMs: 0 });
    await features.loadSnapshot();
    expect(features.health()).toMatchObject({ status: "warming", source: "rebuild", eventsReplayed: 0, progress: 0 });
    await features.warmUp();
    expect(features.health()).toMatchObject({ status: "ready", progress: 1 });
    expect(features.health().eventsReplayed).toBeGreaterThan(0);
    await features.stop();
    await expect(rm(onlineStoreSnapshotFile(dataDir))).rejects.toThrow(/ENOENT/);
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });
});

/** The feature state: every key but the ledgers (bookkeeping of applied event ids, not features). */
function sorted(store: MemoryOnlineStore): StoredEntry[] {
  return [...store.exportEntries()]
    .filter((entry) => !entry.key.endsWith(`:${LEDGER_NAME}`))
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(normalize);
}

/**
 * An entry as feature state: values compared exactly; what records WHEN something was applied
 * (freshness stamps, expiry instants) differs between a restart and a rebuild run
 * at another moment, so only its presence is compared. Map order is insertion order, which differs
 * between replay paths: compared sorted. Decayed sums added in another order differ in the last
 * bit: values are compared to 12 significant digits.
 */
function normalize(entry: StoredEntry): StoredEntry {
  const byName = <T>(pairs: [string, T][]) => [...pairs].sort(([a], [b]) => (a < b ? -1 : 1));
  const expiresAt = entry.expiresAt === null ? null : 0;
  const recordsTimes = entry.key === FEATURE_FRESHNESS_KEY;
  switch (entry.kind) {
    case "hash":
      return { ...entry, expiresAt, fields: byName(entry.fields).map(([name, value]) => [name, recordsTimes ? 0 : significant(value)]) };
    case "sortedSet":
      return { ...entry, expiresAt, scores: byName(entry.scores).map(([member, score]) => [member, recordsTimes ? 0 : significant(score)]) };
    case "list":
      return { ...entry, expiresAt };
  }
}

function significant(value: number): number {
  return Number(value.toPrecision(12));
}
