// Distribution functions behind every test in this folder.
//
// From stdlib (@stdlib/*: ports of Cephes/Boost with their published accuracy, kept and tested
// upstream) rather than hand-written: the Student t and incomplete-gamma tails need careful
// continued fractions that are easy to get subtly wrong. Tails are taken directly (cdf(-|x|),
// the upper incomplete gamma) instead of as 1 - cdf, so tiny p-values keep their digits.
import upperIncompleteGamma from "@stdlib/math-base-special-gammainc";
import normalCdfStdlib from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantileStdlib from "@stdlib/stats-base-dists-normal-quantile";
import studentTCdfStdlib from "@stdlib/stats-base-dists-t-cdf";
import studentTQuantileStdlib from "@stdlib/stats-base-dists-t-quantile";

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return normalCdfStdlib(z, 0, 1);
}

/** The z with P(Z ≤ z) = p for a standard normal Z. */
export function normalQuantile(p: number): number {
  return normalQuantileStdlib(p, 0, 1);
}

/** P(T ≤ t) for Student's t with `degreesOfFreedom` (Infinity: the normal limit). */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
  return degreesOfFreedom === Infinity ? normalCdf(t) : studentTCdfStdlib(t, degreesOfFreedom);
}

/** The t with P(T ≤ t) = p for Student's t with `degreesOfFreedom` (Infinity: the normal limit). */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
  return degreesOfFreedom === Infinity ? normalQuantile(p) : studentTQuantileStdlib(p, degreesOfFreedom);
}

/** P(X ≥ x) for a chi-square X with `degreesOfFreedom`: the regularised upper incomplete gamma Q(k/2, x/2). */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  if (x <= 0) return 1;
  return upperIncompleteGamma(x / 2, degreesOfFreedom / 2, true, true);
}

/** Two-sided p-value of a statistic that is t-distributed (normal when degreesOfFreedom is Infinity) under the null. */
export function twoSidedPValue(statistic: number, degreesOfFreedom: number): number {
  if (Number.isNaN(statistic)) return Number.NaN;
  return Math.min(1, 2 * studentTCdf(-Math.abs(statistic), degreesOfFreedom));
}
