import { createPrismaClient, type Database, type EventType } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCategories } from "./category.ts";
import { listEventVolume, MAX_PLOTTED_DAYS } from "./event-volume.ts";
import { getOverview } from "./overview.ts";

// Events far in the future, so that they are the latest in the shared test database and the
// "last 24 hours of the data" window is ours to predict.
const prefix = `webov${Math.random().toString(36).slice(2, 8)}`;
const latest = Date.parse("2199-06-10T12:00:00Z");
const HOUR = 3_600_000;
const events: { type: EventType; at: number }[] = [
  { type: "click", at: latest },
  { type: "impression", at: latest - 2 * HOUR },
  { type: "impression", at: latest - 23 * HOUR },
  { type: "impression", at: latest - 25 * HOUR }, // outside the last 24h
  { type: "like", at: latest - 4 * 24 * HOUR }, // leaves days without events in between
  { type: "click", at: Date.parse("0001-01-01T00:00:00Z") }, // a bogus timestamp that got in
];
let db: Database;

async function count(sql: string): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ count: bigint }[]>(sql);
  return Number(rows[0]?.count);
}

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await db.event.createMany({
    data: events.map((event, index) => ({
      eventId: `${prefix}-${index}`,
      type: event.type,
      userId: `${prefix}-user`,
      itemId: `${prefix}-item`,
      occurredAt: new Date(event.at),
    })),
  });
  await db.item.createMany({
    data: [1, 2, 3].map((n) => ({
      id: `${prefix}-item-${n}`,
      category: `${prefix}-cat`,
      publishedAt: new Date(),
      available: n !== 3,
    })),
  });
});

afterAll(async () => {
  await db.event.deleteMany({ where: { eventId: { startsWith: prefix } } });
  await db.item.deleteMany({ where: { id: { startsWith: prefix } } });
  await db.$disconnect();
});

describe("overview numbers", () => {
  it("are exact counts, with the last 24h anchored on the latest event", async () => {
    const overview = await getOverview(db);
    expect(overview).toEqual({
      items: await count("SELECT count(*) FROM items"),
      availableItems: await count("SELECT count(*) FROM items WHERE available"),
      users: await count("SELECT count(*) FROM users"),
      creators: await count("SELECT count(*) FROM creators"),
      events: await count("SELECT count(*) FROM events"),
      eventsLast24h: 3,
      firstEventAt: expect.any(Date),
      lastEventAt: new Date(latest),
    });
  });

  it("counts events per UTC day and type, with empty days filled in", async () => {
    const volume = await listEventVolume(db);
    const total = Object.values(volume.totals).reduce((sum, value) => sum + (value ?? 0), 0);
    expect(total).toBe(await count("SELECT count(*) FROM events"));

    const ours = volume.days.slice(-5);
    expect(ours.map((day) => day.day)).toEqual(["2199-06-06", "2199-06-07", "2199-06-08", "2199-06-09", "2199-06-10"]);
    expect(ours.map((day) => day.counts.impression)).toEqual([0, 0, 0, 2, 1]);
    expect(ours[4]?.counts.click).toBe(1);
    expect(ours[0]?.counts.like).toBe(1);
    // One event stamped 0001-01-01 (it once made this a 740,000-day, 114 MB page): counted, not plotted.
    expect(volume.days.length).toBeLessThanOrEqual(MAX_PLOTTED_DAYS);
    expect(volume.days.some((day) => day.day.startsWith("0001-"))).toBe(false);
    expect(volume.notPlotted).toBeGreaterThanOrEqual(1);
    // Consecutive days, no gaps, no repeats.
    for (let index = 1; index < volume.days.length; index += 1) {
      const gap = Date.parse(volume.days[index]!.day) - Date.parse(volume.days[index - 1]!.day);
      expect(gap).toBe(24 * HOUR);
    }
  });

  it("lists categories with their item counts", async () => {
    const { categories, totalCategories } = await listCategories(db, { limit: 1000 });
    expect(categories).toContainEqual({ name: `${prefix}-cat`, items: 3, availableItems: 2 });
    expect(totalCategories).toBe(await count("SELECT count(DISTINCT category) FROM items"));
    expect((await listCategories(db, { limit: 1 })).categories).toHaveLength(1);
  });
});
