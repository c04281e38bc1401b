import { describe, expect, it } from "vitest";
import { createRandom } from "../../random.ts";
import { twoProportionZTest } from "./proportions.ts";
import { lookFromSummaries, msprtSequence, msprtStep, type SequentialLook } from "./sequential.ts";

describe("mSPRT (always-valid sequential test)", () => {
  it("matches the closed form for the likelihood ratio, p-value sequence and confidence sequence", () => {
    // python3 -c "import numpy as np; L=[(0.01,1e-4),(0.015,5e-5),(0.012,2.5e-5),(0.02,1.25e-5)]; t=1e-4; a=0.05; p=1; lo,hi=-np.inf,np.inf; exec('for d,v in L:\n lr=np.sqrt(v/(v+t))*np.exp(t*d*d/(2*v*(v+t))); p=min(p,1/lr); h=np.sqrt(v*(v+t)/t*(np.log((v+t)/v)-2*np.log(a))); lo,hi=max(lo,d-h),min(hi,d+h); print(lr,p,lo,hi)')"
    const looks: SequentialLook[] = [
      { difference: 0.01, variance: 1e-4 },
      { difference: 0.015, variance: 5e-5 },
      { difference: 0.012, variance: 2.5e-5 },
      { difference: 0.02, variance: 1.25e-5 },
    ];
    const reference = [
      [0.9079430793557844, 1, -0.026563948713638486, 0.04656394871363849],
      [2.5875043911838844, 0.38647277407806097, -0.008059830066225702, 0.0380598300662257],
      [4.478468090128677, 0.223290638645874, -0.003411949969445464, 0.027411949969445466],
      [500623.6667119202, 1.997508440957191e-6, 0.009269042875283837, 0.027411949969445466],
    ] as const;
    const states = msprtSequence(looks, { alpha: 0.05, mixingVariance: 1e-4 });
    states.forEach((state, index) => {
      const [likelihoodRatio, pValue, lower, upper] = reference[index]!;
      expect(state.likelihoodRatio / likelihoodRatio).toBeCloseTo(1, 10);
      expect(state.pValue).toBeCloseTo(pValue, 12);
      expect(state.lower).toBeCloseTo(lower, 12);
      expect(state.upper).toBeCloseTo(upper, 12);
      expect(state.look).toBe(index + 1);
    });
    expect(states.map((state) => state.rejected)).toEqual([false, false, false, true]);
    // Nested: the third look's upper bound carries over to the fourth (its own would be 0.0287).
    expect(states[3]!.upper).toBe(states[2]!.upper);
  });

  it("never lets the p-value rise, even when a later look looks like the null", () => {
    const states = msprtSequence(
      [
        { difference: 0.015, variance: 5e-5 },
        { difference: 0, variance: 2.5e-5 },
      ],
      { mixingVariance: 1e-4 },
    );
    expect(states[0]!.pValue).toBeCloseTo(0.38647277407806097, 12); // as in the closed-form case above
    expect(states[1]!.likelihoodRatio).toBeLessThan(1); // 1/Λ alone would be > 1 here
    expect(states[1]!.pValue).toBe(states[0]!.pValue);
    // The confidence sequence is intersected: the second look's own interval (about ±0.0154 around 0)
    // starts below the first look's lower bound (-0.00806), which therefore carries over.
    expect(states[1]!.lower).toBe(states[0]!.lower);
    expect(states[1]!.upper).toBeLessThan(states[0]!.upper);
  });

  it("keeps the state through a look without variance", () => {
    const first = msprtStep(null, { difference: 0.015, variance: 5e-5 }, { mixingVariance: 1e-4 });
    const empty = msprtStep(first, { difference: 0, variance: 0 }, { mixingVariance: 1e-4 });
    expect(empty.pValue).toBe(first.pValue);
    expect([empty.lower, empty.upper]).toEqual([first.lower, first.upper]);
    expect(empty.look).toBe(2);
  });

  it("builds a look from cumulative arm summaries", () => {
    expect(lookFromSummaries({ n: 100, mean: 1, variance: 4 }, { n: 50, mean: 1.5, variance: 9 })).toEqual({ difference: 0.5, variance: 0.04 + 0.18 });
  });

  it("keeps the false-positive rate near alpha under daily peeking, where naive peeking at a z-test does not", () => {
    // 1,500 A/A experiments (10% conversion in both arms), 200 new users per arm per day, looked at
    // every day for 30 days, stopped at the first look that says "significant" at alpha = 0.05.
    const alpha = 0.05;
    const experiments = 1500;
    const days = 30;
    const usersPerDay = 200;
    const mixingVariance = 0.01 ** 2; // effects of about a point of conversion (10% relative) are what we look for
    const random = createRandom(20261206);
    let msprtFalsePositives = 0;
    let naiveFalsePositives = 0;
    for (let experiment = 0; experiment < experiments; experiment += 1) {
      const control = { conversions: 0, users: 0 };
      const treatment = { conversions: 0, users: 0 };
      let state = null;
      let naiveRejected = false;
      for (let day = 0; day < days; day += 1) {
        for (let user = 0; user < usersPerDay; user += 1) {
          if (random.chance(0.1)) control.conversions += 1;
          if (random.chance(0.1)) treatment.conversions += 1;
        }
        control.users += usersPerDay;
        treatment.users += usersPerDay;
        const fixedHorizon = twoProportionZTest(control, treatment, { alpha });
        if (fixedHorizon.pValue < alpha) naiveRejected = true;
        const look = { difference: fixedHorizon.absoluteLift.estimate, variance: fixedHorizon.absoluteLift.standardError ** 2 };
        state = msprtStep(state, look, { alpha, mixingVariance });
      }
      if (state!.rejected) msprtFalsePositives += 1;
      if (naiveRejected) naiveFalsePositives += 1;
    }
    const msprtRate = msprtFalsePositives / experiments;
    const naiveRate = naiveFalsePositives / experiments;
    // With this seed: mSPRT 0.0047 (the mixture test is conservative at 30 looks), naive peeking 0.281.
    expect(msprtRate).toBeLessThanOrEqual(alpha + 0.02);
    expect(naiveRate).toBeGreaterThan(2 * alpha);
  });

  it("still detects a real lift (the test is not simply conservative)", () => {
    // Same design with a true lift from 10% to 12%. A single z-test at day 30 would find it about 94%
    // of the time; the always-valid test pays for peeking freely with some power (68% with this
    // seed), but must find it in most experiments and its final confidence sequence must cover it.
    const experiments = 300;
    const random = createRandom(99);
    let detected = 0;
    let intervalsCoveringTruth = 0;
    for (let experiment = 0; experiment < experiments; experiment += 1) {
      const control = { conversions: 0, users: 0 };
      const treatment = { conversions: 0, users: 0 };
      let state = null;
      for (let day = 0; day < 30; day += 1) {
        for (let user = 0; user < 200; user += 1) {
          if (random.chance(0.1)) control.conversions += 1;
          if (random.chance(0.12)) treatment.conversions += 1;
        }
        control.users += 200;
        treatment.users += 200;
        const fixedHorizon = twoProportionZTest(control, treatment);
        state = msprtStep(
          state,
          { difference: fixedHorizon.absoluteLift.estimate, variance: fixedHorizon.absoluteLift.standardError ** 2 },
          { mixingVariance: 0.01 ** 2 },
        );
      }
      if (state!.rejected) detected += 1;
      if (state!.lower <= 0.02 && 0.02 <= state!.upper) intervalsCoveringTruth += 1;
    }
    expect(detected / experiments).toBeGreaterThan(0.6);
    expect(intervalsCoveringTruth / experiments).toBeGreaterThan(0.93);
  });

  it("rejects bad options naming them", () => {
    expect(() => msprtStep(null, { difference: 0, variance: 1 }, { mixingVariance: 0 })).toThrow(/mixingVariance/);
    expect(() => msprtStep(null, { difference: 0, variance: 1 }, { mixingVariance: 1, alpha: 0 })).toThrow(/alpha/);
    expect(() => msprtStep(null, { difference: 0, variance: -1 }, { mixingVariance: 1 })).toThrow(/look\.variance/);
  });
});
