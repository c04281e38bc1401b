import { describe, expect, it } from "vitest";
import { summarizePairs, summarizePairsFromSums, summarizeSample, summarizeSampleFromSums } from "./summary.ts";

describe("summaries", () => {
  it("match NumPy's mean, var(ddof=1) and cov", () => {
    // python3 -c "import numpy as np; x=np.array([1e9+1,1e9+2,1e9+4,1e9+8]); y=np.array([3.,1,4,1]); print(x.mean(), x.var(ddof=1), np.cov(x,y)[0,1])"  -> 1000000003.75, 9.583333333333334, -1.5833333333333333
    const x = [1e9 + 1, 1e9 + 2, 1e9 + 4, 1e9 + 8];
    const sample = summarizeSample(x);
    expect(sample.mean).toBeCloseTo(1000000003.75, 6);
    expect(sample.variance).toBeCloseTo(9.583333333333334, 10); // two passes: no cancellation despite the 1e9 offset
    const pairs = summarizePairs(x, [3, 1, 4, 1]);
    expect(pairs.covariance).toBeCloseTo(-1.5833333333333333, 10);
    expect(pairs.varianceY).toBeCloseTo(2.25, 12);
  });

  it("agree between raw values and rollup sums for moderate values", () => {
    const x = [2, 0, 5, 1, 3];
    const y = [10, 4, 20, 8, 12];
    const fromSums = summarizeSampleFromSums({ n: 5, sum: 11, sumOfSquares: 39 });
    expect(fromSums.variance).toBeCloseTo(summarizeSample(x).variance, 12);
    const pairs = summarizePairsFromSums({ n: 5, sumX: 11, sumY: 54, sumXSquares: 39, sumYSquares: 724, sumXY: 164 });
    const direct = summarizePairs(x, y);
    expect(pairs.covariance).toBeCloseTo(direct.covariance, 12);
    expect(pairs.varianceY).toBeCloseTo(direct.varianceY, 12);
  });

  it("rejects too few or non-finite values, naming them", () => {
    expect(() => summarizeSample([1], "revenue")).toThrow(/revenue\.length must be an integer ≥ 2/);
    expect(() => summarizeSample([1, Infinity], "revenue")).toThrow(/revenue\[1\] must be a finite number/);
    expect(() => summarizeSampleFromSums({ n: 3, sum: 1, sumOfSquares: -1 })).toThrow(/sums\.sumOfSquares/);
  });
});
