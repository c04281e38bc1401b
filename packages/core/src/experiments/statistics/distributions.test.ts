import { describe, expect, it } from "vitest";
import { chiSquareSurvival, normalCdf, normalQuantile, studentTCdf, studentTQuantile, twoSidedPValue } from "./distributions.ts";

// Reference values: SciPy 1.17, `python3 -c "from scipy.stats import norm, t, chi2; print(repr(<expression in the comment>))"`.
describe("distribution functions", () => {
  it("match scipy.stats.norm", () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 12); // norm.cdf(1.96)
    expect(normalCdf(-8) / 6.22096057427174e-16).toBeCloseTo(1, 10); // norm.cdf(-8): the lower tail keeps its relative digits
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12); // norm.ppf(0.975)
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 12); // norm.ppf(0.8)
  });

  it("match scipy.stats.t", () => {
    expect(studentTCdf(-2.455356398286006, 24.988529290231416)).toBeCloseTo(0.010689000731433496, 10); // t.cdf(-2.455356398286006, 24.988529290231416)
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 10); // t.ppf(0.975, 10)
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.959963984540054, 12); // norm.ppf(0.975)
    expect(twoSidedPValue(2.0, 5)).toBeCloseTo(0.10193947882985835, 10); // 2 * t.sf(2.0, 5)
  });

  it("match scipy.stats.chi2.sf, including a tiny upper tail", () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12); // chi2.sf(3.841458820694124, 1)
    expect(chiSquareSurvival(10, 3)).toBeCloseTo(0.01856613546304325, 12); // chi2.sf(10, 3)
    expect(chiSquareSurvival(100, 2) / 1.9287498479639183e-22).toBeCloseTo(1, 10); // chi2.sf(100, 2): not 1 - cdf, which would be 0
    expect(chiSquareSurvival(0, 2)).toBe(1);
  });
});
