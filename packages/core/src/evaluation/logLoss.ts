/**
 * Mean binary cross-entropy. Predictions are clipped to [eps, 1 − eps] so one confident mistake
 * costs a large but finite amount instead of turning the whole mean into Infinity. Labels may be
 * soft (in [0, 1]).
 */
export function logLoss(predictions: ArrayLike<number>, labels: ArrayLike<number>, eps = 1e-15): number {
  const n = predictions.length;
  if (labels.length !== n) throw new Error(`logLoss: ${n} predictions but ${labels.length} labels`);
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - eps, Math.max(eps, predictions[i]!));
    const y = labels[i]!;
    sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return sum / n;
}
