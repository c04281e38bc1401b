// Inverse-propensity weights for training on logged feedback (issue 4, item 9).
//
// The logging policy chose what users saw; an item it rarely shows is under-represented in the
// log, so a model fitted to the log learns the policy's preferences along with the users'. Weighting
// each impression by 1/π (π = the logged probability that the policy put that item in that slot)
// makes the weighted log an unbiased sample of "every candidate shown" (Horvitz–Thompson).
// Tiny propensities make single rows dominate (variance), so weights are clipped at `clip`
// (bias for variance, Ionides 2008), then divided by their mean so the average weight is 1: the
// loss and learning rate keep their scale, and a metric can be compared with an unweighted one.
// Rows with no logged propensity get the weight 1/π = 1 before normalising (nothing to correct).

export type InversePropensityWeights = {
  weights: Float32Array;
  /** Rows whose 1/π exceeded the clip. */
  clipped: number;
  /** Rows without a usable propensity (missing, ≤ 0 or > 1), weighted as π = 1. */
  missing: number;
  /** Largest normalised weight, and the effective sample size (Σw)² / Σw², for the report. */
  maxWeight: number;
  effectiveSampleSize: number;
};

export function inversePropensityWeights(propensity: ArrayLike<number>, clip: number): InversePropensityWeights {
  if (!(clip >= 1)) throw new RangeError(`IPS clip must be ≥ 1, got ${clip}`);
  const n = propensity.length;
  const weights = new Float32Array(n);
  let clipped = 0;
  let missing = 0;
  let sum = 0;
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const p = propensity[i]!;
    let w: number;
    if (!(p > 0 && p <= 1)) {
      missing += 1;
      w = 1;
    } else if (1 / p > clip) {
      clipped += 1;
      w = clip;
    } else {
      w = 1 / p;
    }
    raw[i] = w;
    sum += w;
  }
  const mean = n > 0 ? sum / n : 1;
  let maxWeight = 0;
  let sumSquares = 0;
  let sumWeights = 0;
  for (let i = 0; i < n; i += 1) {
    const w = raw[i]! / mean;
    weights[i] = w;
    sumWeights += w;
    sumSquares += w * w;
    if (w > maxWeight) maxWeight = w;
  }
  return { weights, clipped, missing, maxWeight, effectiveSampleSize: sumSquares > 0 ? (sumWeights * sumWeights) / sumSquares : 0 };
}
