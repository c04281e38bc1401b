// The results query's statistics on real PostgreSQL: after many exposures and unit-day rollups are
// written (a new experiment; a server with autovacuum off), reading the outcomes analyses the two
// per-unit tables first, so the query is not planned on empty-table estimates (a nested loop that
// took minutes at 2,000 units).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Database } from "./client.ts";
import { experimentOutcomes, refreshResultStatistics } from "./experimentResults.ts";

const run = `xr${randomUUID().slice(0, 8)}`;
const UNITS = 3_000;
let db: Database;

async function modifiedSinceAnalyze(): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<{ table: string; modified: bigint }[]>`
    SELECT relname::text AS "table", n_mod_since_analyze AS modified FROM pg_stat_user_tables WHERE relname IN ('exposures', 'experiment_unit_days')`;
  return Object.fromEntries(rows.map((row) => [row.table, Number(row.modified)]));
}

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
      startedAt: new Date(),
      variants: { create: ["a", "b"].map((key) => ({ id: `${run}-${key}`, key, name: key, weight: 0.5, isControl: key === "a" })) },
    },
  });
  await refreshResultStatistics(db); // start from fresh statistics whatever other files wrote
});

afterAll(async () => {
  await db.surface.deleteMany({ where: { id: run } });
  await db.$disconnect();
});

describe("refreshResultStatistics", () => {
  it("analyses the per-unit tables once they changed a lot since their last ANALYZE, before the outcomes are read", async () => {
    const day = new Date(Date.UTC(2026, 11, 1));
    const units = Array.from({ length: UNITS }, (_, n) => ({ unit: `${run}-u${n}`, variantId: `${run}-${n % 2 ? "b" : "a"}` }));
    await db.exposure.createMany({
      data: units.map(({ unit, variantId }) => ({ experimentId: run, phase: 1, variantId, unitId: unit, userId: unit, exposedAt: day })),
    });
    await db.experimentUnitDay.createMany({
      data: units.map(({ unit, variantId }, n) => ({ experimentId: run, phase: 1, unitId: unit, day, variantId, impressions: 3, clicks: n % 3 })),
    });
    // The inserting backends report their counts to the statistics system within about a second.
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const modified = await modifiedSinceAnalyze();
      if ((modified.exposures ?? 0) >= UNITS && (modified.experiment_unit_days ?? 0) >= UNITS) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(Math.min(...Object.values(await modifiedSinceAnalyze()))).toBeGreaterThanOrEqual(UNITS);

    const outcomes = await experimentOutcomes(db, { id: run, phase: 1, stoppedAt: null });
    expect(outcomes.variants.reduce((sum, variant) => sum + variant.units, 0)).toBe(UNITS);
    const after = await modifiedSinceAnalyze();
    expect(after.exposures).toBeLessThan(500);
    expect(after.experiment_unit_days).toBeLessThan(500);
    // Fresh now: nothing more to analyse.
    expect(await refreshResultStatistics(db)).toEqual([]);
  });
});
