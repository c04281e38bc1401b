import { describe, expect, it } from "vitest";
import { EXPERIMENT_METRIC_IDS, experimentMetric, LATENCY_BUCKET_BOUNDS_MS, latencyBucket, latencyQuantile } from "./metrics.ts";

describe("experiment metric catalogue", () => {
  it("has unique ids that the metric-id schema accepts, and says which way is better", () => {
    expect(new Set(EXPERIMENT_METRIC_IDS).size).toBe(EXPERIMENT_METRIC_IDS.length);
    for (const id of EXPERIMENT_METRIC_IDS) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(experimentMetric("latency_p99")).toMatchObject({ kind: "quantile", higherIsBetter: false });
    expect(experimentMetric("ctr")).toMatchObject({ kind: "ratio", higherIsBetter: true });
    expect(experimentMetric("nope")).toBeUndefined();
  });
});

describe("latency histogram", () => {
  it("puts a latency in the first bucket whose bound it does not exceed, and the slowest ones last", () => {
    expect(latencyBucket(0.2)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.01)).toBe(1);
    expect(latencyBucket(20)).toBe(LATENCY_BUCKET_BOUNDS_MS.indexOf(20));
    expect(latencyBucket(60_000)).toBe(LATENCY_BUCKET_BOUNDS_MS.length);
  });

  it("reads quantiles as the bound of the bucket holding the rank, null when empty", () => {
    const counts = new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0);
    expect(latencyQuantile(counts, 0.5)).toBeNull();
    // 98 requests ≤ 10 ms, 2 at 300 ms: p50 = 10, p99 = 300 (rank 99 falls in the slow bucket).
    counts[latencyBucket(10)] = 98;
    counts[latencyBucket(300)] = 2;
    expect(latencyQuantile(counts, 0.5)).toBe(10);
    expect(latencyQuantile(counts, 0.98)).toBe(10);
    expect(latencyQuantile(counts, 0.99)).toBe(300);
    counts[LATENCY_BUCKET_BOUNDS_MS.length] = 50;
    expect(latencyQuantile(counts, 0.99)).toBe(5000);
  });
});
