// Per-group summaries: what the tests consume, so they work the same from raw per-user values
// (tests, notebooks) and from rollups (counts, sums and sums of squares kept in Postgres).
import { assertCount, assertFiniteNumber, assertNonNegative } from "./validation.ts";

/** A sample of one metric in one variant: size, mean and the unbiased (n - 1) variance. */
export type SampleSummary = { n: number; mean: number; variance: number };

/**
 * Two metrics measured on the same units (per-user clicks and impressions; an in-experiment metric
 * and its pre-period value): their means, unbiased variances and covariance.
 */
export type PairedSummary = {
  n: number;
  meanX: number;
  meanY: number;
  varianceX: number;
  varianceY: number;
  covariance: number;
};

/** Summarises raw values with two passes (mean, then squared deviations): no cancellation from sums of squares. */
export function summarizeSample(values: readonly number[], name = "values"): SampleSummary {
  assertCount(`${name}.length`, values.length, 2);
  let total = 0;
  for (const [index, value] of values.entries()) {
    assertFiniteNumber(`${name}[${index}]`, value);
    total += value;
  }
  const mean = total / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { n: values.length, mean, variance: squares / (values.length - 1) };
}

/** Summarises a sample from the sums a rollup keeps: n, Σx and Σx². */
export function summarizeSampleFromSums(sums: { n: number; sum: number; sumOfSquares: number }, name = "sums"): SampleSummary {
  assertCount(`${name}.n`, sums.n, 2);
  assertFiniteNumber(`${name}.sum`, sums.sum);
  assertNonNegative(`${name}.sumOfSquares`, sums.sumOfSquares);
  const mean = sums.sum / sums.n;
  // Clamped at 0: rounding in Σx² - n·mean² can go a hair negative for a constant sample.
  const variance = Math.max(0, (sums.sumOfSquares - sums.n * mean * mean) / (sums.n - 1));
  return { n: sums.n, mean, variance };
}

/** Summarises paired raw values (xs[i] and ys[i] belong to the same unit) with two passes. */
export function summarizePairs(xs: readonly number[], ys: readonly number[], name = "pairs"): PairedSummary {
  if (xs.length !== ys.length) throw new Error(`${name}: both series must have one value per unit, got ${xs.length} and ${ys.length}`);
  const x = summarizeSample(xs, `${name}.x`);
  const y = summarizeSample(ys, `${name}.y`);
  let crossProducts = 0;
  for (let index = 0; index < xs.length; index += 1) crossProducts += (xs[index]! - x.mean) * (ys[index]! - y.mean);
  return { n: x.n, meanX: x.mean, meanY: y.mean, varianceX: x.variance, varianceY: y.variance, covariance: crossProducts / (x.n - 1) };
}

/** Summarises paired values from rollup sums: n, Σx, Σy, Σx², Σy², Σxy. */
export function summarizePairsFromSums(
  sums: { n: number; sumX: number; sumY: number; sumXSquares: number; sumYSquares: number; sumXY: number },
  name = "sums",
): PairedSummary {
  assertCount(`${name}.n`, sums.n, 2);
  for (const key of ["sumX", "sumY", "sumXY"] as const) assertFiniteNumber(`${name}.${key}`, sums[key]);
  assertNonNegative(`${name}.sumXSquares`, sums.sumXSquares);
  assertNonNegative(`${name}.sumYSquares`, sums.sumYSquares);
  const { n } = sums;
  const meanX = sums.sumX / n;
  const meanY = sums.sumY / n;
  return {
    n,
    meanX,
    meanY,
    varianceX: Math.max(0, (sums.sumXSquares - n * meanX * meanX) / (n - 1)),
    varianceY: Math.max(0, (sums.sumYSquares - n * meanY * meanY) / (n - 1)),
    covariance: (sums.sumXY - n * meanX * meanY) / (n - 1),
  };
}
