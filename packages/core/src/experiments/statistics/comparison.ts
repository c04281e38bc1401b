// The comparison every fixed-horizon test here ends in: two group means with the variances of
// those means, a test of "no difference", and confidence intervals for the absolute lift
// (treatment - control) and the relative lift (treatment / control - 1).
import { studentTQuantile, twoSidedPValue } from "./distributions.ts";
import { assertFiniteNumber, assertNonNegative, assertOpenUnitInterval } from "./validation.ts";

/** A group's estimated mean and the variance of that estimate (for a plain mean: s² / n). */
export type GroupEstimate = { mean: number; varianceOfMean: number };

/** A point estimate with its standard error and a two-sided (1 - alpha) confidence interval. */
export type IntervalEstimate = { estimate: number; standardError: number; lower: number; upper: number };

export type LiftComparison = {
  control: { mean: number; standardError: number };
  treatment: { mean: number; standardError: number };
  /** treatment - control. */
  absoluteLift: IntervalEstimate;
  /** treatment / control - 1; null when the control mean is 0 (no relative lift exists). */
  relativeLift: IntervalEstimate | null;
  /** z (degreesOfFreedom Infinity) or t statistic of the absolute lift. */
  statistic: number;
  degreesOfFreedom: number;
  /** Two-sided p-value for "the means are equal". */
  pValue: number;
  alpha: number;
};

export function compareEstimates(control: GroupEstimate, treatment: GroupEstimate, options: { alpha: number; degreesOfFreedom: number }): LiftComparison {
  const { alpha, degreesOfFreedom } = options;
  assertOpenUnitInterval("alpha", alpha);
  assertFiniteNumber("control.mean", control.mean);
  assertFiniteNumber("treatment.mean", treatment.mean);
  assertNonNegative("control.varianceOfMean", control.varianceOfMean);
  assertNonNegative("treatment.varianceOfMean", treatment.varianceOfMean);
  if (!(degreesOfFreedom > 0)) throw new Error(`degreesOfFreedom must be > 0, got ${degreesOfFreedom}`);

  const critical = studentTQuantile(1 - alpha / 2, degreesOfFreedom);
  const difference = treatment.mean - control.mean;
  const differenceError = Math.sqrt(control.varianceOfMean + treatment.varianceOfMean);
  // Both groups constant (e.g. 0 conversions each): equal means carry no evidence (statistic 0,
  // p = 1); different means with no variance at all are an infinite statistic (p = 0).
  const statistic = difference === 0 ? 0 : difference / differenceError;

  return {
    control: { mean: control.mean, standardError: Math.sqrt(control.varianceOfMean) },
    treatment: { mean: treatment.mean, standardError: Math.sqrt(treatment.varianceOfMean) },
    absoluteLift: interval(difference, differenceError, critical),
    relativeLift: relativeLift(control, treatment, critical),
    statistic,
    degreesOfFreedom,
    pValue: twoSidedPValue(statistic, degreesOfFreedom),
    alpha,
  };
}

/**
 * Relative lift by the delta method on the ratio of two independent means: for R = T / C,
 * Var(R) ≈ Var(T) / C² + T² Var(C) / C⁴ (first-order Taylor expansion around the true means).
 * A symmetric interval around the point estimate, as GrowthBook and Eppo report it; it is good
 * when the control mean is many standard errors away from 0 (any experiment worth reading).
 */
function relativeLift(control: GroupEstimate, treatment: GroupEstimate, critical: number): IntervalEstimate | null {
  if (control.mean === 0) return null;
  const ratio = treatment.mean / control.mean;
  const variance = treatment.varianceOfMean / control.mean ** 2 + (treatment.mean ** 2 * control.varianceOfMean) / control.mean ** 4;
  return interval(ratio - 1, Math.sqrt(variance), critical);
}

function interval(estimate: number, standardError: number, critical: number): IntervalEstimate {
  return { estimate, standardError, lower: estimate - critical * standardError, upper: estimate + critical * standardError };
}
