import { describe, expect, it } from "vitest";
import { parseSkewFeatures } from "./skew-report.ts";

const entry = (mismatchRate: number, extra: Record<string, unknown> = {}) => ({
  compared: 200,
  mismatches: Math.round(mismatchRate * 200),
  mismatchRate,
  meanAbsDiff: mismatchRate / 10,
  maxAbsDiff: mismatchRate * 3,
  ...extra,
});

describe("parseSkewFeatures", () => {
  it("lists flagged features first, then by mismatch rate", () => {
    const { features, unreadable } = parseSkewFeatures(
      { quiet: entry(0), noisy: entry(0.005), skewed: entry(0.2, { flagged: true }), also: entry(0.05, { flagged: true }) },
      0.01,
      new Set(["quiet", "noisy", "skewed"]),
    );
    expect(features.map((feature) => [feature.name, feature.flagged, feature.registered])).toEqual([
      ["skewed", true, true],
      ["also", true, false],
      ["noisy", false, true],
      ["quiet", false, true],
    ]);
    expect(unreadable).toEqual([]);
  });

  it("falls back to the threshold when an entry does not say whether it is flagged", () => {
    const { features } = parseSkewFeatures({ high: { compared: 10, mismatchRate: 0.5, meanAbsDiff: 1, maxAbsDiff: 2 }, low: entry(0.001) }, 0.01, null);
    expect(features[0]).toEqual({
      name: "high",
      compared: 10,
      mismatches: null,
      mismatchRate: 0.5,
      meanAbsDiff: 1,
      maxAbsDiff: 2,
      flagged: true,
      registered: null,
    });
    expect(features[1]?.flagged).toBe(false);
  });

  it("keeps readable entries when others are malformed", () => {
    const { features, unreadable } = parseSkewFeatures({ good: entry(0), bad: { compared: "many" }, worse: 3 }, 0.01, null);
    expect(features.map((feature) => feature.name)).toEqual(["good"]);
    expect(unreadable).toEqual(["bad", "worse"]);
    expect(parseSkewFeatures(null, 0.01, null)).toEqual({ features: [], unreadable: [] });
    expect(parseSkewFeatures([entry(0)], 0.01, null)).toEqual({ features: [], unreadable: [] });
  });
});
