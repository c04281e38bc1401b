// The wizard's power estimate: users needed per variant to detect the primary metric's minimum
// detectable effect (core's sampleSizeForProportions / sampleSizeForMeans, two-sided), and how long
// that takes at the expected traffic given the coverage and the smallest variant's weight.
import { experimentMetric, sampleSizeForMeans, sampleSizeForProportions } from "@cascade/core";

export type PowerInputs = {
  /** Rate metrics (ratio, proportion): the control's rate, 0..1. Per-user metrics: the control's mean. */
  baseline: number;
  /** Per-user metrics only: the per-user standard deviation. */
  standardDeviation: number;
  /** Relative minimum detectable effect (0.05: a 5 % lift). */
  relativeMde: number;
  alpha: number;
  power: number;
  /** Users who visit the surface per day (all of them, before coverage). */
  dailyUsers: number;
};

export type PowerEstimate =
  | { ok: true; usersPerVariant: number; absoluteEffect: number; totalUsers: number; days: number | null; model: "proportions" | "means" }
  | { ok: false; message: string };

export const DEFAULT_POWER_INPUTS: PowerInputs = { baseline: 0.05, standardDeviation: 2, relativeMde: 0.05, alpha: 0.05, power: 0.8, dailyUsers: 1000 };

/** Whether the metric is a rate (its baseline is a share) or a per-user mean (it needs a standard deviation), or has no test. */
export function powerModelOf(metricId: string): "proportions" | "means" | null {
  const metric = experimentMetric(metricId);
  if (!metric) return null;
  if (metric.kind === "ratio" || metric.kind === "proportion") return "proportions";
  if (metric.kind === "perUser") return "means";
  return null;
}

/**
 * `weights`: the variants' weights (the smallest arm sets the duration); `coverage`: the share of
 * traffic in the experiment. CTR is a ratio of impressions, planned here as a per-user conversion
 * rate (the delta method's variance is close to it when users see similar numbers of impressions).
 */
export function estimatePower(metricId: string, inputs: PowerInputs, weights: readonly number[], coverage: number): PowerEstimate {
  const model = powerModelOf(metricId);
  const metric = experimentMetric(metricId);
  if (!model)
    return {
      ok: false,
      message: `${metric?.label ?? metricId} has no significance test (only its lift is shown), so no sample size applies. Pick a rate or per-user metric.`,
    };
  try {
    const options = { minimumDetectableEffect: inputs.relativeMde, effectType: "relative" as const, alpha: inputs.alpha, power: inputs.power };
    const size =
      model === "proportions"
        ? sampleSizeForProportions({ baselineRate: inputs.baseline, ...options })
        : sampleSizeForMeans({ mean: inputs.baseline, standardDeviation: inputs.standardDeviation, ...options });
    const usable = weights.filter((weight) => Number.isFinite(weight) && weight > 0);
    const smallest = usable.length > 0 ? Math.min(...usable) : Number.NaN;
    // Every arm needs usersPerVariant; the smallest arm fills last.
    const totalUsers = Number.isFinite(smallest) ? Math.ceil(size.usersPerVariant / smallest) : size.usersPerVariant * Math.max(2, weights.length);
    const perDay = inputs.dailyUsers * (Number.isFinite(coverage) && coverage > 0 ? coverage : 0);
    const days = perDay > 0 ? Math.ceil(totalUsers / perDay) : null;
    return { ok: true, usersPerVariant: size.usersPerVariant, absoluteEffect: size.absoluteEffect, totalUsers, days, model };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** What the event log says about a surface (the experiment.baseline query), as far as the power estimate uses it. */
export type PowerBaseline = { ctr: number | null; dailyUsers: number; perUser: Record<string, { mean: number; standardDeviation: number }> };

/**
 * The inputs the data suggests for a primary metric: the CTR or the metric's per-user mean and
 * standard deviation, and the surface's daily users. Metrics the log cannot give (retention, serving
 * rates) and zero or missing values keep the defaults, for the user to fill in.
 */
export function powerInputsFromBaseline(metricId: string, baseline: PowerBaseline | undefined): Partial<PowerInputs> {
  if (!baseline) return {};
  const inputs: Partial<PowerInputs> = {};
  if (baseline.dailyUsers >= 1) inputs.dailyUsers = Math.round(baseline.dailyUsers);
  const model = powerModelOf(metricId);
  if (model === "proportions" && metricId === "ctr" && baseline.ctr !== null && baseline.ctr > 0 && baseline.ctr < 1) inputs.baseline = baseline.ctr;
  const perUser = baseline.perUser[metricId];
  if (model === "means" && perUser && perUser.mean !== 0 && perUser.standardDeviation > 0) {
    inputs.baseline = perUser.mean;
    inputs.standardDeviation = perUser.standardDeviation;
  }
  return inputs;
}
