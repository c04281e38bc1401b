// Corrections for reading many metrics × variants at once: at alpha = 0.05, twenty independent
// null comparisons give at least one "winner" 64% of the time. Both return adjusted p-values in
// the input order (compare each with alpha), as R's p.adjust does, so a results page can show them
// beside the raw ones.
import { assertOpenUnitInterval } from "./validation.ts";

/**
 * Holm–Bonferroni (Holm 1979): controls the family-wise error rate (the chance of any false
 * positive) under any dependence, and is uniformly more powerful than plain Bonferroni. For sorted
 * p(1) ≤ … ≤ p(m): adjusted p(i) = max over j ≤ i of min(1, (m - j + 1) p(j)).
 */
export function holmBonferroni(pValues: readonly number[]): number[] {
  assertPValues(pValues);
  const m = pValues.length;
  const order = sortedIndices(pValues);
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach((originalIndex, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * pValues[originalIndex]!));
    adjusted[originalIndex] = runningMax;
  });
  return adjusted;
}

/**
 * Benjamini–Hochberg (1995): controls the false discovery rate (the expected share of false
 * positives among the declared winners) for independent or positively dependent tests, which
 * keeps far more power than FWER control when many metrics are read. For sorted p(1) ≤ … ≤ p(m):
 * adjusted p(i) = min over j ≥ i of min(1, m p(j) / j).
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  assertPValues(pValues);
  const m = pValues.length;
  const order = sortedIndices(pValues);
  const adjusted = new Array<number>(m);
  let runningMin = 1;
  for (let rank = m - 1; rank >= 0; rank -= 1) {
    const originalIndex = order[rank]!;
    runningMin = Math.min(runningMin, (m * pValues[originalIndex]!) / (rank + 1));
    adjusted[originalIndex] = runningMin;
  }
  return adjusted;
}

/** Which hypotheses an adjusted p-value list rejects at `alpha`. */
export function rejectedAt(adjustedPValues: readonly number[], alpha = 0.05): boolean[] {
  assertOpenUnitInterval("alpha", alpha);
  return adjustedPValues.map((pValue) => pValue <= alpha);
}

function sortedIndices(values: readonly number[]): number[] {
  return values.map((_, index) => index).sort((a, b) => values[a]! - values[b]! || a - b);
}

function assertPValues(pValues: readonly number[]): void {
  if (pValues.length === 0) throw new Error("pValues must not be empty");
  pValues.forEach((pValue, index) => {
    if (typeof pValue !== "number" || !(pValue >= 0 && pValue <= 1)) throw new Error(`pValues[${index}] must be in [0, 1], got ${String(pValue)}`);
  });
}
