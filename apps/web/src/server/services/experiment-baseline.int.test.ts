// The power estimate's baseline is computed from the event log: CTR as Σclicks/Σimpressions, per-user
// means and sample standard deviations, active users per day — over the 14 days up to the surface's
// latest event, and only that surface's events.
import { createPrismaClient, createSeedFactories, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { experimentBaseline } from "./experiment-baseline.ts";

const factories = createSeedFactories(`expbase${Math.random().toString(36).slice(2, 8)}`);
const prefix = factories.prefix;
const surface = `${prefix}-surface`;
const latest = new Date("2231-03-10T12:00:00.000Z");
const DAY = 86_400_000;

let db: Database;
let counter = 0;

function event(userId: string, type: "impression" | "click" | "watch", at: Date, options: { surface?: string; value?: number } = {}) {
  counter += 1;
  return {
    ...factories.buildEvent({ eventId: `${prefix}-${counter}`, type, occurredAt: at }),
    userId,
    surface: options.surface ?? surface,
    value: options.value ?? null,
  };
}

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  const a = `${prefix}-a`;
  const b = `${prefix}-b`;
  await db.event.createMany({
    data: [
      // User a, day 1: 4 impressions, 2 clicks, a 30 s watch; day 2: 1 impression.
      ...Array.from({ length: 4 }, () => event(a, "impression", new Date(latest.getTime() - DAY))),
      event(a, "click", new Date(latest.getTime() - DAY)),
      event(a, "click", new Date(latest.getTime() - DAY)),
      event(a, "watch", new Date(latest.getTime() - DAY), { value: 30 }),
      event(a, "impression", latest),
      // User b: 5 impressions, no click.
      ...Array.from({ length: 5 }, () => event(b, "impression", latest)),
      // Outside the window (15 days before the latest event) and on another surface: not counted.
      event(a, "click", new Date(latest.getTime() - 15 * DAY)),
      event(b, "click", latest, { surface: `${prefix}-other` }),
    ],
  });
});

afterAll(async () => {
  await db.event.deleteMany({ where: { eventId: { startsWith: prefix } } });
  await db.$disconnect();
});

describe("experimentBaseline", () => {
  it("reads the surface's last 14 days: CTR, per-user means and deviations, daily users", async () => {
    const baseline = await experimentBaseline(db, surface);
    expect(baseline.to).toEqual(latest);
    expect(baseline.from).toEqual(new Date(latest.getTime() - 14 * DAY));
    expect(baseline.users).toBe(2);
    expect(baseline.ctr).toBeCloseTo(2 / 10, 12);
    // clicks per user: a 2, b 0 → mean 1, sample sd √2.
    expect(baseline.perUser.clicks!.mean).toBeCloseTo(1, 12);
    expect(baseline.perUser.clicks!.standardDeviation).toBeCloseTo(Math.SQRT2, 12);
    expect(baseline.perUser.watch_seconds!.mean).toBeCloseTo(15, 12);
    // User-days: a on two days, b on one → 3 / 14.
    expect(baseline.dailyUsers).toBeCloseTo(3 / 14, 12);
  });

  it("says there is nothing to read for a surface without events", async () => {
    expect(await experimentBaseline(db, `${prefix}-empty`)).toMatchObject({ users: 0, ctr: null, from: null, perUser: {} });
  });
});
