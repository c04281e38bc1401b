// The exposure log on real PostgreSQL: one row per unit and phase (and one per unit and UTC day), carrying the user's per-metric
// totals over the 14 days before exposure (CUPED's covariate) read from the event log in the same
// statement; a second replica recording the same unit changes nothing.
import { randomUUID } from "node:crypto";
import { createPrismaClient, type Database } from "@cascade/db";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExposureLog, PRE_PERIOD_DAYS } from "./exposureLog.ts";

const run = `xe${randomUUID().slice(0, 8)}`;
const DAY = 86_400_000;
const AT = Date.parse("2026-11-20T12:00:00Z");
let db: Database;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  await db.surface.create({ data: { id: run, name: run } });
  await db.experiment.create({
    data: {
      id: run,
      key: run,
      name: run,
      surfaceId: run,
      status: "running",
      salt: run,
      phase: 2,
      variants: { create: ["a", "b"].map((key) => ({ id: `${run}-${key}`, key, name: key, weight: 0.5, isControl: key === "a" })) },
    },
  });
});

afterAll(async () => {
  await db.surface.deleteMany({ where: { id: run } });
  await db.event.deleteMany({ where: { userId: { startsWith: run } } });
  await db.$disconnect();
});

describe("ExposureLog", () => {
  it("stores each unit's first exposure once, with the user's 14-day pre-period per metric", async () => {
    const user = `${run}-u1`;
    let n = 0;
    const event = (type: "impression" | "click" | "like" | "watch" | "purchase" | "hide" | "dislike" | "share", at: number, value: number | null = null) => ({
      eventId: `${run}-e${n++}`,
      type,
      userId: user,
      itemId: "i",
      occurredAt: new Date(at),
      value,
    });
    await db.event.createMany({
      data: [
        // Inside the window: 3 impressions, 2 clicks, a like, 40 s watched, 2 purchases worth 7.5, a hide and a dislike, a share (no metric).
        ...[1, 2, 3].map((k) => event("impression", AT - k * DAY)),
        event("click", AT - 2 * DAY),
        event("click", AT - (PRE_PERIOD_DAYS * DAY - 60_000)),
        event("like", AT - 60_000),
        event("watch", AT - DAY, 25),
        event("watch", AT - 3 * DAY, 15),
        event("purchase", AT - DAY, 5),
        event("purchase", AT - 4 * DAY, 2.5),
        event("hide", AT - DAY),
        event("dislike", AT - DAY),
        event("share", AT - DAY),
        // Outside: older than 14 days, at or after the exposure.
        event("click", AT - PRE_PERIOD_DAYS * DAY - 60_000),
        event("click", AT),
        event("purchase", AT + DAY, 100),
      ],
    });
    const log = new ExposureLog(db, pino({ level: "silent" }));
    log.record({ experimentId: run, phase: 2, variantId: `${run}-b` }, user, user, AT);
    log.record({ experimentId: run, phase: 2, variantId: `${run}-a` }, `${run}-new`, `${run}-new`, AT);
    await log.flush();
    // Another replica (its own memory) serving the same unit later under another variant: nothing changes.
    const replica = new ExposureLog(db, pino({ level: "silent" }));
    replica.record({ experimentId: run, phase: 2, variantId: `${run}-a` }, user, user, AT + DAY);
    await replica.flush();

    const rows = await db.exposure.findMany({ where: { experimentId: run }, orderBy: { unitId: "asc" } });
    expect(rows.map((row) => ({ unit: row.unitId, variant: row.variantId, phase: row.phase, at: row.exposedAt.getTime(), pre: row.prePeriod }))).toEqual([
      {
        unit: `${run}-new`,
        variant: `${run}-a`,
        phase: 2,
        at: AT,
        pre: { impressions: 0, clicks: 0, likes: 0, watch_seconds: 0, purchases: 0, revenue: 0, negative_feedback: 0 },
      },
      {
        unit: user,
        variant: `${run}-b`,
        phase: 2,
        at: AT,
        pre: { impressions: 3, clicks: 2, likes: 1, watch_seconds: 40, purchases: 2, revenue: 7.5, negative_feedback: 2 },
      },
    ]);
  });

  it("logs each unit once per UTC day it is served, however many pages and replicas", async () => {
    const arm = { experimentId: run, phase: 2, variantId: `${run}-a` };
    const unit = `${run}-daily`;
    const first = new ExposureLog(db, pino({ level: "silent" }));
    const second = new ExposureLog(db, pino({ level: "silent" }));
    for (const at of [AT, AT + 60_000, AT + 3_600_000]) first.record(arm, unit, unit, at);
    second.record(arm, unit, unit, AT + 120_000); // another replica, same day
    first.record(arm, unit, unit, AT + DAY); // the next day
    first.record(arm, unit, unit, AT + 3 * DAY);
    await Promise.all([first.flush(), second.flush()]);
    const days = await db.experimentExposureDay.findMany({ where: { experimentId: run, unitId: unit }, orderBy: { day: "asc" } });
    expect(days.map((row) => row.day.toISOString().slice(0, 10))).toEqual(["2026-11-20", "2026-11-21", "2026-11-23"]);
    expect(await db.exposure.count({ where: { experimentId: run, unitId: unit } })).toBe(1);
  });
});
