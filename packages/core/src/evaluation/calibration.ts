export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** NaN for an empty bin. */
  meanPredicted: number;
  /** Observed positive rate; NaN for an empty bin. */
  observedRate: number;
}

export interface Calibration {
  /** Expected calibration error: Σ_b (n_b / n) · |meanPredicted_b − observedRate_b|. */
  ece: number;
  /** Largest gap over non-empty bins. */
  maxGap: number;
  bins: CalibrationBin[];
}

/**
 * Reliability over `binCount` equal-width bins of the predicted probability: does "30%" happen 30%
 * of the time? Equal-width (not equal-mass) so bins mean the same thing across models and runs,
 * which is what a chart of several model versions needs. A prediction of exactly 1 falls in the
 * last bin; predictions outside [0, 1] are clamped.
 */
export function calibration(predictions: ArrayLike<number>, labels: ArrayLike<number>, binCount = 10): Calibration {
  const n = predictions.length;
  if (labels.length !== n) throw new Error(`calibration: ${n} predictions but ${labels.length} labels`);
  if (!Number.isInteger(binCount) || binCount <= 0) throw new Error(`calibration: binCount must be a positive integer`);
  const counts = new Float64Array(binCount);
  const sumPredicted = new Float64Array(binCount);
  const sumLabels = new Float64Array(binCount);
  for (let i = 0; i < n; i++) {
    const p = Math.min(1, Math.max(0, predictions[i]!));
    const b = Math.min(binCount - 1, Math.floor(p * binCount));
    counts[b]!++;
    sumPredicted[b]! += p;
    sumLabels[b]! += labels[i]!;
  }
  let ece = 0;
  let maxGap = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < binCount; b++) {
    const c = counts[b]!;
    const meanPredicted = c === 0 ? Number.NaN : sumPredicted[b]! / c;
    const observedRate = c === 0 ? Number.NaN : sumLabels[b]! / c;
    if (c > 0) {
      const gap = Math.abs(meanPredicted - observedRate);
      ece += (c / n) * gap;
      if (gap > maxGap) maxGap = gap;
    }
    bins.push({ lower: b / binCount, upper: (b + 1) / binCount, count: c, meanPredicted, observedRate });
  }
  return { ece, maxGap, bins };
}
