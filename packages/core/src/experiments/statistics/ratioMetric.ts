// Ratio metrics whose analysis unit is not their denominator: CTR = Σclicks / Σimpressions over
// the users of an arm, while users (not impressions) are what was randomised. Impressions of one
// user are correlated, so treating them as independent Bernoulli trials understates the variance
// (often several-fold) and floods the results with false winners. The delta method (Deng, Knoblich
// & Lu, "Applying the Delta Method in Metric Analytics", KDD 2018) gives the variance of the ratio
// of two per-user means from the per-user variances and covariance of numerator and denominator.
import { compareEstimates, type LiftComparison } from "./comparison.ts";
import type { PairedSummary } from "./summary.ts";
import { assertCount, assertFiniteNumber, assertNonNegative } from "./validation.ts";

/** Per-user numerator (x: e.g. clicks) and denominator (y: e.g. impressions) of one arm, summarised. */
export type RatioSummary = PairedSummary;

export type RatioEstimate = { ratio: number; varianceOfRatio: number; standardError: number };

/**
 * R = mean(x) / mean(y) (= Σx / Σy) and, to first order,
 * Var(R) ≈ (Var(x) - 2 R Cov(x, y) + R² Var(y)) / (n · mean(y)²).
 */
export function ratioEstimate(summary: RatioSummary, name = "summary"): RatioEstimate {
  assertCount(`${name}.n`, summary.n, 2);
  assertFiniteNumber(`${name}.meanX`, summary.meanX);
  assertFiniteNumber(`${name}.meanY`, summary.meanY);
  assertNonNegative(`${name}.varianceX`, summary.varianceX);
  assertNonNegative(`${name}.varianceY`, summary.varianceY);
  assertFiniteNumber(`${name}.covariance`, summary.covariance);
  if (summary.meanY === 0) throw new Error(`${name}.meanY (the denominator's mean) must not be 0: the ratio is undefined`);
  const ratio = summary.meanX / summary.meanY;
  const spread = summary.varianceX - 2 * ratio * summary.covariance + ratio ** 2 * summary.varianceY;
  // Clamped: the quadratic form is a variance (of x - R·y) and only rounding can make it negative.
  const varianceOfRatio = Math.max(0, spread) / (summary.n * summary.meanY ** 2);
  return { ratio, varianceOfRatio, standardError: Math.sqrt(varianceOfRatio) };
}

/**
 * Compares a ratio metric between two arms: a z-test on the difference of the two ratios (the
 * delta method is a large-sample result, so normal rather than t), with intervals for the absolute
 * and relative lift.
 */
export function ratioMetricTest(control: RatioSummary, treatment: RatioSummary, options: { alpha?: number } = {}): LiftComparison {
  const controlRatio = ratioEstimate(control, "control");
  const treatmentRatio = ratioEstimate(treatment, "treatment");
  return compareEstimates(
    { mean: controlRatio.ratio, varianceOfMean: controlRatio.varianceOfRatio },
    { mean: treatmentRatio.ratio, varianceOfMean: treatmentRatio.varianceOfRatio },
    { alpha: options.alpha ?? 0.05, degreesOfFreedom: Infinity },
  );
}
