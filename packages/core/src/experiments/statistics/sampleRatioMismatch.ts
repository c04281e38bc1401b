// Sample-ratio mismatch: if a 50/50 experiment logged 50,000 vs 48,900 users, assignment or
// exposure logging is broken (bots filtered on one side, a redirect that loses users, a crash in
// one variant) and no metric of it can be trusted. Pearson's chi-square goodness of fit of the
// observed unit counts against the configured weights; the default threshold p < 0.001 is the
// industry convention (Kohavi et al.; Fabijan et al., KDD 2019) because the check runs on every
// experiment every day and must rarely cry wolf.
import { chiSquareSurvival } from "./distributions.ts";
import { assertCount, assertOpenUnitInterval, assertPositive } from "./validation.ts";

export type SampleRatioMismatchResult = {
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
  expectedCounts: number[];
  /** pValue < threshold: the split is not what was configured. */
  mismatch: boolean;
  threshold: number;
};

/**
 * @param observedCounts units seen per variant
 * @param expectedWeights configured traffic share per variant (same order), summing to 1
 */
export function sampleRatioMismatch(
  observedCounts: readonly number[],
  expectedWeights: readonly number[],
  options: { threshold?: number } = {},
): SampleRatioMismatchResult {
  const threshold = options.threshold ?? 0.001;
  assertOpenUnitInterval("threshold", threshold);
  if (observedCounts.length < 2) throw new Error(`observedCounts must hold at least 2 variants, got ${observedCounts.length}`);
  if (expectedWeights.length !== observedCounts.length) {
    throw new Error(`expectedWeights must have one weight per variant (${observedCounts.length}), got ${expectedWeights.length}`);
  }
  observedCounts.forEach((count, index) => assertCount(`observedCounts[${index}]`, count));
  expectedWeights.forEach((weight, index) => assertPositive(`expectedWeights[${index}]`, weight));
  const weightTotal = expectedWeights.reduce((sum, weight) => sum + weight, 0);
  if (Math.abs(weightTotal - 1) > 1e-9) throw new Error(`expectedWeights must sum to 1, got ${weightTotal}`);
  const total = observedCounts.reduce((sum, count) => sum + count, 0);
  if (total === 0) throw new Error("observedCounts must not all be 0");

  const expectedCounts = expectedWeights.map((weight) => weight * total);
  let chiSquare = 0;
  observedCounts.forEach((count, index) => {
    const expected = expectedCounts[index]!;
    chiSquare += (count - expected) ** 2 / expected;
  });
  const degreesOfFreedom = observedCounts.length - 1;
  const pValue = chiSquareSurvival(chiSquare, degreesOfFreedom);
  return { chiSquare, degreesOfFreedom, pValue, expectedCounts, mismatch: pValue < threshold, threshold };
}
