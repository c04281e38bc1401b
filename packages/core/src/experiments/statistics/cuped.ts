// CUPED (Deng, Xu, Kohavi & Walker, "Improving the Sensitivity of Online Controlled Experiments by
// Utilizing Pre-Experiment Data", WSDM 2013): subtract from each user's metric Y the part that a
// pre-period covariate X (usually the same metric before the experiment) predicts,
// Y' = Y - θ (X - mean X). X is independent of the assignment, so the lift estimate stays unbiased
// while its variance shrinks by the share ρ² that X explains. Users with no pre-period get X = 0.
import { compareEstimates, type LiftComparison } from "./comparison.ts";
import type { PairedSummary } from "./summary.ts";
import { welchDegreesOfFreedom } from "./welch.ts";
import { assertCount, assertFiniteNumber, assertNonNegative } from "./validation.ts";

/** One arm's users summarised as pairs: x = the pre-period covariate, y = the in-experiment metric. */
export type CupedSummary = PairedSummary;

export type CupedArm = {
  n: number;
  /** The plain mean of the metric. */
  mean: number;
  /** mean(Y) - θ (mean(X) in this arm - mean(X) over all arms). */
  adjustedMean: number;
  /** Var(Y - θX) / n: the variance of the adjusted mean. */
  varianceOfAdjustedMean: number;
  /** Var(Y) / n: the variance of the plain mean, for comparison. */
  varianceOfMean: number;
};

/**
 * θ = Cov(Y, X) / Var(X) pooled across arms from within-arm (co)variances, so a treatment effect on
 * Y's mean cannot leak into θ. θ is 0 when the covariate does not vary (nothing to adjust with).
 */
export function cupedTheta(arms: readonly CupedSummary[]): number {
  if (arms.length === 0) throw new Error("arms must hold at least one arm");
  let covarianceSum = 0;
  let varianceSum = 0;
  for (const [index, arm] of arms.entries()) {
    assertCupedSummary(`arms[${index}]`, arm);
    covarianceSum += (arm.n - 1) * arm.covariance;
    varianceSum += (arm.n - 1) * arm.varianceX;
  }
  return varianceSum === 0 ? 0 : covarianceSum / varianceSum;
}

/** Adjusts every arm with one θ (pooled across them unless given) around the covariate's overall mean. */
export function cupedAdjust(arms: readonly CupedSummary[], theta = cupedTheta(arms)): { theta: number; arms: CupedArm[] } {
  assertFiniteNumber("theta", theta);
  let units = 0;
  let covariateTotal = 0;
  for (const [index, arm] of arms.entries()) {
    assertCupedSummary(`arms[${index}]`, arm);
    units += arm.n;
    covariateTotal += arm.n * arm.meanX;
  }
  const covariateMean = covariateTotal / units;
  return {
    theta,
    arms: arms.map((arm) => {
      // Var(Y - θX) = Var(Y) - 2θ Cov(X, Y) + θ² Var(X); clamped since only rounding makes it negative.
      const adjustedVariance = Math.max(0, arm.varianceY - 2 * theta * arm.covariance + theta ** 2 * arm.varianceX);
      return {
        n: arm.n,
        mean: arm.meanY,
        adjustedMean: arm.meanY - theta * (arm.meanX - covariateMean),
        varianceOfAdjustedMean: adjustedVariance / arm.n,
        varianceOfMean: arm.varianceY / arm.n,
      };
    }),
  };
}

export type CupedTestResult = LiftComparison & {
  theta: number;
  control: LiftComparison["control"] & { unadjustedMean: number };
  treatment: LiftComparison["treatment"] & { unadjustedMean: number };
  /** 1 - Var(adjusted lift) / Var(plain lift): the share of variance CUPED removed. */
  varianceReduction: number;
};

/**
 * Welch's test on the CUPED-adjusted metric (θ treated as known, as in the paper: its estimation
 * error is O(1/n) and negligible at experiment sizes). In experiments with more than two arms,
 * pass the θ from cupedTheta over all arms so every comparison uses the same adjustment.
 */
export function cupedTest(control: CupedSummary, treatment: CupedSummary, options: { alpha?: number; theta?: number } = {}): CupedTestResult {
  const adjusted = cupedAdjust([control, treatment], options.theta ?? cupedTheta([control, treatment]));
  const [controlArm, treatmentArm] = adjusted.arms as [CupedArm, CupedArm];
  const comparison = compareEstimates(
    { mean: controlArm.adjustedMean, varianceOfMean: controlArm.varianceOfAdjustedMean },
    { mean: treatmentArm.adjustedMean, varianceOfMean: treatmentArm.varianceOfAdjustedMean },
    {
      alpha: options.alpha ?? 0.05,
      degreesOfFreedom: welchDegreesOfFreedom(controlArm.varianceOfAdjustedMean, controlArm.n, treatmentArm.varianceOfAdjustedMean, treatmentArm.n),
    },
  );
  const plainVariance = controlArm.varianceOfMean + treatmentArm.varianceOfMean;
  const adjustedVariance = controlArm.varianceOfAdjustedMean + treatmentArm.varianceOfAdjustedMean;
  return {
    ...comparison,
    theta: adjusted.theta,
    control: { ...comparison.control, unadjustedMean: controlArm.mean },
    treatment: { ...comparison.treatment, unadjustedMean: treatmentArm.mean },
    varianceReduction: plainVariance === 0 ? 0 : 1 - adjustedVariance / plainVariance,
  };
}

function assertCupedSummary(name: string, arm: CupedSummary): void {
  assertCount(`${name}.n`, arm.n, 2);
  assertFiniteNumber(`${name}.meanX`, arm.meanX);
  assertFiniteNumber(`${name}.meanY`, arm.meanY);
  assertNonNegative(`${name}.varianceX`, arm.varianceX);
  assertNonNegative(`${name}.varianceY`, arm.varianceY);
  assertFiniteNumber(`${name}.covariance`, arm.covariance);
}
