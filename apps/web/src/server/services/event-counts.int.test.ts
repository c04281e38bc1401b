// The console's event counts come from event_counts (kept by triggers on events), not from scans of
// events. Every number served must equal the same count computed by scanning events — after a
// batch insert, a COPY, an UPDATE, a DELETE, two concurrent inserting transactions, and a TRUNCATE.
import { createPrismaClient, createSeedFactories, type Database, EventType } from "@cascade/db";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET_ORIGIN, EVENT_RANGES, resolveEventWindow } from "../../lib/event-range.ts";
import { listEventVolume, MAX_PLOTTED_DAYS } from "./event-volume.ts";
import { getIngestRate } from "./ingest-rate.ts";
import { getOverview } from "./overview.ts";

const factories = createSeedFactories(`evcount${Math.random().toString(36).slice(2, 8)}`);
const prefix = factories.prefix;
const HOUR = 3_600_000;
// "Now" for the ingest chart: late enough that the windows hold only this file's events, and not
// on an hour boundary, so the last hour is partial (read from events, not event_counts).
const now = new Date("2230-05-17T09:41:07.250Z");
const TYPES = Object.values(EventType);

let db: Database;
let pool: pg.Pool;

/** Deterministic spread: occurred over ~10 days before `now`, received 0–4 h later (some after `now`). */
function eventsFor(batch: string, count: number, salt: number) {
  return Array.from({ length: count }, (_, index) => {
    const step = (index * 7919 + salt * 104_729) % 997;
    const occurredAt = new Date(now.getTime() - step * 15 * 60_000 - (index % 60) * 61_000);
    const receivedAt = new Date(occurredAt.getTime() + (index % 5) * HOUR + (index % 7) * 60_000);
    return { ...factories.buildEvent({ eventId: `${prefix}-${batch}-${index}`, type: TYPES[(index + salt) % TYPES.length]!, occurredAt }), receivedAt };
  });
}

async function scalar(sql: string, params: unknown[] = []): Promise<number> {
  const result = await pool.query<{ value: string }>(sql, params);
  return Number(result.rows[0]?.value ?? 0);
}

/** Compares everything the three services serve with direct scans of events and rejected_events. */
async function expectServedEqualsScan(): Promise<void> {
  const total = await scalar("SELECT count(*) AS value FROM events");
  expect((await getOverview(db)).events).toBe(total);

  // Events per UTC day of occurred_at and type.
  const volume = await listEventVolume(db);
  const dayRows = await pool.query<{ day: string; type: EventType; events: string }>(
    `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, type, count(*) AS events FROM events GROUP BY 1, 2`,
  );
  const servedDays = new Map(volume.days.map((day) => [day.day, day.counts]));
  // Days before the plotted span (at most MAX_PLOTTED_DAYS, ending at the newest day) are counted in notPlotted.
  const plottedFrom = volume.days[0]!.day;
  expect(volume.days.length).toBeLessThanOrEqual(MAX_PLOTTED_DAYS);
  let olderEvents = 0;
  for (const row of dayRows.rows) {
    if (row.day < plottedFrom) olderEvents += Number(row.events);
    else expect(servedDays.get(row.day)?.[row.type]).toBe(Number(row.events));
  }
  expect(volume.notPlotted).toBe(olderEvents);
  const servedSum = volume.days.reduce((sum, day) => sum + Object.values(day.counts).reduce((a, b) => a + (b ?? 0), 0), 0);
  expect(servedSum + volume.notPlotted).toBe(total);
  expect(Object.values(volume.totals).reduce((a, b) => a + (b ?? 0), 0)).toBe(total);

  // Events per received_at bucket and type, for every range of the Events page.
  const firstReceipt = await pool.query<{ first: Date | null }>(
    `SELECT least((SELECT min(received_at) FROM events), (SELECT min(received_at) FROM rejected_events)) AS first`,
  );
  for (const range of EVENT_RANGES) {
    const rate = await getIngestRate(db, { range }, now);
    if (range === "all") {
      // Bucket size and chart start as if computed from the exact first receipt.
      const exact = resolveEventWindow("all", now, firstReceipt.rows[0]?.first ?? null);
      expect(rate.bucketMs).toBe(exact.bucketMs);
      expect(rate.buckets[0]?.start).toEqual(exact.chartFrom);
    }
    const scanned = await pool.query<{ bucket: Date; type: EventType; events: string }>(
      `SELECT date_bin($1 * interval '1 millisecond', received_at, $2::timestamptz) AS bucket, type, count(*) AS events
         FROM events WHERE received_at >= coalesce($3::timestamptz, '-infinity') AND received_at < $4::timestamptz
        GROUP BY 1, 2`,
      [rate.bucketMs, BUCKET_ORIGIN.toISOString(), rate.from?.toISOString() ?? null, now.toISOString()],
    );
    const servedBuckets = new Map(rate.buckets.map((bucket) => [bucket.start.getTime(), bucket]));
    const expectedTotals = Object.fromEntries(TYPES.map((type) => [type, 0])) as Record<EventType, number>;
    for (const row of scanned.rows) {
      expect(servedBuckets.get(row.bucket.getTime())?.counts[row.type], `${range} ${row.bucket.toISOString()} ${row.type}`).toBe(Number(row.events));
      expectedTotals[row.type] += Number(row.events);
    }
    expect(rate.totals).toEqual(expectedTotals);
    expect(rate.buckets.reduce((sum, bucket) => sum + bucket.total, 0)).toBe(rate.total);
  }
}

async function copyEvents(rows: ReturnType<typeof eventsFor>): Promise<void> {
  const client = await pool.connect();
  try {
    const lines = rows.map(
      (row) => [row.eventId, row.type, row.userId, row.itemId, row.occurredAt.toISOString(), row.receivedAt.toISOString()].join("\t") + "\n",
    );
    const copy = client.query(copyFrom(`COPY events (event_id, type, user_id, item_id, occurred_at, received_at) FROM STDIN`));
    await pipeline(Readable.from([lines.join("")]), copy);
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL!, max: 4 });
  await db.event.createMany({ data: eventsFor("seed", 200, 1) });
});

afterAll(async () => {
  await db.event.deleteMany({ where: { eventId: { startsWith: prefix } } });
  await pool.end();
  await db.$disconnect();
});

describe("event_counts behind the console's event counts", () => {
  it("serves the same numbers as a scan of events for factory data", async () => {
    // Guard against a vacuous pass: the factory events are in the windows compared below.
    expect(await scalar("SELECT count(*) AS value FROM events WHERE event_id LIKE $1", [`${prefix}-%`])).toBe(200);
    expect((await getIngestRate(db, { range: "7d" }, now)).total).toBeGreaterThan(0);
    await expectServedEqualsScan();
  });

  it("stays exact after a batch insert, a COPY, an UPDATE and a DELETE", async () => {
    await db.event.createMany({ data: eventsFor("batch", 300, 2) });
    await expectServedEqualsScan();

    await copyEvents(eventsFor("copy", 250, 3));
    expect(await scalar("SELECT count(*) AS value FROM events WHERE event_id LIKE $1", [`${prefix}-copy-%`])).toBe(250);
    await expectServedEqualsScan();

    // Events are append-only in the product, but an update that moves events is still counted.
    const moved = await pool.query(
      `UPDATE events SET type = 'rating', received_at = received_at - interval '2 hours', occurred_at = occurred_at - interval '1 day'
        WHERE event_id LIKE $1`,
      [`${prefix}-copy-1%`],
    );
    expect(moved.rowCount).toBeGreaterThan(0);
    await expectServedEqualsScan();

    const deleted = await db.event.deleteMany({ where: { eventId: { startsWith: `${prefix}-batch-` } } });
    expect(deleted.count).toBe(300);
    await expectServedEqualsScan();
  });

  it("loses no count when two transactions insert into the same keys concurrently", async () => {
    const [first, second] = [await pool.connect(), await pool.connect()];
    try {
      const insert = `INSERT INTO events (event_id, type, user_id, item_id, occurred_at, received_at)
                      SELECT $1 || n, 'share', 'u', 'i', $2::timestamptz, $2::timestamptz FROM generate_series(1, $3) AS n`;
      // A key no event has yet: both transactions race to create its row, then to add to it.
      const at = "2230-05-16T03:07:00Z";
      await first.query("BEGIN");
      await second.query("BEGIN");
      await first.query(insert, [`${prefix}-race-a-`, at, 7]);
      const secondInsert = second.query(insert, [`${prefix}-race-b-`, at, 5]); // waits on the first's row
      await first.query("COMMIT");
      await secondInsert;
      await second.query("COMMIT");
    } finally {
      first.release();
      second.release();
    }
    expect(
      await scalar(`SELECT events AS value FROM event_counts WHERE occurred_day = '2230-05-16' AND received_hour = '2230-05-16T03:00:00Z' AND type = 'share'`),
    ).toBe(
      await scalar(
        `SELECT count(*) AS value FROM events WHERE type = 'share' AND received_at >= '2230-05-16T03:00:00Z' AND received_at < '2230-05-16T04:00:00Z' AND (occurred_at AT TIME ZONE 'UTC')::date = '2230-05-16'`,
      ),
    );
    await expectServedEqualsScan();
  });

  it("empties with a TRUNCATE of events (the demo loader's --force), in the same transaction", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      expect(Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM event_counts")).rows[0]?.n)).toBeGreaterThan(0);
      await client.query("TRUNCATE events");
      expect(Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM event_counts")).rows[0]?.n)).toBe(0);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
    await expectServedEqualsScan();
  });
});
