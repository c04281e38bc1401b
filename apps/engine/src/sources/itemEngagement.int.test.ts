// The incrementally kept popularity (item_engagement, maintained by triggers on the event log) on
// real PostgreSQL: it ranks and scores exactly as the log scan over the same events, for the
// popularity and trending half-lives; deleted events leave it; rebasing keeps it; and a ranking
// asked to be incremental reads it without scanning the log.
import { randomUUID } from "node:crypto";
import { createPrismaClient, type Database } from "@cascade/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engagementRescaled, PopularityRanking, type PopularitySnapshot } from "./popularityRanking.ts";
import { DEFAULT_POPULARITY_SCORING } from "./popularityScore.ts";

const run = `ie${randomUUID().slice(0, 8)}`;
const HOUR = 3_600_000;
const logger = pino({ level: "silent" });
let db: Database;
const item = (n: number) => `${run}-item-${n}`;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  await db.item.createMany({
    data: Array.from({ length: 12 }, (_, n) => ({ id: item(n), category: "c", available: n !== 11, publishedAt: new Date(Date.now() - 100 * HOUR) })),
  });
  const types = ["click", "like", "share", "watch", "purchase", "dislike", "hide", "rating"] as const;
  let k = 0;
  const events = [];
  // Deterministic, varied engagement inside both windows (the last 60 hours).
  for (let n = 0; n < 12; n += 1) {
    for (let j = 0; j <= n; j += 1) {
      const type = types[(n * 7 + j * 3) % types.length]!;
      events.push({
        eventId: `${run}-e${k}`,
        type,
        userId: `${run}-u${j}`,
        itemId: item(n),
        occurredAt: new Date(Date.now() - ((k * 37) % 60) * HOUR - 60_000),
        value: type === "rating" ? k % 11 : null,
      });
      k += 1;
    }
  }
  // Two statements (the triggers add per statement).
  await db.event.createMany({ data: events.slice(0, 30) });
  await db.event.createMany({ data: events.slice(30) });
});

afterAll(async () => {
  await db.event.deleteMany({ where: { eventId: { startsWith: run } } });
  await db.item.deleteMany({ where: { id: { startsWith: run } } });
  await db.$disconnect();
});

const mine = (snapshot: PopularitySnapshot) => snapshot.items.filter((entry) => entry.itemId.startsWith(run));

async function both(halfLifeMs: number, windowMs: number) {
  const options = { halfLifeMs, windowMs, maxItems: 1_000_000 };
  const incremental = await new PopularityRanking(db, logger, { ...options, incremental: true }).refresh();
  const scanned = await new PopularityRanking(db, logger, options).refresh();
  return { incremental: mine(incremental), scanned: mine(scanned) };
}

describe("item_engagement", () => {
  for (const [name, halfLifeMs, windowMs] of [
    ["popularity", DEFAULT_POPULARITY_SCORING.halfLifeMs, DEFAULT_POPULARITY_SCORING.windowMs],
    ["trending", 6 * HOUR, 72 * HOUR],
  ] as const) {
    it(`ranks and scores as the log scan does (${name})`, async () => {
      const { incremental, scanned } = await both(halfLifeMs, windowMs);
      expect(scanned.length).toBeGreaterThan(5);
      expect(incremental.map((entry) => entry.itemId)).toEqual(scanned.map((entry) => entry.itemId));
      incremental.forEach((entry, index) => expect(entry.score).toBeCloseTo(scanned[index]!.score, 9));
      expect(incremental.some((entry) => entry.itemId === item(11))).toBe(false); // unavailable
    });
  }

  it("forgets deleted events, and keeps its ranking through a rebase", async () => {
    const halfLifeMs = DEFAULT_POPULARITY_SCORING.halfLifeMs;
    await db.event.deleteMany({ where: { itemId: item(10) } });
    let { incremental, scanned } = await both(halfLifeMs, DEFAULT_POPULARITY_SCORING.windowMs);
    expect(incremental.some((entry) => entry.itemId === item(10))).toBe(false);
    expect(await db.itemEngagement.count({ where: { itemId: item(10) } })).toBe(0);
    expect(incremental.map((entry) => entry.itemId)).toEqual(scanned.map((entry) => entry.itemId));

    const [base] = await db.$queryRaw<{ baseAt: Date }[]>`SELECT base_at AS "baseAt" FROM engagement_bases WHERE half_life_ms = ${halfLifeMs}::bigint`;
    await db.$executeRaw`SELECT engagement_rebase(${halfLifeMs}::bigint, ${new Date(base!.baseAt.getTime() + 5 * halfLifeMs)}::timestamptz)`;
    ({ incremental, scanned } = await both(halfLifeMs, DEFAULT_POPULARITY_SCORING.windowMs));
    expect(incremental.map((entry) => entry.itemId)).toEqual(scanned.map((entry) => entry.itemId));
    incremental.forEach((entry, index) => expect(entry.score).toBeCloseTo(scanned[index]!.score, 9));
  });

  it("falls back to the log scan for a half-life the table does not keep, or a fixed clock", async () => {
    const odd = await new PopularityRanking(db, logger, { halfLifeMs: 5 * HOUR, windowMs: 72 * HOUR, maxItems: 1_000_000, incremental: true }).refresh();
    const oddScan = await new PopularityRanking(db, logger, { halfLifeMs: 5 * HOUR, windowMs: 72 * HOUR, maxItems: 1_000_000 }).refresh();
    expect(mine(odd)).toEqual(mine(oddScan));
    const past = Date.now() - 30 * HOUR;
    const fixed = { mode: "fixed" as const, nowMs: () => past, spec: { mode: "fixed" as const, atMs: past } };
    const asOf = await new PopularityRanking(db, logger, { maxItems: 1_000_000, incremental: true, clock: fixed }).refresh();
    const asOfScan = await new PopularityRanking(db, logger, { maxItems: 1_000_000, clock: fixed }).refresh();
    expect(mine(asOf)).toEqual(mine(asOfScan));
  });

  it("never fails an event insert: rescaling and rebasing go to zero instead of raising underflow or overflow", async () => {
    const halfLifeMs = 6 * HOUR;
    const t = new Date("2026-06-01T00:00:00Z");
    const at = (halfLives: number) => new Date(t.getTime() + halfLives * halfLifeMs);
    const [row] = await db.$queryRaw<{ same: number; tiny: number; huge: number; down: number }[]>`
      SELECT engagement_rescaled(2.5, ${t}::timestamptz, ${t}::timestamptz, ${halfLifeMs}::bigint) AS same,
             engagement_rescaled(1e-301, ${t}::timestamptz, ${at(1000)}::timestamptz, ${halfLifeMs}::bigint) AS tiny,
             engagement_rescaled(1e300, ${at(1000)}::timestamptz, ${t}::timestamptz, ${halfLifeMs}::bigint) AS huge,
             engagement_rescaled(-3, ${t}::timestamptz, ${at(2)}::timestamptz, ${halfLifeMs}::bigint) AS down`;
    expect(row!.same).toBeCloseTo(2.5, 12);
    expect(row!.tiny).toBe(0);
    expect(row!.down).toBeCloseTo(-0.75, 12);
    expect(Number.isFinite(row!.huge)).toBe(true);
    // The refresh rescales in JavaScript (engagementRescaled): the same numbers as the SQL function, edges included.
    expect(engagementRescaled(2.5, 0)).toBeCloseTo(row!.same, 12);
    expect(engagementRescaled(1e-301, -1000)).toBe(row!.tiny);
    expect(engagementRescaled(-3, -2)).toBeCloseTo(row!.down, 12);
    expect(engagementRescaled(1e300, 1000) / row!.huge).toBeCloseTo(1, 9);
    // A row with a score near the bottom of float8 and a recent event survives a rebase (it used to raise "underflow" and fail the insert that triggered it).
    const tinyItem = `${run}-tiny`;
    const [base] = await db.$queryRaw<{ baseAt: Date }[]>`SELECT base_at AS "baseAt" FROM engagement_bases WHERE half_life_ms = ${halfLifeMs}::bigint`;
    const to = new Date(base!.baseAt.getTime() + 100 * halfLifeMs);
    await db.$executeRaw`INSERT INTO item_engagement (half_life_ms, item_id, score, events, last_event_at) VALUES (${halfLifeMs}::bigint, ${tinyItem}, 1e-300, 1, ${to}::timestamptz)`;
    // 1e-300 × 2^-100 is below float8: a plain product raised "value out of range: underflow".
    await db.$executeRaw`SELECT engagement_rebase(${halfLifeMs}::bigint, ${to}::timestamptz)::text`;
    const [kept] = await db.$queryRaw<
      { score: number }[]
    >`SELECT score FROM item_engagement WHERE half_life_ms = ${halfLifeMs}::bigint AND item_id = ${tinyItem}`;
    expect(kept!.score).toBeGreaterThanOrEqual(0);
    await db.$executeRaw`DELETE FROM item_engagement WHERE item_id = ${tinyItem}`;
    // Events from year 1 to far ahead, with near-zero weights, all insert.
    await db.event.createMany({
      data: [
        { eventId: `${run}-x1`, type: "click", userId: `${run}-x`, itemId: item(0), occurredAt: new Date("0001-01-01T00:00:00Z") },
        { eventId: `${run}-x2`, type: "rating", value: 5 + 1e-12, userId: `${run}-x`, itemId: item(0), occurredAt: new Date(Date.now() - 400 * 24 * HOUR) },
        { eventId: `${run}-x3`, type: "click", userId: `${run}-x`, itemId: item(0), occurredAt: new Date("2230-01-01T00:00:00Z") },
      ],
    });
    expect(await db.event.count({ where: { eventId: { in: [`${run}-x1`, `${run}-x2`, `${run}-x3`] } } })).toBe(3);
  });
});
