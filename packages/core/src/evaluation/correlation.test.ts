import { describe, expect, it } from "vitest";
import { pearsonCorrelation } from "./correlation.ts";

describe("pearsonCorrelation", () => {
  it("is 1 for an increasing linear relation, −1 for a decreasing one, ~0 for unrelated series", () => {
    const x = [1, 2, 3, 4, 5, 6];
    expect(
      pearsonCorrelation(
        x,
        x.map((v) => 3 * v + 7),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      pearsonCorrelation(
        x,
        x.map((v) => -2 * v),
      ),
    ).toBeCloseTo(-1, 12);
    expect(pearsonCorrelation([1, 2, 3, 4], [1, -1, -1, 1])).toBeCloseTo(0, 12);
  });

  it("is NaN when a series is constant", () => {
    expect(pearsonCorrelation([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});
