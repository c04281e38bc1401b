import { sampleSizeForProportions } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_POWER_INPUTS, estimatePower, powerInputsFromBaseline, powerModelOf } from "./power.ts";

describe("power estimate", () => {
  it("uses core's two-proportion sample size for rate metrics and sizes the run by the smallest arm", () => {
    const estimate = estimatePower("ctr", { ...DEFAULT_POWER_INPUTS, baseline: 0.1, relativeMde: 0.1, dailyUsers: 1000 }, [0.8, 0.2], 0.5);
    const expected = sampleSizeForProportions({ baselineRate: 0.1, minimumDetectableEffect: 0.1 }).usersPerVariant;
    expect(estimate).toMatchObject({ ok: true, model: "proportions", usersPerVariant: expected, totalUsers: Math.ceil(expected / 0.2) });
    expect(estimate.ok && estimate.days).toBe(Math.ceil(Math.ceil(expected / 0.2) / 500));
  });

  it("uses means with a standard deviation for per-user metrics (n ≈ 16 σ²/δ²)", () => {
    const estimate = estimatePower("clicks", { ...DEFAULT_POWER_INPUTS, baseline: 1, standardDeviation: 1, relativeMde: 0.1 }, [0.5, 0.5], 1);
    expect(estimate.ok && estimate.usersPerVariant).toBeGreaterThan(1560);
    expect(estimate.ok && estimate.usersPerVariant).toBeLessThan(1580);
  });

  it("says why when the metric has no test or the inputs are impossible", () => {
    expect(powerModelOf("latency_p99")).toBeNull();
    expect(estimatePower("latency_p99", DEFAULT_POWER_INPUTS, [0.5, 0.5], 1)).toMatchObject({
      ok: false,
      message: expect.stringContaining("no significance test"),
    });
    expect(estimatePower("ctr", { ...DEFAULT_POWER_INPUTS, baseline: 1.5 }, [0.5, 0.5], 1)).toMatchObject({
      ok: false,
      message: expect.stringContaining("baselineRate"),
    });
  });
});

describe("power inputs from the event log", () => {
  const baseline = { ctr: 0.12, dailyUsers: 41.6, perUser: { clicks: { mean: 2, standardDeviation: 3 }, likes: { mean: 0, standardDeviation: 0 } } };

  it("takes the CTR, a per-user metric's mean and deviation, and the daily users", () => {
    expect(powerInputsFromBaseline("ctr", baseline)).toEqual({ baseline: 0.12, dailyUsers: 42 });
    expect(powerInputsFromBaseline("clicks", baseline)).toEqual({ baseline: 2, standardDeviation: 3, dailyUsers: 42 });
  });

  it("leaves what the log cannot say to the user", () => {
    expect(powerInputsFromBaseline("retention_d1", baseline)).toEqual({ dailyUsers: 42 });
    expect(powerInputsFromBaseline("likes", baseline)).toEqual({ dailyUsers: 42 });
    expect(powerInputsFromBaseline("ctr", undefined)).toEqual({});
  });
});
