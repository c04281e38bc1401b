import { describe, expect, it } from "vitest";
import type { SkewReport } from "../jobs/skewReport.ts";
import { formatSkewReport } from "./skewCommand.ts";

const base: SkewReport = {
  id: "r1",
  windowStart: new Date("2026-11-20T00:00:00Z"),
  windowEnd: new Date("2026-11-21T00:00:00Z"),
  sampleSize: 200,
  threshold: 0.01,
  flagged: true,
  unknownFeatures: ["old_feature"],
  features: {
    item_ctr_3d: { compared: 200, mismatches: 0, mismatchRate: 0, meanAbsDiff: 0, maxAbsDiff: 0, flagged: false },
    user_clicks_24h: { compared: 200, mismatches: 20, mismatchRate: 0.1, meanAbsDiff: 0.5, maxAbsDiff: 5, flagged: true },
  },
};

describe("formatSkewReport", () => {
  it("lists the worst feature first, marks flagged ones and names unknown features", () => {
    const lines = formatSkewReport(base).split("\n");
    expect(lines[0]).toContain("200 served rows, threshold 1.00 %");
    expect(lines[2]).toMatch(/^feature\s+compared\s+mismatch rate/);
    expect(lines[3]).toMatch(/^user_clicks_24h\s+200\s+10\.00 %\s+0\.5000\s+5\.0000\s+SKEW$/);
    expect(lines[4]).toMatch(/^item_ctr_3d\s+200\s+0\.00 %\s+0\s+0\s+ok$/);
    expect(lines).toContain("SKEW in 1 feature(s)");
    expect(lines).toContain("served features the registry no longer defines: old_feature");
  });

  it("says so when the window is clean or empty", () => {
    const clean = { ...base, flagged: false, unknownFeatures: [], features: { item_ctr_3d: base.features.item_ctr_3d! } };
    expect(formatSkewReport(clean)).toContain("no skew: served and recomputed features agree");
    expect(formatSkewReport({ ...clean, sampleSize: 0, features: {} })).toContain("no served feature vectors were logged in this window");
  });
});
