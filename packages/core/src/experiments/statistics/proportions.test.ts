import { describe, expect, it } from "vitest";
import { twoProportionZTest } from "./proportions.ts";

const control = { conversions: 200, users: 2000 };
const treatment = { conversions: 250, users: 2050 };

describe("twoProportionZTest", () => {
  it("matches the unpooled z-test and delta-method intervals computed with NumPy/SciPy", () => {
    // python3 -c "import numpy as np; from scipy.stats import norm; c,nc,t,nt=200,2000,250,2050; pc,pt=c/nc,t/nt; se=np.sqrt(pc*(1-pc)/nc+pt*(1-pt)/nt); d=pt-pc; z=d/se; q=norm.ppf(.975); print(z, 2*norm.sf(abs(z)), d-q*se, d+q*se)"
    const result = twoProportionZTest(control, treatment);
    expect(result.control.mean).toBeCloseTo(0.1, 12);
    expect(result.treatment.mean).toBeCloseTo(250 / 2050, 12);
    expect(result.statistic).toBeCloseTo(2.2261283937030605, 10);
    expect(result.pValue).toBeCloseTo(0.02600558256251185, 10);
    expect(result.absoluteLift.lower).toBeCloseTo(0.002624571605302571, 10);
    expect(result.absoluteLift.upper).toBeCloseTo(0.041277867419087656, 10);
    // python3 -c "import numpy as np; from scipy.stats import norm; c,nc,t,nt=200,2000,250,2050; pc,pt=c/nc,t/nt; q=norm.ppf(.975); r=pt/pc-1; rse=np.sqrt((pt*(1-pt)/nt)/pc**2+pt**2*(pc*(1-pc)/nc)/pc**4); print(r, rse, r-q*rse, r+q*rse)"
    expect(result.relativeLift!.estimate).toBeCloseTo(0.2195121951219512, 12);
    expect(result.relativeLift!.standardError).toBeCloseTo(0.10915959261399706, 10);
    expect(result.relativeLift!.lower).toBeCloseTo(0.00556332503145246, 10);
    expect(result.relativeLift!.upper).toBeCloseTo(0.4334610652124499, 10);
  });

  it("gives the pooled test on request, equal to the 2×2 chi-square test without continuity correction", () => {
    // python3 -c "from scipy.stats import chi2_contingency; print(chi2_contingency([[200,1800],[250,1800]], correction=False)[:2])"  -> (4.939024390243902, 0.026256853032086008); z² = chi²
    const result = twoProportionZTest(control, treatment, { variance: "pooled" });
    expect(result.statistic ** 2).toBeCloseTo(4.939024390243902, 10);
    expect(result.pValue).toBeCloseTo(0.026256853032086008, 10);
    expect(result.variance).toBe("pooled");
    // The intervals stay unpooled.
    expect(result.absoluteLift.lower).toBeCloseTo(0.002624571605302571, 10);
  });

  it("narrows the interval at a lower confidence level and flips sign when the arms swap", () => {
    const at90 = twoProportionZTest(control, treatment, { alpha: 0.1 });
    const at95 = twoProportionZTest(control, treatment);
    expect(at90.absoluteLift.upper - at90.absoluteLift.lower).toBeLessThan(at95.absoluteLift.upper - at95.absoluteLift.lower);
    const swapped = twoProportionZTest(treatment, control);
    expect(swapped.statistic).toBeCloseTo(-at95.statistic, 12);
    expect(swapped.pValue).toBeCloseTo(at95.pValue, 12);
  });

  it("handles arms with no conversions: equal means give p = 1 and no relative lift", () => {
    const result = twoProportionZTest({ conversions: 0, users: 100 }, { conversions: 0, users: 120 });
    expect(result.pValue).toBe(1);
    expect(result.relativeLift).toBeNull();
  });

  it("rejects impossible counts naming the argument", () => {
    expect(() => twoProportionZTest({ conversions: -1, users: 10 }, treatment)).toThrow(/control\.conversions/);
    expect(() => twoProportionZTest(control, { conversions: 11, users: 10 })).toThrow(/treatment\.conversions .* must not exceed treatment\.users/);
    expect(() => twoProportionZTest(control, { conversions: 0, users: 0 })).toThrow(/treatment\.users/);
    expect(() => twoProportionZTest(control, treatment, { alpha: 1.5 })).toThrow(/alpha/);
  });
});
