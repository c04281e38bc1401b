import { describe, expect, it } from "vitest";
import { createRandom, deriveSeed, dirichlet, mix32 } from "./random.ts";

const draws = (seed: number, n: number) => {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => random.next());
};

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const variance = (values: number[]) => {
  const center = mean(values);
  return mean(values.map((value) => (value - center) ** 2));
};

describe("createRandom", () => {
  it("repeats its stream for the same seed and differs for another seed", () => {
    expect(draws(7, 100)).toEqual(draws(7, 100));
    expect(draws(7, 100)).not.toEqual(draws(8, 100));
  });

  it("keeps a pinned stream (changing the generator would silently change every demo world)", () => {
    expect(draws(42, 3).map((value) => value.toFixed(12))).toMatchInlineSnapshot(`
      [
        "0.177180503262",
        "0.738744105678",
        "0.973194673657",
      ]
    `);
  });

  it("draws uniforms in [0, 1) with the right mean", () => {
    const values = draws(1, 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(mean(values)).toBeCloseTo(0.5, 1);
  });

  it("draws integers below n", () => {
    const random = createRandom(3);
    const counts = new Array(5).fill(0);
    for (let n = 0; n < 10_000; n += 1) counts[random.int(5)] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(1_800);
  });

  it("draws normals, exponentials, Poissons and gammas with their textbook moments", () => {
    const random = createRandom(11);
    const n = 20_000;
    const normals = Array.from({ length: n }, () => random.normal());
    expect(mean(normals)).toBeCloseTo(0, 1);
    expect(variance(normals)).toBeCloseTo(1, 1);
    expect(mean(Array.from({ length: n }, () => random.exponential(3)))).toBeCloseTo(3, 0);
    expect(mean(Array.from({ length: n }, () => random.poisson(2.5)))).toBeCloseTo(2.5, 1);
    expect(mean(Array.from({ length: n }, () => random.poisson(80)))).toBeCloseTo(80, 0);
    expect(mean(Array.from({ length: n }, () => random.gamma(0.3)))).toBeCloseTo(0.3, 1);
    expect(mean(Array.from({ length: n }, () => random.gamma(4)))).toBeCloseTo(4, 0);
  });
});

describe("deriveSeed", () => {
  it("gives independent-looking seeds per path and is stable", () => {
    const seeds = new Set<number>();
    for (let index = 0; index < 10_000; index += 1) seeds.add(deriveSeed(42, 7, index));
    expect(seeds.size).toBe(10_000);
    expect(deriveSeed(42, 7, 3)).toBe(deriveSeed(42, 7, 3));
    expect(deriveSeed(42, 7, 3)).not.toBe(deriveSeed(43, 7, 3));
    // Indices beyond 32 bits do not collide with their low bits.
    expect(deriveSeed(1, 2 ** 32 + 5)).not.toBe(deriveSeed(1, 5));
  });

  it("mixes into unsigned 32-bit integers", () => {
    for (const value of [0, 1, -1, 2 ** 31, 123_456_789]) {
      const mixed = mix32(value);
      expect(Number.isInteger(mixed) && mixed >= 0 && mixed < 2 ** 32).toBe(true);
    }
  });
});

describe("dirichlet", () => {
  it("returns weights that sum to one, concentrated on a few outcomes for small alpha", () => {
    const random = createRandom(5);
    const topThreeShare = (alpha: number) =>
      mean(
        Array.from({ length: 300 }, () => {
          const weights = dirichlet(random, 20, alpha);
          expect(weights.reduce((sum, weight) => sum + weight, 0)).toBeCloseTo(1, 9);
          const sorted = [...weights].sort((a, b) => b - a);
          return sorted[0]! + sorted[1]! + sorted[2]!;
        }),
      );
    const sparse = topThreeShare(0.2);
    expect(sparse).toBeGreaterThan(0.5);
    expect(sparse).toBeGreaterThan(topThreeShare(5) + 0.2);
  });
});
