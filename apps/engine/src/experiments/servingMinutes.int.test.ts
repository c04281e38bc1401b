// The serving-minute recorder on real PostgreSQL: counts per (experiment, phase, variant, minute),
// latency histograms over core's buckets, flushes that add to stored rows (element-wise for the
// histograms), a failed flush keeping its counts for the next, the memory bound, and the timer.
import { randomUUID } from "node:crypto";
import { LATENCY_BUCKET_BOUNDS_MS, latencyBucket, latencyQuantile } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServingMinutes } from "./servingMinutes.ts";

const run = `xs${randomUUID().slice(0, 8)}`;
const logger = pino({ level: "silent" });
const MINUTE = Date.parse("2026-11-20T12:34:00Z");
let db: Database;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
});

afterAll(async () => {
  await db.experimentServingMinute.deleteMany({ where: { experimentId: { startsWith: run } } });
  await db.$disconnect();
});

const rowsOf = (experimentId: string) =>
  db.experimentServingMinute.findMany({ where: { experimentId }, orderBy: [{ variantId: "asc" }, { bucketStart: "asc" }] });

const histogram = (latencies: number[]) => {
  const counts = new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0);
  for (const latency of latencies) counts[latencyBucket(latency)]! += 1;
  return counts;
};

describe("ServingMinutes", () => {
  it("counts requests, degraded, errors and latencies per variant and minute, and later flushes add to the stored rows", async () => {
    const experimentId = `${run}-a`;
    let now = MINUTE + 5_000;
    const minutes = new ServingMinutes(db, logger, { now: () => now, flushEveryMs: 3_600_000 });
    const a = { experimentId, phase: 1, variantId: "va" };
    const b = { experimentId, phase: 1, variantId: "vb" };
    const first = [4, 8, 8, 12, 250];
    first.forEach((latency, k) => minutes.record(a, latency, k === 4 ? "error" : k === 3 ? "degraded" : "ok"));
    minutes.record(b, 6000, "ok"); // slower than the last bound: the overflow bucket
    now = MINUTE + 61_000; // the next minute
    minutes.record(a, 1, "ok");
    await minutes.flush();

    let rows = await rowsOf(experimentId);
    expect(rows.map((row) => [row.variantId, row.bucketStart.getTime(), row.requests, row.degraded, row.errors, row.latencyCounts])).toEqual([
      ["va", MINUTE, 5, 1, 1, histogram(first)],
      ["va", MINUTE + 60_000, 1, 0, 0, histogram([1])],
      ["vb", MINUTE, 1, 0, 0, histogram([6000])],
    ]);
    expect(latencyQuantile(rows[2]!.latencyCounts, 0.99)).toBe(LATENCY_BUCKET_BOUNDS_MS.at(-1));

    // Another replica's flush for the same minute adds, histograms element-wise.
    now = MINUTE + 10_000;
    const replica = new ServingMinutes(db, logger, { now: () => now, flushEveryMs: 3_600_000 });
    const second = [8, 300, 300];
    for (const latency of second) replica.record(a, latency, "degraded");
    await replica.stop();
    await minutes.stop();
    rows = await rowsOf(experimentId);
    expect(rows[0]).toMatchObject({ requests: 8, degraded: 4, errors: 1, latencyCounts: histogram([...first, ...second]) });
    expect(minutes.stats()).toMatchObject({ pendingRows: 0, flushes: 1, failures: 0, rowsWritten: 3, dropped: 0 });
  });

  it("keeps a failed flush's counts for the next one and never throws into the caller", async () => {
    const experimentId = `${run}-b`;
    let fail = true;
    const flaky = {
      $executeRawUnsafe: ((query: string, ...values: unknown[]) => {
        if (fail) return Promise.reject(new Error("connection lost"));
        return db.$executeRawUnsafe(query, ...values);
      }) as Database["$executeRawUnsafe"],
    };
    const minutes = new ServingMinutes(flaky, logger, { now: () => MINUTE, flushEveryMs: 3_600_000 });
    const arm = { experimentId, phase: 3, variantId: "v" };
    for (let k = 0; k < 10; k += 1) minutes.record(arm, 20, "ok");
    await minutes.flush(); // fails: nothing written, nothing lost
    expect(await rowsOf(experimentId)).toEqual([]);
    expect(minutes.stats()).toMatchObject({ pendingRows: 1, failures: 1 });
    minutes.record(arm, 20, "error");
    expect(() => minutes.record(arm, Number.NaN, "ok")).not.toThrow(); // a bad latency counts as the slowest
    fail = false;
    await minutes.stop();
    const [row] = await rowsOf(experimentId);
    expect(row).toMatchObject({ phase: 3, requests: 12, errors: 1 });
    expect(row!.latencyCounts[latencyBucket(20)]).toBe(11);
    expect(row!.latencyCounts.at(-1)).toBe(1);
  });

  it("holds at most maxPendingRows rows between flushes and counts what it drops", async () => {
    const experimentId = `${run}-c`;
    const minutes = new ServingMinutes(db, logger, { now: () => MINUTE, flushEveryMs: 3_600_000, maxPendingRows: 2 });
    for (const variantId of ["v1", "v2", "v3", "v1"]) minutes.record({ experimentId, phase: 1, variantId }, 3, "ok");
    expect(minutes.stats()).toMatchObject({ pendingRows: 2, dropped: 1 });
    await minutes.stop();
    expect((await rowsOf(experimentId)).map((row) => [row.variantId, row.requests])).toEqual([
      ["v1", 2],
      ["v2", 1],
    ]);
  });

  it("flushes on its own timer", async () => {
    const experimentId = `${run}-d`;
    const minutes = new ServingMinutes(db, logger, { flushEveryMs: 20 });
    minutes.record({ experimentId, phase: 1, variantId: "v" }, 3, "ok");
    try {
      while (minutes.stats().flushes === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await rowsOf(experimentId)).map((row) => row.requests)).toEqual([1]);
    } finally {
      await minutes.stop();
    }
  });
});
