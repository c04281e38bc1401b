import { describe, expect, it } from "vitest";
import { createRandom } from "../random.ts";
import { invertSymmetricPositiveDefinite } from "./symmetricInverse.ts";

function randomSpd(n: number, seed: number): Float64Array {
  const random = createRandom(seed);
  const m = Float64Array.from({ length: n * n }, () => random.next() * 2 - 1);
  const a = new Float64Array(n * n);
  // MᵀM + I is symmetric positive definite.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) sum += m[k * n + i]! * m[k * n + j]!;
      a[i * n + j] = sum;
    }
  }
  return a;
}

describe("invertSymmetricPositiveDefinite", () => {
  it("inverts a 2×2 matrix", () => {
    // [[4, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 4]] / 8
    const inverse = invertSymmetricPositiveDefinite(Float64Array.from([4, 2, 2, 3]), 2);
    [3 / 8, -2 / 8, -2 / 8, 4 / 8].forEach((expected, at) => expect(inverse[at]).toBeCloseTo(expected, 14));
  });

  it("gives A·A⁻¹ = I and a symmetric inverse for random matrices up to 40×40", () => {
    for (const n of [1, 3, 7, 40]) {
      const a = randomSpd(n, n);
      const inverse = invertSymmetricPositiveDefinite(a.slice(), n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let k = 0; k < n; k++) sum += a[i * n + k]! * inverse[k * n + j]!;
          expect(sum).toBeCloseTo(i === j ? 1 : 0, 9);
          expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
        }
      }
    }
  });

  it("refuses a matrix that is not positive definite, and a wrong size", () => {
    expect(() => invertSymmetricPositiveDefinite(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite \(pivot 1/);
    expect(() => invertSymmetricPositiveDefinite(new Float64Array(5), 2)).toThrow(/5 entries is not 2×2/);
  });
});
