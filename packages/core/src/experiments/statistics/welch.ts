// Welch's t-test for continuous per-user metrics (clicks per user, revenue per user): it does not
// assume equal variances in the two arms, which a treatment that changes behaviour rarely keeps.
import { compareEstimates, type LiftComparison } from "./comparison.ts";
import { summarizeSample, type SampleSummary } from "./summary.ts";
import { assertCount, assertFiniteNumber, assertNonNegative } from "./validation.ts";

export type WelchOptions = { /** Two-sided significance level; intervals are (1 - alpha). Default 0.05. */ alpha?: number };

/** Welch's test from per-arm summaries (n, mean, unbiased variance). */
export function welchTTest(control: SampleSummary, treatment: SampleSummary, options: WelchOptions = {}): LiftComparison {
  assertSummary("control", control);
  assertSummary("treatment", treatment);
  const controlVarianceOfMean = control.variance / control.n;
  const treatmentVarianceOfMean = treatment.variance / treatment.n;
  return compareEstimates(
    { mean: control.mean, varianceOfMean: controlVarianceOfMean },
    { mean: treatment.mean, varianceOfMean: treatmentVarianceOfMean },
    { alpha: options.alpha ?? 0.05, degreesOfFreedom: welchDegreesOfFreedom(controlVarianceOfMean, control.n, treatmentVarianceOfMean, treatment.n) },
  );
}

/** Welch's test from raw per-user values. */
export function welchTTestFromSamples(control: readonly number[], treatment: readonly number[], options: WelchOptions = {}): LiftComparison {
  return welchTTest(summarizeSample(control, "control"), summarizeSample(treatment, "treatment"), options);
}

/**
 * Welch–Satterthwaite degrees of freedom, from each arm's variance of the mean (s²/n). When both
 * arms are constant the formula is 0/0; the pooled n1 + n2 - 2 is used (the statistic is then 0 or
 * infinite anyway).
 */
export function welchDegreesOfFreedom(controlVarianceOfMean: number, controlN: number, treatmentVarianceOfMean: number, treatmentN: number): number {
  const denominator = controlVarianceOfMean ** 2 / (controlN - 1) + treatmentVarianceOfMean ** 2 / (treatmentN - 1);
  if (denominator === 0) return controlN + treatmentN - 2;
  return (controlVarianceOfMean + treatmentVarianceOfMean) ** 2 / denominator;
}

function assertSummary(name: string, summary: SampleSummary): void {
  assertCount(`${name}.n`, summary.n, 2);
  assertFiniteNumber(`${name}.mean`, summary.mean);
  assertNonNegative(`${name}.variance`, summary.variance);
}
