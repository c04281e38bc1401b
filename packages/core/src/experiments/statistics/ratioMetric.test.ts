import { describe, expect, it } from "vitest";
import { createRandom } from "../../random.ts";
import { ratioEstimate, ratioMetricTest } from "./ratioMetric.ts";
import { summarizePairs, summarizePairsFromSums } from "./summary.ts";

// Per-user clicks (x) and impressions (y) in each arm.
const controlClicks = [2, 0, 5, 1, 3, 0, 4, 2, 1, 6];
const controlImpressions = [10, 4, 20, 8, 12, 5, 15, 9, 6, 22];
const treatmentClicks = [3, 1, 6, 2, 2, 1, 5, 3, 0, 7, 2];
const treatmentImpressions = [11, 5, 18, 9, 10, 6, 14, 10, 5, 20, 8];

// NumPy, the formula of Deng et al. (2018) eq. for Var(mean(x)/mean(y)):
// python3 -c "import numpy as np; from scipy.stats import norm; dv=lambda x,y:(lambda x,y,R:(R,(np.cov(x,y)[0,0]-2*R*np.cov(x,y)[0,1]+R*R*np.cov(x,y)[1,1])/(len(x)*y.mean()**2)))(np.array(x,float),np.array(y,float),np.sum(x)/np.sum(y)); Rc,Vc=dv([2,0,5,1,3,0,4,2,1,6],[10,4,20,8,12,5,15,9,6,22]); Rt,Vt=dv([3,1,6,2,2,1,5,3,0,7,2],[11,5,18,9,10,6,14,10,5,20,8]); d=Rt-Rc; se=np.sqrt(Vc+Vt); q=norm.ppf(.975); r=Rt/Rc-1; rse=np.sqrt(Vt/Rc**2+Rt**2*Vc/Rc**4); print(Rc,Vc,Rt,Vt,d/se,2*norm.sf(abs(d/se)),d-q*se,d+q*se,r-q*rse,r+q*rse)"
describe("ratio metrics by the delta method", () => {
  it("matches the NumPy reference for each arm's ratio and its variance", () => {
    const control = ratioEstimate(summarizePairs(controlClicks, controlImpressions));
    const treatment = ratioEstimate(summarizePairs(treatmentClicks, treatmentImpressions));
    expect(control.ratio).toBeCloseTo(0.21621621621621623, 12);
    expect(control.varianceOfRatio).toBeCloseTo(0.0004785021796189286, 14);
    expect(treatment.ratio).toBeCloseTo(0.27586206896551724, 12);
    expect(treatment.varianceOfRatio).toBeCloseTo(0.0006499008173554792, 14);
  });

  it("matches the NumPy reference for the two-sample comparison", () => {
    const result = ratioMetricTest(summarizePairs(controlClicks, controlImpressions), summarizePairs(treatmentClicks, treatmentImpressions));
    expect(result.statistic).toBeCloseTo(1.7756122662352225, 10);
    expect(result.pValue).toBeCloseTo(0.0757968468354988, 10);
    expect(result.absoluteLift.lower).toBeCloseTo(-0.006192689503888543, 10);
    expect(result.absoluteLift.upper).toBeCloseTo(0.12548439500249056, 10);
    expect(result.relativeLift!.lower).toBeCloseTo(-0.06678601571157161, 10);
    expect(result.relativeLift!.upper).toBeCloseTo(0.6185101536426059, 10);
  });

  it("reduces to var(x)/n when every user has one impression (the ratio is then a plain mean)", () => {
    const clicks = [0, 1, 1, 0, 0, 1, 0, 0];
    const estimate = ratioEstimate(
      summarizePairs(
        clicks,
        clicks.map(() => 1),
      ),
    );
    // mean 3/8, variance (ddof 1) = 3/8 · 5/8 · 8/7
    expect(estimate.varianceOfRatio).toBeCloseTo(((3 / 8) * (5 / 8) * (8 / 7)) / 8, 14);
  });

  it("gives the same result from rollup sums", () => {
    const sums = (x: number[], y: number[]) => ({
      n: x.length,
      sumX: x.reduce((s, v) => s + v, 0),
      sumY: y.reduce((s, v) => s + v, 0),
      sumXSquares: x.reduce((s, v) => s + v * v, 0),
      sumYSquares: y.reduce((s, v) => s + v * v, 0),
      sumXY: x.reduce((s, v, i) => s + v * y[i]!, 0),
    });
    const estimate = ratioEstimate(summarizePairsFromSums(sums(controlClicks, controlImpressions)));
    expect(estimate.varianceOfRatio).toBeCloseTo(0.0004785021796189286, 14);
  });

  it("predicts the spread of the ratio across repeated experiments, where the per-impression binomial variance does not", () => {
    // Users differ in click propensity, so a user's impressions are correlated: the per-impression
    // binomial variance is too small; the delta method should match the simulated variance.
    const random = createRandom(20251206);
    const users = 400;
    const repetitions = 400;
    const ratios: number[] = [];
    let deltaVarianceTotal = 0;
    let binomialVarianceTotal = 0;
    for (let repetition = 0; repetition < repetitions; repetition += 1) {
      const clicks: number[] = [];
      const impressions: number[] = [];
      for (let user = 0; user < users; user += 1) {
        const shown = 1 + random.poisson(9);
        const propensity = random.chance(0.2) ? 0.4 : 0.03;
        let clicked = 0;
        for (let impression = 0; impression < shown; impression += 1) if (random.chance(propensity)) clicked += 1;
        clicks.push(clicked);
        impressions.push(shown);
      }
      const estimate = ratioEstimate(summarizePairs(clicks, impressions));
      ratios.push(estimate.ratio);
      deltaVarianceTotal += estimate.varianceOfRatio;
      const totalImpressions = impressions.reduce((s, v) => s + v, 0);
      binomialVarianceTotal += (estimate.ratio * (1 - estimate.ratio)) / totalImpressions;
    }
    const mean = ratios.reduce((s, v) => s + v, 0) / repetitions;
    const simulatedVariance = ratios.reduce((s, v) => s + (v - mean) ** 2, 0) / (repetitions - 1);
    const deltaVariance = deltaVarianceTotal / repetitions;
    const binomialVariance = binomialVarianceTotal / repetitions;
    // 400 repetitions estimate a variance within about ±14% (2 standard errors: 2·sqrt(2/399)).
    expect(deltaVariance / simulatedVariance).toBeGreaterThan(0.85);
    expect(deltaVariance / simulatedVariance).toBeLessThan(1.15);
    expect(binomialVariance / simulatedVariance).toBeLessThan(0.6);
  });

  it("rejects a zero denominator and mismatched series, naming them", () => {
    expect(() => ratioEstimate(summarizePairs([0, 0], [0, 0]), "control")).toThrow(/control\.meanY .* must not be 0/);
    expect(() => summarizePairs([1, 2, 3], [1, 2], "control")).toThrow(/control: both series/);
  });
});
