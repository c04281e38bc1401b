import { describe, expect, it } from "vitest";
import { createRandom } from "../../random.ts";
import { detectableEffectForMeans, detectableEffectForProportions, sampleSizeForMeans, sampleSizeForProportions } from "./power.ts";
import { twoProportionZTest } from "./proportions.ts";

describe("power and sample size", () => {
  it("gives Kohavi's rule of thumb n ≈ 16 σ²/δ² per variant at alpha 0.05, power 0.8", () => {
    // Kohavi, Tang & Xu (2020), ch. 17: n ≈ 16σ²/δ²; exactly 2(z_0.975 + z_0.8)² = 15.6978:
    // python3 -c "from scipy.stats import norm; print(2*(norm.ppf(.975)+norm.ppf(.8))**2)"
    const { usersPerVariant } = sampleSizeForMeans({ mean: 10, standardDeviation: 1, minimumDetectableEffect: 0.01, effectType: "absolute" });
    expect(usersPerVariant / 10_000).toBeCloseTo(15.697759468698177, 3);
    expect(Math.round(usersPerVariant / 10_000)).toBe(16);
  });

  it("matches the SciPy reference for proportions (relative MDE) and means", () => {
    // python3 -c "from scipy.stats import norm; K=(norm.ppf(.975)+norm.ppf(.8))**2; print(K*(.1*.9+.105*.895)/.005**2, K*2*20**2/.2**2)"  -> 57759.906, 156977.595
    const proportions = sampleSizeForProportions({ baselineRate: 0.1, minimumDetectableEffect: 0.05 });
    expect(proportions.usersPerVariant).toBe(57_760);
    expect(proportions.absoluteEffect).toBeCloseTo(0.005, 12);
    const means = sampleSizeForMeans({ mean: 10, standardDeviation: 20, minimumDetectableEffect: 0.02 });
    expect(means.usersPerVariant).toBe(156_978);
    expect(means.relativeEffect).toBeCloseTo(0.02, 12);
  });

  it("honours alpha and power (SciPy reference, alpha 0.01, power 0.9)", () => {
    // python3 -c "from scipy.stats import norm; K=(norm.ppf(.995)+norm.ppf(.9))**2; print(K*(.2*.8+.25*.75)/.05**2)"  -> 2068.23
    const result = sampleSizeForProportions({ baselineRate: 0.2, minimumDetectableEffect: 0.05, effectType: "absolute", alpha: 0.01, power: 0.9 });
    expect(result.usersPerVariant).toBe(2069);
  });

  it("inverts: the detectable effect for n matches SciPy and round-trips through the sample size", () => {
    // python3 -c "from scipy.stats import norm; import numpy as np; K=(norm.ppf(.975)+norm.ppf(.8))**2; n=10000; p=.1; a,b,c=n+K,-K*(1-2*p),-2*K*p*(1-p); print((-b+np.sqrt(b*b-4*a*c))/(2*a), np.sqrt(K)*20*np.sqrt(2/10000))"
    const proportions = detectableEffectForProportions({ baselineRate: 0.1, usersPerVariant: 10_000 });
    expect(proportions.absoluteEffect).toBeCloseTo(0.012199307250625815, 12);
    expect(proportions.relativeEffect).toBeCloseTo(0.12199307250625815, 11);
    const back = sampleSizeForProportions({ baselineRate: 0.1, minimumDetectableEffect: proportions.absoluteEffect, effectType: "absolute" });
    expect(Math.abs(back.usersPerVariant - 10_000)).toBeLessThanOrEqual(1);
    const means = detectableEffectForMeans({ mean: 10, standardDeviation: 20, usersPerVariant: 10_000 });
    expect(means.absoluteEffect).toBeCloseTo(0.7924079623198691, 12);
  });

  it("delivers the promised power: simulated experiments at the planned size detect the effect ~80% of the time", () => {
    const plan = sampleSizeForProportions({ baselineRate: 0.1, minimumDetectableEffect: 0.2 }); // 10% → 12%: about 3,800 per arm
    const random = createRandom(11);
    const runs = 400;
    let detected = 0;
    for (let run = 0; run < runs; run += 1) {
      let control = 0;
      let treatment = 0;
      for (let user = 0; user < plan.usersPerVariant; user += 1) {
        if (random.chance(0.1)) control += 1;
        if (random.chance(0.12)) treatment += 1;
      }
      const result = twoProportionZTest({ conversions: control, users: plan.usersPerVariant }, { conversions: treatment, users: plan.usersPerVariant });
      if (result.pValue < 0.05) detected += 1;
    }
    // 400 runs estimate a power of 0.8 within ±0.04 (2 standard errors).
    expect(detected / runs).toBeGreaterThan(0.75);
    expect(detected / runs).toBeLessThan(0.86);
  });

  it("rejects bad plans naming the argument", () => {
    expect(() => sampleSizeForProportions({ baselineRate: 1.2, minimumDetectableEffect: 0.1 })).toThrow(/baselineRate/);
    expect(() => sampleSizeForProportions({ baselineRate: 0.9, minimumDetectableEffect: 0.2 })).toThrow(/treatment rate/);
    expect(() => sampleSizeForProportions({ baselineRate: 0.1, minimumDetectableEffect: 0 })).toThrow(/minimumDetectableEffect/);
    expect(() => sampleSizeForMeans({ mean: 1, standardDeviation: 0, minimumDetectableEffect: 0.1 })).toThrow(/standardDeviation/);
    expect(() => sampleSizeForMeans({ mean: 1, standardDeviation: 1, minimumDetectableEffect: 0.1, power: 1 })).toThrow(/power/);
    expect(() => detectableEffectForProportions({ baselineRate: 0.1, usersPerVariant: 1 })).toThrow(/usersPerVariant/);
  });
});
