import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURE_STALE_AFTER_MS, listFeatures } from "./feature.ts";
import { getSkewReport } from "./skew-report.ts";

// Rows of this file carry a random prefix; the shared test database may hold other features.
const prefix = `webfeat${Math.random().toString(36).slice(2, 8)}`;
const now = new Date("2186-05-05T12:00:00.000Z");
const MINUTE = 60_000;
const definition = (name: string, entity: "user" | "item" | "user_item" | "context", extra: object = {}) => ({
  name: `${prefix}_${name}`,
  entity,
  description: `${name} for the console test`,
  definitionDigest: "0123456789abcdef",
  ...extra,
});
let db: Database;
const reportIds: string[] = [];

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await db.featureDefinition.createMany({
    data: [
      definition("clicks_5m", "user", { window: "5m", lastOnlineUpdateAt: new Date(now.getTime() - 2 * MINUTE), coverage: 0.25 }),
      definition("likes_5m", "user", { window: "5m", lastOnlineUpdateAt: new Date(now.getTime() - FEATURE_STALE_AFTER_MS - 1) }),
      definition("ctr_3d", "item", { window: "half-life 3d", defaultValue: 0.05, coverage: 0.5 }),
      definition("hour_of_day", "context", { coverage: 1 }),
    ],
  });
  for (const [offsetMinutes, flagged] of [
    [-60, false],
    [0, true],
  ] as const) {
    const report = await db.skewReport.create({
      data: {
        createdAt: new Date(now.getTime() + offsetMinutes * MINUTE),
        windowStart: new Date(now.getTime() - 24 * 60 * MINUTE),
        windowEnd: now,
        sampleSize: 120,
        threshold: 0.01,
        flagged,
        features: {
          [`${prefix}_clicks_5m`]: { compared: 120, mismatches: flagged ? 12 : 0, mismatchRate: flagged ? 0.1 : 0, meanAbsDiff: 0.5, maxAbsDiff: 3, flagged },
          gone_feature: { compared: 120, mismatches: 0, mismatchRate: 0, meanAbsDiff: 0, maxAbsDiff: 0, flagged: false },
        },
      },
    });
    reportIds.push(report.id);
  }
});

afterAll(async () => {
  await db.featureDefinition.deleteMany({ where: { name: { startsWith: prefix } } });
  await db.skewReport.deleteMany({ where: { id: { in: reportIds } } });
  await db.$disconnect();
});

describe("feature registry", () => {
  it("lists every definition with freshness against the given clock", async () => {
    const list = await listFeatures(db, { entity: "all", q: prefix }, now);
    expect(list.rows.map((row) => [row.name.slice(prefix.length + 1), row.freshness, row.freshnessMs, row.coverage])).toEqual([
      ["clicks_5m", "fresh", 2 * MINUTE, 0.25],
      ["likes_5m", "stale", FEATURE_STALE_AFTER_MS + 1, null],
      ["ctr_3d", "never", null, 0.5],
      ["hour_of_day", "per_request", null, 1],
    ]);
    expect(list.rows[2]).toMatchObject({ window: "half-life 3d", defaultValue: 0.05, valueType: "number" });
    // The counts ignore the filter and match the table.
    expect(list.total).toBe(await db.featureDefinition.count());
    expect(list.byEntity.user).toBe(await db.featureDefinition.count({ where: { entity: "user" } }));
  });

  it("filters by entity and by a case-insensitive piece of the name", async () => {
    const items = await listFeatures(db, { entity: "item", q: prefix.toUpperCase() }, now);
    expect(items.rows.map((row) => row.name)).toEqual([`${prefix}_ctr_3d`]);
    expect((await listFeatures(db, { entity: "user", q: `${prefix}_LIKES` }, now)).rows).toHaveLength(1);
    expect((await listFeatures(db, { entity: "context", q: `${prefix}_clicks` }, now)).rows).toHaveLength(0);
  });
});

describe("skew report", () => {
  it("is the latest report, with features flagged first and unknown names marked", async () => {
    const report = await getSkewReport(db, {});
    expect(report?.id).toBe(reportIds[1]);
    expect(report?.flagged).toBe(true);
    expect(report?.features.map((feature) => [feature.name, feature.flagged, feature.registered])).toEqual([
      [`${prefix}_clicks_5m`, true, true],
      ["gone_feature", false, false],
    ]);
    expect(report?.reportCount).toBe(await db.skewReport.count());

    const older = await getSkewReport(db, { id: reportIds[0]! });
    expect(older?.flagged).toBe(false);
    expect(await getSkewReport(db, { id: "no-such-report" })).toBeNull();
  });
});
