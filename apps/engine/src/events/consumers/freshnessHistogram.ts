// Event → online-feature freshness: how long after the engine accepted an event its features were
// written (the feature consumer records one sample per event). A fixed 1 ms-resolution histogram
// up to one minute (plus an overflow count): exact percentiles at that resolution, constant memory
// and O(1) per sample, whatever the rate.

const MAX_TRACKED_MS = 60_000;

export type FreshnessSummary = { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };

export class FreshnessHistogram {
  private readonly buckets = new Uint32Array(MAX_TRACKED_MS + 1);
  private count = 0;
  private maxMs = 0;

  /** A lag in ms (negative lags, from clock steps, count as 0; beyond a minute as "a minute or more"). */
  record(lagMs: number): void {
    const bucket = Math.min(MAX_TRACKED_MS, Math.max(0, Math.floor(lagMs)));
    this.buckets[bucket]! += 1;
    this.count += 1;
    if (lagMs > this.maxMs) this.maxMs = lagMs;
  }

  /** The smallest lag (ms, bucket resolution) that at least `fraction` of the samples do not exceed. */
  percentile(fraction: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(fraction * this.count));
    let seen = 0;
    for (let bucket = 0; bucket <= MAX_TRACKED_MS; bucket += 1) {
      seen += this.buckets[bucket]!;
      if (seen >= rank) return bucket;
    }
    return MAX_TRACKED_MS;
  }

  summary(): FreshnessSummary {
    return { count: this.count, p50Ms: this.percentile(0.5), p99Ms: this.percentile(0.99), maxMs: this.count === 0 ? null : this.maxMs };
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.maxMs = 0;
  }
}
