import { describe, expect, it } from "vitest";
import { summarizeSampleFromSums } from "./summary.ts";
import { welchTTest, welchTTestFromSamples } from "./welch.ts";

// Published worked example: Wikipedia, "Welch's t-test", Examples, example 1 (A1 vs A2): reports
// t = -2.46, ν = 24.99 (Welch–Satterthwaite), p = 0.021 for A1 - A2.
const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

describe("welchTTest", () => {
  it("reproduces the published example and scipy.stats.ttest_ind(equal_var=False)", () => {
    // python3 -c "from scipy.stats import ttest_ind; r=ttest_ind(A2, A1, equal_var=False); ci=r.confidence_interval(0.95); print(r.statistic, r.pvalue, r.df, ci.low, ci.high)"  (A1, A2 as above)
    const result = welchTTestFromSamples(a1, a2);
    expect(result.statistic).toBeCloseTo(2.46, 2); // published, rounded
    expect(result.degreesOfFreedom).toBeCloseTo(24.99, 2); // published, rounded
    expect(result.pValue).toBeCloseTo(0.021, 3); // published, rounded
    expect(result.statistic).toBeCloseTo(2.455356398286006, 10);
    expect(result.degreesOfFreedom).toBeCloseTo(24.988529290231416, 8);
    expect(result.pValue).toBeCloseTo(0.021378001462866992, 10);
    expect(result.absoluteLift.estimate).toBeCloseTo(22.986666666666665 - 20.819999999999997, 10);
    expect(result.absoluteLift.lower).toBeCloseTo(0.3492370661924069, 8);
    expect(result.absoluteLift.upper).toBeCloseTo(3.984096267140929, 8);
  });

  it("gives the relative lift by the delta method with the Welch critical value", () => {
    // python3 -c "import numpy as np; from scipy.stats import t; a,b=np.array(A1),np.array(A2); va,vb=a.var(ddof=1)/15,b.var(ddof=1)/15; df=(va+vb)**2/(va**2/14+vb**2/14); r=b.mean()/a.mean()-1; se=np.sqrt(vb/a.mean()**2+b.mean()**2*va/a.mean()**4); q=t.ppf(.975,df); print(r, se, r-q*se, r+q*se)"
    const result = welchTTestFromSamples(a1, a2);
    expect(result.relativeLift!.estimate).toBeCloseTo(0.10406660262568046, 10);
    expect(result.relativeLift!.standardError).toBeCloseTo(0.04540157845028714, 10);
    expect(result.relativeLift!.lower).toBeCloseTo(0.010558124962792403, 8);
    expect(result.relativeLift!.upper).toBeCloseTo(0.19757508028856852, 8);
  });

  it("gives the same result from rollup sums as from raw values", () => {
    const fromSums = (values: number[]) =>
      summarizeSampleFromSums({ n: values.length, sum: values.reduce((s, v) => s + v, 0), sumOfSquares: values.reduce((s, v) => s + v * v, 0) });
    const result = welchTTest(fromSums(a1), fromSums(a2));
    expect(result.pValue).toBeCloseTo(0.021378001462866992, 10);
  });

  it("rejects samples too small to have a variance", () => {
    expect(() => welchTTestFromSamples([1], a2)).toThrow(/control\.length must be an integer ≥ 2/);
    expect(() => welchTTest({ n: 10, mean: 1, variance: -1 }, { n: 10, mean: 1, variance: 1 })).toThrow(/control\.variance/);
    expect(() => welchTTestFromSamples(a1, [1, Number.NaN])).toThrow(/treatment\[1\]/);
  });
});
