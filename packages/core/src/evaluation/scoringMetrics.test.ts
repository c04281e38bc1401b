import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auc } from "./auc.ts";
import { calibration } from "./calibration.ts";
import { groupedNdcgAtK } from "./groupedNdcg.ts";
import { logLoss } from "./logLoss.ts";
import { topKByScore } from "./topKSelection.ts";

/** O(n²) definition: P(pos > neg) + ½ P(pos = neg). */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i]! > scores[j]!) u += 1;
      else if (scores[i] === scores[j]) u += 0.5;
    }
  }
  return u / pairs;
}

describe("auc", () => {
  it("equals the Mann–Whitney U / (n+ · n−) on a small set with ties", () => {
    // Ranks: 0.1→1, 0.35→2, 0.4,0.4→3.5, 0.8→5; positive rank sum 10.5; U = 10.5 − 3·4/2 = 4.5; AUC = 4.5 / 6.
    expect(auc([0.1, 0.4, 0.35, 0.8, 0.4], [0, 0, 1, 1, 1])).toBeCloseTo(0.75, 12);
  });
  it("is 1 for a perfect separation, 0.5 for constant scores, NaN with one class", () => {
    expect(auc([0.9, 0.8, 0.2], [1, 1, 0])).toBe(1);
    expect(auc([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0])).toBe(0.5);
    expect(auc([0.3, 0.4], [1, 1])).toBeNaN();
  });
  const labelled = fc
    .array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.boolean()), { minLength: 2, maxLength: 60 })
    .filter((rows) => rows.some(([, y]) => y) && rows.some(([, y]) => !y));
  it("matches the pairwise definition (ties included) and lies in [0, 1]", () => {
    fc.assert(
      fc.property(labelled, (rows) => {
        const scores = rows.map(([s]) => s / 4);
        const labels = rows.map(([, y]) => (y ? 1 : 0));
        const value = auc(scores, labels);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
        expect(value).toBeCloseTo(pairwiseAuc(scores, labels), 12);
      }),
    );
  });
  it("AUC(s) + AUC(−s) = 1 without ties", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
          minLength: 2,
          maxLength: 60,
          comparator: (a, b) => a === b, // treats 0 and −0 as one value: they tie
        }),
        fc.infiniteStream(fc.boolean()),
        (scores, coins) => {
          const labels = scores.map(() => (coins.next().value ? 1 : 0));
          labels[0] = 1;
          labels[1] = 0;
          expect(
            auc(scores, labels) +
              auc(
                scores.map((s) => -s),
                labels,
              ),
          ).toBeCloseTo(1, 12);
        },
      ),
    );
  });
});

describe("log loss", () => {
  it("is the mean cross-entropy", () => {
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(0.164252033486018, 12);
  });
  it("clips certain mistakes to a finite cost", () => {
    expect(logLoss([0], [1])).toBeCloseTo(34.538776394910684, 6);
    expect(Number.isFinite(logLoss([1, 0], [0, 1]))).toBe(true);
  });
});

describe("calibration", () => {
  it("computes per-bin means and ECE for a known binning", () => {
    // Bin [0, .5): predictions .1, .3 (mean .2), labels 0, 0 → gap .2.
    // Bin [.5, 1]: predictions .6, .8 (mean .7), labels 1, 1 → gap .3. ECE = ½·.2 + ½·.3.
    const result = calibration([0.1, 0.3, 0.6, 0.8], [0, 0, 1, 1], 2);
    expect(result.ece).toBeCloseTo(0.25, 12);
    expect(result.maxGap).toBeCloseTo(0.3, 12);
    expect(result.bins[0]).toMatchObject({ lower: 0, upper: 0.5, count: 2 });
    expect(result.bins[0]!.meanPredicted).toBeCloseTo(0.2, 12);
    expect(result.bins[1]!.observedRate).toBe(1);
  });
  it("puts p = 1 in the last bin and leaves empty bins NaN", () => {
    const result = calibration([1, 1], [1, 1], 4);
    expect(result.bins[3]!.count).toBe(2);
    expect(result.bins[0]!.meanPredicted).toBeNaN();
    expect(result.ece).toBe(0);
  });
});

describe("grouped NDCG@K", () => {
  it("averages per-group NDCG over groups with a positive", () => {
    // Group 1 ranks its positive second, group 2 second too; group 3 has no positive and is skipped.
    const result = groupedNdcgAtK([1, 1, 1, 2, 2, 3], [0.9, 0.5, 0.1, 0.2, 0.8, 0.5], [0, 1, 0, 1, 0, 0], 10);
    expect(result.groups).toBe(2);
    expect(result.ndcg).toBeCloseTo(1 / Math.log2(3), 12);
  });
  it("does not credit tied scores with the ideal order", () => {
    expect(groupedNdcgAtK([7, 7], [0.5, 0.5], [1, 0], 10).ndcg).toBeCloseTo(1 / Math.log2(3), 12);
  });
  it("is 1 for scores that sort groups perfectly and never above 1", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 10 }),
        (rows, k) => {
          const groups = rows.map(([g]) => g);
          const labels = rows.map(([, y]) => y);
          const random = groupedNdcgAtK(
            groups,
            rows.map(([, , s]) => s),
            labels,
            k,
          );
          const perfect = groupedNdcgAtK(groups, labels, labels, k);
          if (random.groups > 0) {
            expect(random.ndcg).toBeLessThanOrEqual(1 + 1e-12);
            expect(perfect.ndcg).toBeCloseTo(1, 12);
          }
        },
      ),
    );
  });
});

describe("top-K selection", () => {
  it("agrees with a full sort, excluding items and breaking ties by index", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 50 }), fc.integer({ min: 0, max: 12 }), (scores, k) => {
        const exclude = new Set([0, 3]);
        const expected = scores
          .map((s, i) => [s, i] as const)
          .filter(([, i]) => !exclude.has(i))
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])
          .slice(0, k)
          .map(([, i]) => i);
        expect([...topKByScore(scores, k, exclude)]).toEqual(expected);
      }),
    );
  });
});
