// The incrementally kept popularity (item_engagement, maintained by triggers on the event log) on
// real PostgreSQL: it ranks and scores exactly as the log scan over the same events, for the
// popularity and trending half-lives; deleted events leave it; rebasing keeps it; and a ranking
// asked to be incremental reads it without scanning the log.
import { randomUUID } from "node:crypto";
import { createPrismaClient, type Database } from "@cascade/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PopularityRanking, type PopularitySnapshot } from "./popularityRanking.ts";
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
});
