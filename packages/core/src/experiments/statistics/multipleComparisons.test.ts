import { describe, expect, it } from "vitest";
import { benjaminiHochberg, holmBonferroni, rejectedAt } from "./multipleComparisons.ts";

// Benjamini & Hochberg (1995), J. R. Statist. Soc. B 57(1), section 4.2: the 15 p-values of a
// multiple-endpoint study (Neuhaus et al. 1992). At q = 0.05 the paper reports that Bonferroni-type
// (step-down, i.e. Holm) procedures reject 3 hypotheses and the FDR procedure rejects 4.
const paperPValues = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];

describe("multiple-comparison corrections", () => {
  it("Benjamini–Hochberg reproduces the paper (4 rejections) and scipy.stats.false_discovery_control", () => {
    // python3 -c "from scipy.stats import false_discovery_control; print(list(false_discovery_control([0.0001,0.0004,0.0019,0.0095,0.0201,0.0278,0.0298,0.0344,0.0459,0.3240,0.4262,0.5719,0.6528,0.7590,1.0], method='bh')))"
    const reference = [
      0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.06385714285714286, 0.06385714285714286, 0.0645, 0.07650000000000001, 0.486, 0.5811818181818181,
      0.7148749999999999, 0.7532307692307693, 0.8132142857142857, 1.0,
    ];
    const adjusted = benjaminiHochberg(paperPValues);
    adjusted.forEach((value, index) => expect(value).toBeCloseTo(reference[index]!, 12));
    expect(rejectedAt(adjusted, 0.05).filter(Boolean)).toHaveLength(4);
  });

  it("Holm reproduces the paper (3 rejections) and the NumPy step-down reference", () => {
    // python3 -c "import numpy as np; p=np.array([0.0001,0.0004,0.0019,0.0095,0.0201,0.0278,0.0298,0.0344,0.0459,0.3240,0.4262,0.5719,0.6528,0.7590,1.0]); o=np.argsort(p); m=len(p); a=np.empty(m); a[o]=np.minimum(1,np.maximum.accumulate((m-np.arange(m))*p[o])); print(list(a))"
    const reference = [0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213, 1, 1, 1, 1, 1, 1];
    const adjusted = holmBonferroni(paperPValues);
    adjusted.forEach((value, index) => expect(value).toBeCloseTo(reference[index]!, 12));
    expect(rejectedAt(adjusted, 0.05)).toEqual([true, true, true, ...new Array(12).fill(false)]);
  });

  it("returns adjusted values in the input order for unsorted input", () => {
    // python3 -c "import numpy as np; from scipy.stats import false_discovery_control as f; p=np.array([0.04,0.01,0.03,0.005,0.2]); print(list(f(p,method='bh'))); o=np.argsort(p); m=len(p); a=np.empty(m); a[o]=np.minimum(1,np.maximum.accumulate((m-np.arange(m))*p[o])); print(list(a))"
    const pValues = [0.04, 0.01, 0.03, 0.005, 0.2];
    const bh = benjaminiHochberg(pValues);
    [0.05, 0.025, 0.05, 0.025, 0.2].forEach((value, index) => expect(bh[index]).toBeCloseTo(value, 12));
    const holm = holmBonferroni(pValues);
    [0.09, 0.04, 0.09, 0.025, 0.2].forEach((value, index) => expect(holm[index]).toBeCloseTo(value, 12));
  });

  it("rejects p-values outside [0, 1] naming the index", () => {
    expect(() => holmBonferroni([0.1, 1.2])).toThrow(/pValues\[1\]/);
    expect(() => benjaminiHochberg([Number.NaN])).toThrow(/pValues\[0\]/);
    expect(() => benjaminiHochberg([])).toThrow(/pValues must not be empty/);
    expect(() => rejectedAt([0.1], 0)).toThrow(/alpha/);
  });
});
