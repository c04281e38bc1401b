// Planning: how many users each variant needs to detect a given effect, and the smallest effect a
// given number of users can detect. Two-sided test at alpha with the normal approximation (the
// tests above are z or Welch t with thousands of degrees of freedom at these sizes; the t
// correction would add a user or two):
//   n per variant = (z_{1-alpha/2} + z_{power})² · (σ²_control + σ²_treatment) / δ²,
// with σ² = p(1 - p) per arm for conversions (the unpooled variance, as in twoProportionZTest) and
// σ² = sd² in both arms for continuous metrics, which gives the familiar n ≈ 16 σ² / δ² at
// alpha 0.05 and power 0.8 (Kohavi, Tang & Xu, "Trustworthy Online Controlled Experiments", 2020).
import { normalQuantile } from "./distributions.ts";
import { assertCount, assertFiniteNumber, assertOpenUnitInterval, assertPositive } from "./validation.ts";

export type EffectType = "relative" | "absolute";

export type PlanningOptions = {
  /** Two-sided significance level. Default 0.05. */
  alpha?: number;
  /** Probability of detecting the effect when it is there. Default 0.8. */
  power?: number;
};

export type SampleSizeResult = {
  /** Users needed in each variant (rounded up). */
  usersPerVariant: number;
  /** The effect in absolute units (difference of rates or means). */
  absoluteEffect: number;
  /** The effect relative to the baseline. */
  relativeEffect: number;
};

export type DetectableEffectResult = { absoluteEffect: number; relativeEffect: number };

/** Users per variant for a conversion metric with `baselineRate`, to detect `minimumDetectableEffect`. */
export function sampleSizeForProportions(
  input: { baselineRate: number; minimumDetectableEffect: number; effectType?: EffectType } & PlanningOptions,
): SampleSizeResult {
  const { baselineRate } = input;
  assertOpenUnitInterval("baselineRate", baselineRate);
  const absoluteEffect = toAbsolute(input.minimumDetectableEffect, input.effectType, baselineRate);
  const treatmentRate = baselineRate + absoluteEffect;
  assertOpenUnitInterval("baselineRate + minimumDetectableEffect (the treatment rate)", treatmentRate);
  const variance = baselineRate * (1 - baselineRate) + treatmentRate * (1 - treatmentRate);
  const usersPerVariant = Math.ceil((criticalSum(input) ** 2 * variance) / absoluteEffect ** 2);
  return { usersPerVariant, absoluteEffect, relativeEffect: absoluteEffect / baselineRate };
}

/** Users per variant for a continuous metric with baseline `mean` and per-user `standardDeviation`. */
export function sampleSizeForMeans(
  input: { mean: number; standardDeviation: number; minimumDetectableEffect: number; effectType?: EffectType } & PlanningOptions,
): SampleSizeResult {
  assertFiniteNumber("mean", input.mean);
  assertPositive("standardDeviation", input.standardDeviation);
  if (input.effectType !== "absolute" && input.mean === 0) throw new Error("mean must not be 0 for a relative minimumDetectableEffect");
  const absoluteEffect = toAbsolute(input.minimumDetectableEffect, input.effectType, input.mean);
  const usersPerVariant = Math.ceil((criticalSum(input) ** 2 * 2 * input.standardDeviation ** 2) / absoluteEffect ** 2);
  return { usersPerVariant, absoluteEffect, relativeEffect: absoluteEffect / input.mean };
}

/**
 * The smallest increase over `baselineRate` that `usersPerVariant` detect. The treatment rate's
 * variance depends on the effect, so n δ² = K (p(1-p) + (p+δ)(1-p-δ)) with K = (z_a + z_b)² is
 * solved as the quadratic (n + K) δ² - K (1 - 2p) δ - 2K p(1-p) = 0 (its positive root).
 */
export function detectableEffectForProportions(input: { baselineRate: number; usersPerVariant: number } & PlanningOptions): DetectableEffectResult {
  const { baselineRate: p, usersPerVariant: n } = input;
  assertOpenUnitInterval("baselineRate", p);
  assertCount("usersPerVariant", n, 2);
  const k = criticalSum(input) ** 2;
  const a = n + k;
  const b = -k * (1 - 2 * p);
  const c = -2 * k * p * (1 - p);
  const absoluteEffect = (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
  return { absoluteEffect, relativeEffect: absoluteEffect / p };
}

/** The smallest difference of means that `usersPerVariant` detect: (z_a + z_b) · sd · sqrt(2 / n). */
export function detectableEffectForMeans(
  input: { mean: number; standardDeviation: number; usersPerVariant: number } & PlanningOptions,
): DetectableEffectResult {
  assertFiniteNumber("mean", input.mean);
  assertPositive("standardDeviation", input.standardDeviation);
  assertCount("usersPerVariant", input.usersPerVariant, 2);
  const absoluteEffect = criticalSum(input) * input.standardDeviation * Math.sqrt(2 / input.usersPerVariant);
  return { absoluteEffect, relativeEffect: input.mean === 0 ? Number.NaN : absoluteEffect / input.mean };
}

function criticalSum(options: PlanningOptions): number {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  assertOpenUnitInterval("alpha", alpha);
  assertOpenUnitInterval("power", power);
  return normalQuantile(1 - alpha / 2) + normalQuantile(power);
}

function toAbsolute(effect: number, effectType: EffectType = "relative", baseline: number): number {
  assertFiniteNumber("minimumDetectableEffect", effect);
  if (effect === 0) throw new Error("minimumDetectableEffect must not be 0");
  return effectType === "absolute" ? effect : effect * baseline;
}
