// analyzeExperiment on real PostgreSQL, from rollup rows written directly (what the consumer and the
// serving-minute recorder write): every number is checked against core's statistics applied to the
// same per-unit values in JavaScript — Welch, CUPED (with its variance reduction), the delta
// method for CTR, retention windows, latency quantiles, error rates — plus guardrail states,
// stopped variants, the timeline, source shares, coverage and the maxUnits bound.
import { randomUUID } from "node:crypto";
import {
  EXPERIMENT_METRIC_IDS,
  LATENCY_BUCKET_BOUNDS_MS,
  cupedTest,
  experimentResultsResponse,
  holmBonferroni,
  latencyBucket,
  ratioMetricTest,
  summarizePairs,
  twoProportionZTest,
  welchTTestFromSamples,
  type ExperimentResultsResponse,
} from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { getExperiment } from "@cascade/db/experiments";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeExperiment, MIN_UNTESTED_SAMPLE } from "./experimentAnalysis.ts";

const run = `xa${randomUUID().slice(0, 8)}`;
let db: Database;

const DAY = 86_400_000;
const D0 = Date.parse("2026-11-01T00:00:00Z");
const NOW = D0 + 10 * DAY + 3_600_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  await db.surface.create({ data: { id: run, name: run } });
});

afterAll(async () => {
  await db.surface.deleteMany({ where: { id: run } });
  for (const table of ["experiment_unit_days", "experiment_variant_items", "experiment_source_clicks", "experiment_serving_minutes"])
    await db.$executeRawUnsafe(`DELETE FROM ${table} WHERE experiment_id LIKE $1`, `${run}%`);
  await db.$disconnect();
});

type Unit = {
  unitId: string;
  variant: "a" | "b";
  exposedAt: number;
  pre: Record<string, number> | null;
  days: { day: number; impressions: number; clicks: number; watch: number }[];
};

async function createExperiment(name: string, guardrails: object[], variantStop?: { at: number; reason: string }): Promise<string> {
  const id = `${run}-${name}`;
  await db.experiment.create({
    data: {
      id,
      key: id,
      name,
      surfaceId: run,
      status: "running",
      salt: name,
      primaryMetric: "watch_seconds",
      guardrails,
      startedAt: new Date(D0),
      phaseStartedAt: new Date(D0),
      variants: {
        create: (["a", "b"] as const).map((key) => ({
          id: `${id}-${key}`,
          key,
          name: key,
          weight: 0.5,
          isControl: key === "a",
          stoppedAt: key === "b" && variantStop ? new Date(variantStop.at) : null,
          stopReason: key === "b" && variantStop ? variantStop.reason : null,
        })),
      },
    },
  });
  return id;
}

async function store(experimentId: string, units: readonly Unit[]): Promise<void> {
  await db.exposure.createMany({
    data: units.map((unit) => ({
      experimentId,
      phase: 1,
      variantId: `${experimentId}-${unit.variant}`,
      unitId: unit.unitId,
      userId: unit.unitId,
      exposedAt: new Date(unit.exposedAt),
      ...(unit.pre ? { prePeriod: unit.pre } : {}),
    })),
  });
  await db.experimentUnitDay.createMany({
    data: units.flatMap((unit) =>
      unit.days.map((day) => ({
        experimentId,
        phase: 1,
        unitId: unit.unitId,
        day: new Date(day.day),
        variantId: `${experimentId}-${unit.variant}`,
        impressions: day.impressions,
        clicks: day.clicks,
        watchSeconds: day.watch,
      })),
    ),
  });
}

/** A serving minute per variant with `requests` requests all at `latencyMs`, `errors` of them errors. */
async function serve(experimentId: string, variant: "a" | "b", minute: number, requests: number, latencyMs: number, errors: number): Promise<void> {
  const counts = Array.from({ length: LATENCY_BUCKET_BOUNDS_MS.length + 1 }, (_, index) => (index === latencyBucket(latencyMs) ? requests : 0));
  await db.experimentServingMinute.create({
    data: { experimentId, phase: 1, variantId: `${experimentId}-${variant}`, bucketStart: new Date(minute), requests, errors, latencyCounts: counts },
  });
}

/** Deterministic pseudo-random integers in [0, n). */
function generator(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

/**
 * 300 units per arm. Each unit's pre-period clicks predict its in-experiment clicks (CUPED has
 * something to remove); b clicks 1 more per unit on average and comes back the next day more often.
 */
function makeUnits(prefix: string, perArm: number): Unit[] {
  const random = generator(7);
  return (["a", "b"] as const).flatMap((variant) =>
    Array.from({ length: perArm }, (_, k): Unit => {
      const exposedAt = D0 + (k % 2) * DAY + 3_600_000 * (k % 5);
      const exposedDay = Date.parse(isoDay(exposedAt));
      const habit = random(8);
      const clicks = habit + random(3) + (variant === "b" ? 1 : 0);
      const impressions = 10 + random(6);
      const days = [{ day: exposedDay, impressions, clicks, watch: 20 + random(40) }];
      if (random(10) < (variant === "b" ? 6 : 4)) days.push({ day: exposedDay + DAY, impressions: 3, clicks: 1, watch: 5 });
      if (random(10) < 3) days.push({ day: exposedDay + 4 * DAY, impressions: 2, clicks: 0, watch: 0 });
      return {
        unitId: `${prefix}-${variant}-${String(k).padStart(4, "0")}`,
        variant,
        exposedAt,
        pre: k % 10 === 9 ? null : { clicks: habit * 2, watch_seconds: 7.77 },
        days,
      };
    }),
  );
}

const total = (unit: Unit, key: "impressions" | "clicks" | "watch") => unit.days.reduce((sum, day) => sum + day[key], 0);

describe("analyzeExperiment", () => {
  let id: string;
  let units: Unit[];
  let results: ExperimentResultsResponse;
  const arm = (variant: "a" | "b") => units.filter((unit) => unit.variant === variant);
  const comparison = (metric: string) => results.comparisons[0]!.metrics.find((entry) => entry.metric === metric)!;
  const value = (variant: string, metric: string) => results.variants.find((entry) => entry.key === variant)!.metrics.find((entry) => entry.metric === metric)!;

  beforeAll(async () => {
    id = await createExperiment("main", [
      { metric: "clicks", direction: "higherIsBetter", threshold: 0.05, thresholdKind: "relative" },
      { metric: "latency_p99", direction: "lowerIsBetter", threshold: 0.2, thresholdKind: "relative" },
      { metric: "error_rate", direction: "lowerIsBetter", threshold: 0.01, thresholdKind: "absolute" },
      { metric: "negative_feedback", direction: "lowerIsBetter", threshold: 0.1, thresholdKind: "relative" },
      { metric: "retention_d1", direction: "higherIsBetter", threshold: 0.5, thresholdKind: "relative" },
    ]);
    units = makeUnits(id, 300);
    await store(id, units);
    // Serving: a answers in ≤10 ms with 6 errors in 1200, b in ≤50 ms with 96 errors in 1200.
    await serve(id, "a", D0 + 60_000, 700, 8, 2);
    await serve(id, "a", D0 + DAY, 500, 9, 4);
    await serve(id, "b", D0 + 60_000, 1200, 45, 96);
    await db.experimentVariantItem.createMany({
      data: [
        ...Array.from({ length: 30 }, (_, k) => ({ experimentId: id, phase: 1, variantId: `${id}-a`, itemId: `i${k}` })),
        ...Array.from({ length: 45 }, (_, k) => ({ experimentId: id, phase: 1, variantId: `${id}-b`, itemId: `i${k}` })),
      ],
    });
    await db.experimentSourceClicks.createMany({
      data: [
        { experimentId: id, phase: 1, variantId: `${id}-a`, source: "popularity", clicks: 30 },
        { experimentId: id, phase: 1, variantId: `${id}-a`, source: "", clicks: 10 },
        { experimentId: id, phase: 1, variantId: `${id}-b`, source: "similar", clicks: 5 },
      ],
    });
    results = experimentResultsResponse.parse(await analyzeExperiment(db, await getExperiment(db, id), { nowMs: NOW }));
  });

  it("reports every catalogue metric per variant, totals equal to the stored rows", () => {
    expect(results).toMatchObject({ experimentId: id, phase: 1, truncated: false, cuped: true, from: new Date(D0).toISOString(), to: null });
    for (const variant of ["a", "b"] as const) {
      const own = results.variants.find((entry) => entry.key === variant)!;
      expect(own.exposures).toBe(300);
      expect(own.metrics.map((entry) => entry.metric)).toEqual(EXPERIMENT_METRIC_IDS);
      const clicks = arm(variant).reduce((sum, unit) => sum + total(unit, "clicks"), 0);
      const impressions = arm(variant).reduce((sum, unit) => sum + total(unit, "impressions"), 0);
      expect(value(variant, "clicks")).toEqual({ metric: "clicks", value: clicks / 300, total: clicks });
      expect(value(variant, "ctr").value).toBeCloseTo(clicks / impressions, 12);
    }
    expect(value("a", "catalog_coverage")).toEqual({ metric: "catalog_coverage", value: 30, total: 30 });
    expect(value("a", "latency_p50").value).toBe(10);
    expect(value("b", "latency_p99").value).toBe(50);
    expect(value("a", "error_rate")).toEqual({ metric: "error_rate", value: 6 / 1200, total: 6 });
    expect(value("b", "error_rate")).toEqual({ metric: "error_rate", value: 96 / 1200, total: 96 });
  });

  it("compares per-user metrics with CUPED on the pre-period, as core does on the raw values", async () => {
    const pairs = (variant: "a" | "b") =>
      summarizePairs(
        arm(variant).map((unit) => unit.pre?.clicks ?? 0),
        arm(variant).map((unit) => total(unit, "clicks")),
      );
    const expected = cupedTest(pairs("a"), pairs("b"));
    const clicks = comparison("clicks");
    expect(clicks).toMatchObject({ method: "welch", cupedApplied: true, reason: null });
    expect(clicks.absoluteLift!.estimate).toBeCloseTo(expected.absoluteLift.estimate, 9);
    expect(clicks.absoluteLift!.lower).toBeCloseTo(expected.absoluteLift.lower, 9);
    expect(clicks.pValue!).toBeCloseTo(expected.pValue, 12);
    expect(clicks.varianceReduction!).toBeCloseTo(expected.varianceReduction, 9);
    expect(clicks.varianceReduction!).toBeGreaterThan(0.5); // the habit explains most of the spread

    // Off: plain Welch on the same values, with a wider interval.
    const plain = experimentResultsResponse.parse(await analyzeExperiment(db, await getExperiment(db, id), { nowMs: NOW, cuped: false }));
    const plainClicks = plain.comparisons[0]!.metrics.find((entry) => entry.metric === "clicks")!;
    const welch = welchTTestFromSamples(
      arm("a").map((unit) => total(unit, "clicks")),
      arm("b").map((unit) => total(unit, "clicks")),
    );
    expect(plain.cuped).toBe(false);
    expect(plainClicks).toMatchObject({ cupedApplied: false, varianceReduction: null });
    expect(plainClicks.pValue!).toBeCloseTo(welch.pValue, 12);
    expect(plainClicks.absoluteLift!.upper - plainClicks.absoluteLift!.lower).toBeGreaterThan(clicks.absoluteLift!.upper - clicks.absoluteLift!.lower);
    // A metric with no pre-period value (likes: 0 for every unit) has nothing to adjust with.
    expect(comparison("likes")).toMatchObject({ cupedApplied: false, varianceReduction: null });
  });

  it("compares CTR by the delta method, retention and error rates as proportions, latency and coverage by lift only", () => {
    const ctrPairs = (variant: "a" | "b") =>
      summarizePairs(
        arm(variant).map((unit) => total(unit, "clicks")),
        arm(variant).map((unit) => total(unit, "impressions")),
      );
    const ctr = ratioMetricTest(ctrPairs("a"), ctrPairs("b"));
    expect(comparison("ctr").method).toBe("delta");
    expect(comparison("ctr").pValue!).toBeCloseTo(ctr.pValue, 12);
    expect(comparison("ctr").sequentialPValue!).toBeGreaterThan(0);

    // Every unit's next day has passed by NOW: all are eligible.
    const returned = (variant: "a" | "b", window: number) =>
      arm(variant).filter((unit) => {
        const exposedDay = Date.parse(isoDay(unit.exposedAt));
        return unit.days.some((day) => day.day >= exposedDay + DAY && day.day <= exposedDay + window * DAY);
      }).length;
    const d1 = twoProportionZTest({ conversions: returned("a", 1), users: 300 }, { conversions: returned("b", 1), users: 300 });
    expect(value("b", "retention_d1")).toEqual({ metric: "retention_d1", value: returned("b", 1) / 300, total: returned("b", 1) });
    expect(value("a", "retention_d7").total).toBe(returned("a", 7));
    expect(comparison("retention_d1")).toMatchObject({ method: "proportion" });
    expect(comparison("retention_d1").pValue!).toBeCloseTo(d1.pValue, 12);
    const errors = twoProportionZTest({ conversions: 6, users: 1200 }, { conversions: 96, users: 1200 });
    expect(comparison("error_rate").absoluteLift!.estimate).toBeCloseTo(errors.absoluteLift.estimate, 12);

    expect(comparison("latency_p50")).toMatchObject({
      method: "none",
      pValue: null,
      absoluteLift: { estimate: 40, lower: 40, upper: 40 },
      relativeLift: { estimate: 4 },
    });
    expect(comparison("catalog_coverage")).toMatchObject({ method: "none", absoluteLift: { estimate: 15 }, relativeLift: { estimate: 0.5 } });

    // Holm across the tested metrics only.
    const testedRows = results.comparisons[0]!.metrics.filter((entry) => entry.pValue !== null);
    expect(testedRows.map((entry) => entry.adjustedPValue)).toEqual(holmBonferroni(testedRows.map((entry) => entry.pValue!)));
    expect(results.comparisons[0]!.metrics.filter((entry) => entry.method === "none").every((entry) => entry.adjustedPValue === null)).toBe(true);
  });

  it("states each guardrail: regressed with a significant sequential test or enough requests, ok, insufficient data", () => {
    const state = (metric: string) => results.guardrails.find((guardrail) => guardrail.metric === metric)!.variants[0]!;
    expect(state("clicks")).toMatchObject({ variant: "b", state: "ok" }); // b clicks more
    expect(state("clicks").lift!).toBeGreaterThan(0);
    expect(state("latency_p99")).toMatchObject({ state: "regressed", lift: 4, sequentialPValue: null });
    expect(state("latency_p99").detail).toContain(`${MIN_UNTESTED_SAMPLE}`);
    expect(state("error_rate")).toMatchObject({ state: "regressed" });
    expect(state("error_rate").lift!).toBeCloseTo(90 / 1200, 12);
    expect(state("error_rate").sequentialPValue!).toBeLessThan(0.05);
    expect(state("negative_feedback")).toMatchObject({ state: "insufficient_data", lift: null }); // control at 0: no relative lift
    expect(state("retention_d1").state).toBe("ok");
    for (const guardrail of results.guardrails) expect(guardrail.variants[0]!.detail).toMatch(/\.$/);
  });

  it("charts cumulative exposures, ctr, clicks and the primary metric per day, and shares clicks by source", () => {
    expect(results.timeline.map((day) => day.day)).toEqual(Array.from({ length: 11 }, (_, k) => isoDay(D0 + k * DAY)));
    const [first, second] = results.timeline;
    expect(first!.variants.map((entry) => entry.exposures)).toEqual([150, 150]);
    expect(second!.variants.map((entry) => entry.exposures)).toEqual([300, 300]);
    const last = results.timeline.at(-1)!.variants.find((entry) => entry.variant === "b")!;
    expect(last.metrics.clicks).toBeCloseTo(value("b", "clicks").value!, 12);
    expect(last.metrics.ctr).toBeCloseTo(value("b", "ctr").value!, 12);
    expect(last.metrics.watch_seconds).toBeCloseTo(value("b", "watch_seconds").value!, 12); // the primary metric
    const dayOneClicks = arm("a")
      .flatMap((unit) => unit.days)
      .filter((day) => day.day === D0)
      .reduce((sum, day) => sum + day.clicks, 0);
    expect(first!.variants[0]!.metrics.clicks).toBeCloseTo(dayOneClicks / 150, 12);

    expect(results.sourceShare).toEqual([
      {
        variant: "a",
        sources: [
          { source: "popularity", clicks: 30, share: 0.75 },
          { source: "", clicks: 10, share: 0.25 },
        ],
      },
      { variant: "b", sources: [{ source: "similar", clicks: 5, share: 1 }] },
    ]);
    expect(results.sampleRatio).toMatchObject({ observed: [300, 300], flagged: false });
  });

  it("reads at most maxUnits units and says so", async () => {
    const bounded = await analyzeExperiment(db, await getExperiment(db, id), { nowMs: NOW, maxUnits: 100 });
    expect(bounded.truncated).toBe(true);
    expect(bounded.variants.reduce((sum, variant) => sum + variant.exposures, 0)).toBe(100);
    // Unit ids sort a-… before b-…: the first 100 are all in a.
    expect(bounded.variants.map((variant) => variant.exposures)).toEqual([100, 0]);
    expect(bounded.comparisons[0]!.metrics.find((entry) => entry.metric === "clicks")).toMatchObject({
      absoluteLift: null,
      reason: "fewer than 2 exposed units in an arm",
    });
  });
});

describe("analyzeExperiment on little data", () => {
  it("reports a stopped variant, counts retention only for windows that passed, and says when a guardrail cannot be judged", async () => {
    const stop = D0 + DAY + 7_200_000;
    const id = await createExperiment(
      "small",
      [
        { metric: "latency_p50", direction: "lowerIsBetter", threshold: 0.1, thresholdKind: "relative" },
        { metric: "clicks", direction: "higherIsBetter", threshold: 0.01, thresholdKind: "relative" },
        { metric: "no_such_metric", direction: "higherIsBetter", threshold: 0.1, thresholdKind: "relative" },
      ],
      { at: stop, reason: "guardrail latency_p99 regressed" },
    );
    const units = makeUnits(id, 6);
    await store(id, units);
    await serve(id, "a", D0 + 60_000, 50, 5, 0);
    await serve(id, "b", D0 + 60_000, 50, 500, 0);
    // A serving minute after b's stop does not count.
    await serve(id, "b", stop + 3_600_000, 5000, 1, 0);

    const results = await analyzeExperiment(db, await getExperiment(db, id), { nowMs: D0 + DAY + 12 * 3_600_000 });
    expect(results.variants[1]).toMatchObject({ key: "b", stoppedAt: new Date(stop).toISOString(), stopReason: "guardrail latency_p99 regressed" });
    const metric = (variant: number, name: string) => results.variants[variant]!.metrics.find((entry) => entry.metric === name)!;
    expect(metric(1, "latency_p50").value).toBe(500);
    // Nobody's next day has passed yet: retention is not computable.
    expect(metric(0, "retention_d1")).toEqual({ metric: "retention_d1", value: null, total: 0 });
    expect(results.comparisons[0]!.metrics.find((entry) => entry.metric === "retention_d7")).toMatchObject({
      pValue: null,
      reason: expect.stringContaining("7 days"),
    });

    const state = (name: string) => results.guardrails.find((guardrail) => guardrail.metric === name)!.variants[0]!;
    expect(state("latency_p50")).toMatchObject({ state: "insufficient_data", lift: 99 });
    expect(state("latency_p50").detail).toContain("have 50 and 50");
    expect(state("no_such_metric").state).toBe("insufficient_data");
    expect(["ok", "insufficient_data"]).toContain(state("clicks").state); // 6 units per arm: never regressed
    expect(results.timeline.map((day) => day.day)).toEqual([isoDay(D0), isoDay(D0 + DAY)]);

    // Every unit here has the same pre-period watch time (7.77, inexact in binary): its variance
    // from sums is rounding residue, and CUPED must not divide by it.
    expect(units.every((unit) => unit.pre?.watch_seconds === 7.77)).toBe(true);
    expect(results.comparisons[0]!.metrics.find((entry) => entry.metric === "watch_seconds")).toMatchObject({ cupedApplied: false, varianceReduction: null });

    // The sample-ratio check counts units exposed before b stopped (b takes no new units after it).
    const before = (variant: "a" | "b") => units.filter((unit) => unit.variant === variant && unit.exposedAt <= stop).length;
    expect(before("a")).toBeLessThan(6);
    expect(results.sampleRatio!.observed).toEqual([before("a"), before("b")]);

    // b is compared with the control as it stood at b's stop: its units exposed by then, their days through the stop's.
    const plain = await analyzeExperiment(db, await getExperiment(db, id), { nowMs: D0 + 3 * DAY, cuped: false });
    const clicks = (unit: Unit, lastDay = Infinity) => unit.days.filter((day) => day.day <= lastDay).reduce((sum, day) => sum + day.clicks, 0);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const treatment = mean(units.filter((unit) => unit.variant === "b").map((unit) => clicks(unit)));
    const controlAtStop = mean(units.filter((unit) => unit.variant === "a" && unit.exposedAt <= stop).map((unit) => clicks(unit, Date.parse(isoDay(stop)))));
    const controlNow = mean(units.filter((unit) => unit.variant === "a").map((unit) => clicks(unit)));
    expect(controlAtStop).not.toBeCloseTo(controlNow, 6);
    const lift = plain.comparisons[0]!.metrics.find((entry) => entry.metric === "clicks")!;
    expect(lift.absoluteLift!.estimate).toBeCloseTo(treatment - controlAtStop, 12);
    // The control's own row still reports all its units.
    expect(plain.variants[0]!.exposures).toBe(6);
  });
});
