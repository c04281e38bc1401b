// An always-valid sequential test: the mixture sequential probability ratio test (mSPRT) of
// Johari, Pekelis & Walsh ("Always Valid Inference: Bringing Sequential Analysis to A/B Testing",
// 2015; Johari et al., Operations Research 2022), as Optimizely's Stats Engine and Eppo's
// sequential mode use it. A fixed-horizon p-value checked every day and acted on at the first
// p < alpha has a false-positive rate far above alpha; the mSPRT p-value can be checked after every
// look, and stopping at any p ≤ alpha keeps the false-positive rate ≤ alpha (asymptotically, with
// the estimated variance plugged in).
//
// At each look, the estimated difference of means D (treatment - control) is ~ N(δ, V) with V its
// variance (s²_c/n_c + s²_t/n_t). With a normal mixing prior δ ~ N(0, τ²) over the alternatives,
// the mixture likelihood ratio against δ = δ0 is
//   Λ = sqrt(V / (V + τ²)) · exp(τ² (D - δ0)² / (2 V (V + τ²))),
// a martingale under the null, so by Ville's inequality P(Λ ever ≥ 1/alpha) ≤ alpha. The always-
// valid p-value is p_n = min(p_{n-1}, 1/Λ_n); inverting Λ < 1/alpha over δ0 gives the confidence
// sequence, intersected with the previous looks' intervals.
import { assertFiniteNumber, assertNonNegative, assertOpenUnitInterval, assertPositive } from "./validation.ts";
import type { SampleSummary } from "./summary.ts";

/** One look at the running experiment: the estimated difference of means and its variance. */
export type SequentialLook = { difference: number; variance: number };

export type MsprtOptions = {
  /** Level of the test and of the confidence sequence (1 - alpha). Default 0.05. */
  alpha?: number;
  /**
   * τ², the variance of the normal mixing prior over the true difference. The test is most
   * sensitive to effects near τ, so set it to the squared effect size you care about (e.g. the
   * planned minimum detectable effect, in the metric's units); any τ² > 0 keeps the guarantee.
   */
  mixingVariance: number;
};

export type MsprtState = {
  /** 1-based index of the look. */
  look: number;
  difference: number;
  variance: number;
  /** Λ against δ = 0 at this look. */
  likelihoodRatio: number;
  /** Always-valid p-value: non-increasing over looks. */
  pValue: number;
  /** Always-valid (1 - alpha) confidence sequence for the difference: nested over looks. */
  lower: number;
  upper: number;
  /** pValue ≤ alpha: may stop now and declare a difference. */
  rejected: boolean;
};

/** log Λ for a look, against the null difference `nullDifference` (0 by default). */
export function msprtLogLikelihoodRatio(look: SequentialLook, mixingVariance: number, nullDifference = 0): number {
  const { difference, variance } = look;
  return (
    0.5 * Math.log(variance / (variance + mixingVariance)) +
    (mixingVariance * (difference - nullDifference) ** 2) / (2 * variance * (variance + mixingVariance))
  );
}

/** Advances the test by one look; `previous` is null before the first look. */
export function msprtStep(previous: MsprtState | null, look: SequentialLook, options: MsprtOptions): MsprtState {
  const alpha = options.alpha ?? 0.05;
  assertOpenUnitInterval("alpha", alpha);
  assertPositive("mixingVariance", options.mixingVariance);
  assertFiniteNumber("look.difference", look.difference);
  assertNonNegative("look.variance", look.variance);
  const start = previous ?? { look: 0, pValue: 1, lower: -Infinity, upper: Infinity };
  // A look with no variance (no data yet, or constant arms) carries no usable evidence: keep the state.
  if (look.variance === 0) {
    return { ...start, look: start.look + 1, difference: look.difference, variance: 0, likelihoodRatio: 1, rejected: start.pValue <= alpha };
  }
  const tau2 = options.mixingVariance;
  const v = look.variance;
  const logRatio = msprtLogLikelihoodRatio(look, tau2);
  const pValue = Math.min(start.pValue, Math.exp(-logRatio), 1);
  // Λ(δ0) < 1/alpha ⇔ (D - δ0)² < V (V + τ²) / τ² · (log((V + τ²) / V) - 2 log alpha).
  const halfWidth = Math.sqrt(((v * (v + tau2)) / tau2) * (Math.log((v + tau2) / v) - 2 * Math.log(alpha)));
  return {
    look: start.look + 1,
    difference: look.difference,
    variance: v,
    likelihoodRatio: Math.exp(logRatio),
    pValue,
    lower: Math.max(start.lower, look.difference - halfWidth),
    upper: Math.min(start.upper, look.difference + halfWidth),
    rejected: pValue <= alpha,
  };
}

/** Runs the test over a series of looks (e.g. one per day of cumulative data). */
export function msprtSequence(looks: readonly SequentialLook[], options: MsprtOptions): MsprtState[] {
  const states: MsprtState[] = [];
  for (const look of looks) states.push(msprtStep(states.at(-1) ?? null, look, options));
  return states;
}

/** A look from the cumulative per-arm summaries so far: D = mean_t - mean_c, V = s²_c/n_c + s²_t/n_t. */
export function lookFromSummaries(control: SampleSummary, treatment: SampleSummary): SequentialLook {
  assertPositive("control.n", control.n);
  assertPositive("treatment.n", treatment.n);
  return { difference: treatment.mean - control.mean, variance: control.variance / control.n + treatment.variance / treatment.n };
}
