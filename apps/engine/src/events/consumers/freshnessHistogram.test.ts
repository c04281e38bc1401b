import { describe, expect, it } from "vitest";
import { FreshnessHistogram } from "./freshnessHistogram.ts";

describe("FreshnessHistogram", () => {
  it("reports nearest-rank percentiles at 1 ms resolution", () => {
    const histogram = new FreshnessHistogram();
    for (let lag = 1; lag <= 100; lag += 1) histogram.record(lag + 0.5);
    expect(histogram.summary()).toEqual({ count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100.5 });
  });

  it("clamps negative lags to 0 and caps very late ones at a minute", () => {
    const histogram = new FreshnessHistogram();
    histogram.record(-5);
    histogram.record(90_000);
    expect(histogram.percentile(0.5)).toBe(0);
    expect(histogram.percentile(1)).toBe(60_000);
    expect(histogram.summary().maxMs).toBe(90_000);
  });

  it("is empty after reset", () => {
    const histogram = new FreshnessHistogram();
    histogram.record(3);
    histogram.reset();
    expect(histogram.summary()).toEqual({ count: 0, p50Ms: null, p99Ms: null, maxMs: null });
  });
});
