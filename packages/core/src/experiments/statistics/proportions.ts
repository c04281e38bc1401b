// Two-proportion z-test for conversion metrics (share of users who clicked, bought, came back).
import { compareEstimates, type LiftComparison } from "./comparison.ts";
import { normalCdf } from "./distributions.ts";
import { assertCount } from "./validation.ts";

export type ConversionCounts = { conversions: number; users: number };

export type ProportionTestOptions = {
  /** Two-sided significance level; the intervals are (1 - alpha). Default 0.05. */
  alpha?: number;
  /**
   * Standard error of the test statistic. "unpooled" (default) uses each arm's own p(1 - p)/n, the
   * same standard error as the confidence interval, so "interval excludes 0" and "p < alpha" always
   * agree (GrowthBook and Eppo do this). "pooled" is the textbook test (statsmodels'
   * proportions_ztest default): exact under the null, but can disagree with the interval at the margin.
   */
  variance?: "unpooled" | "pooled";
};

/** The comparison of conversion rates; `variance` says which standard error the statistic and p-value used. */
export type ProportionTestResult = LiftComparison & { variance: "unpooled" | "pooled" };

export function twoProportionZTest(control: ConversionCounts, treatment: ConversionCounts, options: ProportionTestOptions = {}): ProportionTestResult {
  const alpha = options.alpha ?? 0.05;
  const variance = options.variance ?? "unpooled";
  for (const [name, arm] of [
    ["control", control],
    ["treatment", treatment],
  ] as const) {
    assertCount(`${name}.users`, arm.users, 1);
    assertCount(`${name}.conversions`, arm.conversions);
    if (arm.conversions > arm.users) throw new Error(`${name}.conversions (${arm.conversions}) must not exceed ${name}.users (${arm.users})`);
  }
  const controlRate = control.conversions / control.users;
  const treatmentRate = treatment.conversions / treatment.users;
  const comparison = compareEstimates(
    { mean: controlRate, varianceOfMean: (controlRate * (1 - controlRate)) / control.users },
    { mean: treatmentRate, varianceOfMean: (treatmentRate * (1 - treatmentRate)) / treatment.users },
    { alpha, degreesOfFreedom: Infinity },
  );
  if (variance === "unpooled") return { ...comparison, variance };

  // Pooled: under the null both arms share one rate, estimated from both together.
  const pooledRate = (control.conversions + treatment.conversions) / (control.users + treatment.users);
  const pooledError = Math.sqrt(pooledRate * (1 - pooledRate) * (1 / control.users + 1 / treatment.users));
  const difference = treatmentRate - controlRate;
  const statistic = difference === 0 ? 0 : difference / pooledError;
  const pValue = Math.min(1, 2 * normalCdf(-Math.abs(statistic)));
  return { ...comparison, statistic, pValue, variance };
}
