import { describe, expect, it } from "vitest";
import { createRandom } from "../../random.ts";
import { cupedAdjust, cupedTest, cupedTheta } from "./cuped.ts";
import { summarizePairs } from "./summary.ts";
import { welchTTestFromSamples } from "./welch.ts";

// Pre-period covariate x and in-experiment metric y per user.
const controlPre = [3, 0, 5, 2, 8, 1, 4, 6, 2, 7];
const controlMetric = [4, 1, 6, 2, 9, 1, 5, 8, 3, 7];
const treatmentPre = [2, 6, 1, 5, 3, 7, 0, 4, 8, 2, 5];
const treatmentMetric = [4, 8, 2, 7, 4, 9, 2, 5, 10, 3, 7];

// Reference: θ pooled from within-arm (co)variances, then SciPy's Welch test on the adjusted values y - θ(x - mean x):
// python3 -c "import numpy as np; from scipy.stats import ttest_ind; xc=np.array([3.,0,5,2,8,1,4,6,2,7]); yc=np.array([4.,1,6,2,9,1,5,8,3,7]); xt=np.array([2.,6,1,5,3,7,0,4,8,2,5]); yt=np.array([4.,8,2,7,4,9,2,5,10,3,7]); th=(9*np.cov(xc,yc)[0,1]+10*np.cov(xt,yt)[0,1])/(9*xc.var(ddof=1)+10*xt.var(ddof=1)); m=np.concatenate([xc,xt]).mean(); ac=yc-th*(xc-m); at=yt-th*(xt-m); r=ttest_ind(at,ac,equal_var=False); ci=r.confidence_interval(.95); print(th, ac.mean(), at.mean(), r.statistic, r.pvalue, r.df, ci.low, ci.high, 1-(ac.var(ddof=1)/10+at.var(ddof=1)/11)/(yc.var(ddof=1)/10+yt.var(ddof=1)/11))"
describe("CUPED", () => {
  const control = summarizePairs(controlPre, controlMetric);
  const treatment = summarizePairs(treatmentPre, treatmentMetric);

  it("matches the NumPy/SciPy reference: θ, adjusted means, Welch test on the adjusted metric", () => {
    const result = cupedTest(control, treatment);
    expect(result.theta).toBeCloseTo(1.0718732314657613, 12);
    expect(result.control.mean).toBeCloseTo(4.661249898940902, 10);
    expect(result.treatment.mean).toBeCloseTo(5.489772819144637, 10);
    expect(result.statistic).toBeCloseTo(3.478738762439786, 10);
    expect(result.pValue).toBeCloseTo(0.0029825795650666033, 10);
    expect(result.degreesOfFreedom).toBeCloseTo(16.497289074193446, 8);
    expect(result.absoluteLift.lower).toBeCloseTo(0.32486422386000335, 8);
    expect(result.absoluteLift.upper).toBeCloseTo(1.3321816165474667, 8);
    expect(result.varianceReduction).toBeCloseTo(0.9632229328524997, 10);
  });

  it("finds the lift the plain test misses here (plain Welch p = 0.456)", () => {
    // python3 -c "from scipy.stats import ttest_ind; print(ttest_ind([4,8,2,7,4,9,2,5,10,3,7],[4,1,6,2,9,1,5,8,3,7],equal_var=False).pvalue)"
    expect(welchTTestFromSamples(controlMetric, treatmentMetric).pValue).toBeCloseTo(0.4559771009712147, 10);
    expect(cupedTest(control, treatment).pValue).toBeLessThan(0.01);
    expect(cupedTest(control, treatment).control.unadjustedMean).toBeCloseTo(4.6, 12);
  });

  it("does nothing with a covariate that never varies (new users: x = 0)", () => {
    const flat = (metric: number[]) =>
      summarizePairs(
        metric.map(() => 0),
        metric,
      );
    const result = cupedTest(flat(controlMetric), flat(treatmentMetric));
    expect(result.theta).toBe(0);
    expect(result.pValue).toBeCloseTo(0.4559771009712147, 10);
  });

  it("uses one θ across all arms of a multi-arm experiment", () => {
    const third = summarizePairs([1, 4, 6, 3, 2], [2, 5, 7, 3, 3]);
    const theta = cupedTheta([control, treatment, third]);
    const adjusted = cupedAdjust([control, treatment, third], theta);
    expect(adjusted.theta).toBe(theta);
    expect(cupedTest(control, treatment, { theta }).theta).toBe(theta);
    expect(adjusted.arms).toHaveLength(3);
  });

  it("keeps the lift unbiased and its interval honest while shrinking it (simulation)", () => {
    // y = x + true lift + noise, x ~ N(10, 3²): CUPED intervals should cover the true lift about 95%
    // of the time, like plain ones, while being much narrower.
    const random = createRandom(7);
    const trueLift = 0.3;
    let covered = 0;
    let widthRatioTotal = 0;
    const runs = 300;
    for (let run = 0; run < runs; run += 1) {
      const arm = (lift: number) => {
        const pre: number[] = [];
        const metric: number[] = [];
        for (let user = 0; user < 200; user += 1) {
          const x = 10 + 3 * random.normal();
          pre.push(x);
          metric.push(x + lift + random.normal());
        }
        return { pre, metric };
      };
      const a = arm(0);
      const b = arm(trueLift);
      const result = cupedTest(summarizePairs(a.pre, a.metric), summarizePairs(b.pre, b.metric));
      if (result.absoluteLift.lower <= trueLift && trueLift <= result.absoluteLift.upper) covered += 1;
      const plain = welchTTestFromSamples(a.metric, b.metric);
      widthRatioTotal += (result.absoluteLift.upper - result.absoluteLift.lower) / (plain.absoluteLift.upper - plain.absoluteLift.lower);
    }
    expect(covered / runs).toBeGreaterThan(0.91);
    expect(covered / runs).toBeLessThan(0.99);
    // Var(y - x) / Var(y) = 1 / 10 here, so intervals about sqrt(0.1) ≈ 0.32 as wide.
    expect(widthRatioTotal / runs).toBeCloseTo(Math.sqrt(0.1), 1);
  });

  it("rejects bad input naming it", () => {
    expect(() => cupedTheta([])).toThrow(/arms/);
    expect(() => cupedTest({ ...control, n: 1 }, treatment)).toThrow(/arms\[0\]\.n/);
    expect(() => cupedTest(control, treatment, { theta: Number.NaN })).toThrow(/theta/);
  });
});
