import { describe, expect, it } from "vitest";
import { inversePropensityWeights } from "./inversePropensityWeights.ts";

describe("inversePropensityWeights", () => {
  it("weights by 1/π, clips at the cap, and normalises to mean 1", () => {
    const result = inversePropensityWeights([0.5, 0.25, 0.01, 0.1], 20);
    // raw 2, 4, 20 (clipped from 100), 10; mean 9
    expect(Array.from(result.weights, (w) => Number(w.toFixed(6)))).toEqual([2 / 9, 4 / 9, 20 / 9, 10 / 9].map((w) => Number(w.toFixed(6))));
    expect(result.clipped).toBe(1);
    expect(result.missing).toBe(0);
    expect(result.weights.reduce((sum, w) => sum + w, 0) / 4).toBeCloseTo(1, 6);
    expect(result.maxWeight).toBeCloseTo(20 / 9, 6);
    // (Σw)² / Σw² with Σw = 4
    const squares = [2, 4, 20, 10].reduce((sum, w) => sum + (w / 9) ** 2, 0);
    expect(result.effectiveSampleSize).toBeCloseTo(16 / squares, 6);
  });

  it("keeps the ratio of unclipped weights equal to the inverse ratio of propensities", () => {
    const { weights } = inversePropensityWeights([0.2, 0.05, 0.4], 1000);
    expect(weights[1]! / weights[0]!).toBeCloseTo(4, 5);
    expect(weights[0]! / weights[2]!).toBeCloseTo(2, 5);
  });

  it("treats missing or impossible propensities as π = 1 and counts them", () => {
    const result = inversePropensityWeights([Number.NaN, 0, 1.5, 0.5], 10);
    expect(result.missing).toBe(3);
    // raw 1, 1, 1, 2 → mean 1.25
    expect(Array.from(result.weights)).toEqual([0.8, 0.8, 0.8, 1.6].map((w) => Math.fround(w)));
  });

  it("gives equal weights when every row is clipped, and refuses a clip below 1", () => {
    expect(Array.from(inversePropensityWeights([0.001, 0.002], 5).weights)).toEqual([1, 1]);
    expect(() => inversePropensityWeights([0.5], 0.5)).toThrow(/clip must be ≥ 1/);
  });
});
