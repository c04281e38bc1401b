import { createPrismaClient, type Database, type EventType } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_AUTO_BUCKETS } from "../../lib/event-range.ts";
import { getIngestRate } from "./ingest-rate.ts";

// Events received in 2188: no other test writes there, so fixed windows around this "now" hold only
// ours. (The shared test database may hold anything else at other times.)
const prefix = `webingest${Math.random().toString(36).slice(2, 8)}`;
const now = new Date("2188-03-14T12:34:56.789Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

// 1h window: [11:34:00, 12:34:56.789) in minute buckets.
const events: { type: EventType; receivedAt: Date; occurredAt?: Date }[] = [
  { type: "click", receivedAt: new Date("2188-03-14T11:34:00.000Z") }, // exactly at `from`: in
  { type: "click", receivedAt: new Date("2188-03-14T11:33:59.999Z") }, // just before: out of 1h, in 24h
  { type: "impression", receivedAt: at(-10 * MINUTE) },
  { type: "impression", receivedAt: at(-10 * MINUTE + 1) },
  // received now, occurred long ago (a back-filled event): counted by when it was received
  { type: "purchase", receivedAt: at(-1), occurredAt: new Date("2100-01-01T00:00:00Z") },
  { type: "like", receivedAt: now }, // at `to`: out
  { type: "watch", receivedAt: at(-3 * HOUR) }, // in 24h, not 1h
  { type: "share", receivedAt: at(-3 * 24 * HOUR) }, // in 7d only
];
const rejections = [at(-5 * MINUTE), at(-5 * MINUTE + 10), at(-2 * HOUR)];

let db: Database;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await db.event.createMany({
    data: events.map((event, index) => ({
      eventId: `${prefix}-${index}`,
      type: event.type,
      userId: `${prefix}-user`,
      itemId: `${prefix}-item`,
      occurredAt: event.occurredAt ?? event.receivedAt,
      receivedAt: event.receivedAt,
    })),
  });
  await db.rejectedEvent.createMany({
    data: rejections.map((receivedAt, index) => ({
      eventId: `${prefix}-rejected-${index}`,
      field: "itemId",
      reason: "unknown item",
      payload: { eventId: `${prefix}-rejected-${index}` },
      receivedAt,
    })),
  });
});

afterAll(async () => {
  await db.event.deleteMany({ where: { eventId: { startsWith: prefix } } });
  await db.rejectedEvent.deleteMany({ where: { eventId: { startsWith: prefix } } });
  await db.$disconnect();
});

describe("ingest rate", () => {
  it("counts events by received_at in [from, to), per minute over the last hour", async () => {
    const rate = await getIngestRate(db, { range: "1h" }, now);
    expect(rate.from).toEqual(new Date("2188-03-14T11:34:00.000Z"));
    expect(rate.to).toEqual(now);
    expect(rate.bucketMs).toBe(MINUTE);
    expect(rate.buckets).toHaveLength(61);
    expect(rate.totals).toEqual({
      impression: 2,
      click: 1,
      like: 0,
      share: 0,
      watch: 0,
      purchase: 1,
      rating: 0,
      hide: 0,
      dislike: 0,
    });
    expect(rate.total).toBe(4);
    expect(rate.rejected).toBe(2);

    // Buckets are consecutive minutes, quiet ones included, and add up to the totals.
    rate.buckets.forEach((bucket, index) => {
      expect(bucket.start.getTime()).toBe(rate.from!.getTime() + index * MINUTE);
    });
    expect(rate.buckets.reduce((sum, bucket) => sum + bucket.total, 0)).toBe(4);
    expect(rate.buckets[0]?.counts.click).toBe(1);
    const tenMinutesAgo = rate.buckets.find((bucket) => bucket.start.getTime() === Date.parse("2188-03-14T12:24:00Z"));
    expect(tenMinutesAgo?.counts.impression).toBe(2);
    expect(rate.buckets.at(-1)?.counts.purchase).toBe(1);
    expect(rate.buckets.reduce((sum, bucket) => sum + bucket.rejected, 0)).toBe(2);
  });

  it("widens to quarter hours over 24 hours and hours over 7 days", async () => {
    const day = await getIngestRate(db, { range: "24h" }, now);
    expect(day.bucketMs).toBe(15 * MINUTE);
    expect(day.buckets).toHaveLength(97);
    expect(day.total).toBe(6);
    expect(day.totals.click).toBe(2);
    expect(day.totals.watch).toBe(1);
    expect(day.rejected).toBe(3);

    const week = await getIngestRate(db, { range: "7d" }, now);
    expect(week.bucketMs).toBe(HOUR);
    expect(week.buckets).toHaveLength(169);
    expect(week.total).toBe(7);
    expect(week.totals.share).toBe(1);
  });

  it("counts everything received before now for all time, in a bounded number of buckets", async () => {
    const rate = await getIngestRate(db, { range: "all" }, now);
    expect(rate.from).toBeNull();
    const rows = await db.$queryRaw<{ type: EventType; count: bigint }[]>`
      SELECT type, count(*) AS count FROM events WHERE received_at < ${now.toISOString()}::timestamptz GROUP BY type`;
    const expected = Object.fromEntries(rows.map((row) => [row.type, Number(row.count)]));
    for (const [type, count] of Object.entries(rate.totals)) expect(count).toBe(expected[type] ?? 0);
    expect(rate.buckets.reduce((sum, bucket) => sum + bucket.total, 0)).toBe(rate.total);
    expect(rate.buckets.length).toBeLessThanOrEqual(MAX_AUTO_BUCKETS + 1);
    expect(rate.buckets.at(-1)!.start.getTime()).toBeLessThanOrEqual(now.getTime());
  });

  it("sizes all-time buckets from when events were received, whatever clients stamped on them", async () => {
    // Received over two hours of 1 Jan 1970, stamped by a client whose clock said 1900: the
    // estimate from occurred_at suggests a century, the scan finds two hours.
    const early = new Date("1970-01-01T13:00:00.000Z");
    await db.event.createMany({
      data: [0, 30, 119].map((minute) => ({
        eventId: `${prefix}-1970-${minute}`,
        type: "click" as const,
        userId: `${prefix}-user`,
        itemId: `${prefix}-item`,
        occurredAt: new Date("1900-01-01T00:00:00Z"),
        receivedAt: new Date(Date.parse("1970-01-01T10:30:00Z") + minute * MINUTE),
      })),
    });
    const rate = await getIngestRate(db, { range: "all" }, early);
    expect(rate.bucketMs).toBe(MINUTE);
    expect(rate.buckets[0]?.start).toEqual(new Date("1970-01-01T10:30:00Z"));
    expect(rate.buckets).toHaveLength(150);
    expect(rate.total).toBe(3);
    expect(rate.buckets.filter((bucket) => bucket.total > 0).map((bucket) => bucket.start.toISOString())).toEqual([
      "1970-01-01T10:30:00.000Z",
      "1970-01-01T11:00:00.000Z",
      "1970-01-01T12:29:00.000Z",
    ]);
  });
});
