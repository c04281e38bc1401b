import { describe, expect, it } from "vitest";
import { sampleRatioMismatch } from "./sampleRatioMismatch.ts";

describe("sampleRatioMismatch", () => {
  it("flags a 50/50 experiment that logged 50,000 vs 48,900 users (scipy.stats.chisquare)", () => {
    // python3 -c "from scipy.stats import chisquare; print(chisquare([50000,48900], f_exp=[49450,49450]))"
    const result = sampleRatioMismatch([50_000, 48_900], [0.5, 0.5]);
    expect(result.chiSquare).toBeCloseTo(12.234580384226492, 10);
    expect(result.pValue).toBeCloseTo(0.00046911892885169714, 12);
    expect(result.degreesOfFreedom).toBe(1);
    expect(result.expectedCounts).toEqual([49_450, 49_450]);
    expect(result.mismatch).toBe(true);
  });

  it("passes a three-arm 25/25/50 split within chance (scipy.stats.chisquare)", () => {
    // python3 -c "from scipy.stats import chisquare; print(chisquare([1000,1030,2050], f_exp=[1020,1020,2040]))"
    const result = sampleRatioMismatch([1000, 1030, 2050], [0.25, 0.25, 0.5]);
    expect(result.chiSquare).toBeCloseTo(0.5392156862745098, 12);
    expect(result.pValue).toBeCloseTo(0.7636789175510331, 12);
    expect(result.degreesOfFreedom).toBe(2);
    expect(result.mismatch).toBe(false);
  });

  it("uses the threshold it is given", () => {
    // p = 0.00047: a mismatch at the default 0.001, not at 0.0001.
    expect(sampleRatioMismatch([50_000, 48_900], [0.5, 0.5], { threshold: 0.0001 }).mismatch).toBe(false);
  });

  it("rejects bad counts and weights, naming them", () => {
    expect(() => sampleRatioMismatch([10, -1], [0.5, 0.5])).toThrow(/observedCounts\[1\]/);
    expect(() => sampleRatioMismatch([10, 2.5], [0.5, 0.5])).toThrow(/observedCounts\[1\]/);
    expect(() => sampleRatioMismatch([10, 10], [0.5, 0.6])).toThrow(/expectedWeights must sum to 1, got 1\.1/);
    expect(() => sampleRatioMismatch([10, 10], [1, 0])).toThrow(/expectedWeights\[1\]/);
    expect(() => sampleRatioMismatch([10, 10], [1])).toThrow(/expectedWeights must have one weight per variant/);
    expect(() => sampleRatioMismatch([10], [1])).toThrow(/observedCounts must hold at least 2/);
    expect(() => sampleRatioMismatch([0, 0], [0.5, 0.5])).toThrow(/observedCounts must not all be 0/);
  });
});
