// Example-weighted AUC and log loss, for metrics on a validation set re-weighted by inverse
// propensity (an estimate of how the model would do on every candidate, not only on what the
// logging policy chose to show). packages/core/src/evaluation has the unweighted ones; with all
// weights 1 these equal them.

/**
 * Weighted ROC AUC: Σ_{pos i, neg j} w_i·w_j·[s_i > s_j] (ties ½) / (Σ_pos w · Σ_neg w).
 * One sort by score, then a sweep over groups of tied scores; O(n log n). NaN when a class has no
 * weight.
 */
export function weightedAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n || weights.length !== n) throw new Error(`weightedAuc: ${n} scores, ${labels.length} labels, ${weights.length} weights`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  order.sort((a, b) => scores[a]! - scores[b]!);
  let negativeBelow = 0;
  let numerator = 0;
  let positiveTotal = 0;
  for (let start = 0; start < n;) {
    let end = start;
    let positive = 0;
    let negative = 0;
    while (end < n && scores[order[end]!] === scores[order[start]!]) {
      const i = order[end]!;
      if (labels[i]! > 0.5) positive += weights[i]!;
      else negative += weights[i]!;
      end += 1;
    }
    numerator += positive * (negativeBelow + 0.5 * negative);
    negativeBelow += negative;
    positiveTotal += positive;
    start = end;
  }
  if (!(positiveTotal > 0) || !(negativeBelow > 0)) return Number.NaN;
  return numerator / (positiveTotal * negativeBelow);
}

/** Σ w·BCE / Σ w, predictions clipped to [eps, 1 − eps]; labels may be soft. */
export function weightedLogLoss(predictions: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>, eps = 1e-15): number {
  const n = predictions.length;
  if (labels.length !== n || weights.length !== n) throw new Error(`weightedLogLoss: ${n} predictions, ${labels.length} labels, ${weights.length} weights`);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i += 1) {
    const p = Math.min(1 - eps, Math.max(eps, predictions[i]!));
    const y = labels[i]!;
    sum -= weights[i]! * (y * Math.log(p) + (1 - y) * Math.log(1 - p));
    total += weights[i]!;
  }
  return total > 0 ? sum / total : Number.NaN;
}
