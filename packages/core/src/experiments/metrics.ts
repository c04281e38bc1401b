// The metrics an experiment reports, by id: the one list the results, the guardrails, the primary
// metric and the console's pickers share. Each says how it is computed (the statistics it takes)
// and which way is better, so a guardrail's direction can default from it.
//
//   perUser     a per-exposed-user total, compared with Welch's t-test (and mSPRT for guardrails)
//   ratio       Σnumerator / Σdenominator with users as the unit, by the delta method
//   proportion  a share of units (retention) or of requests (degraded, errors): two proportions
//   quantile    a serving-latency quantile from per-variant histograms: no test, compared by ratio
//   count       a count per variant with no per-unit spread (catalogue coverage): no test
export type ExperimentMetricKind = "perUser" | "ratio" | "proportion" | "quantile" | "count";

export type ExperimentMetricDefinition = {
  id: string;
  label: string;
  kind: ExperimentMetricKind;
  /** Which way is an improvement (a guardrail regresses the other way). */
  higherIsBetter: boolean;
  /** Unit shown beside values in the console. */
  unit: "" | "s" | "ms" | "%" | "items" | "currency";
};

export const EXPERIMENT_METRICS = [
  { id: "ctr", label: "CTR (clicks per impression)", kind: "ratio", higherIsBetter: true, unit: "%" },
  { id: "impressions", label: "Impressions per user", kind: "perUser", higherIsBetter: true, unit: "" },
  { id: "clicks", label: "Clicks per user", kind: "perUser", higherIsBetter: true, unit: "" },
  { id: "likes", label: "Likes per user", kind: "perUser", higherIsBetter: true, unit: "" },
  { id: "watch_seconds", label: "Watch time per user", kind: "perUser", higherIsBetter: true, unit: "s" },
  { id: "purchases", label: "Purchases per user", kind: "perUser", higherIsBetter: true, unit: "" },
  { id: "revenue", label: "Revenue per user", kind: "perUser", higherIsBetter: true, unit: "currency" },
  { id: "negative_feedback", label: "Hides and dislikes per user", kind: "perUser", higherIsBetter: false, unit: "" },
  { id: "retention_d1", label: "Returning the next day", kind: "proportion", higherIsBetter: true, unit: "%" },
  { id: "retention_d7", label: "Returning within 7 days", kind: "proportion", higherIsBetter: true, unit: "%" },
  { id: "catalog_coverage", label: "Distinct items impressed", kind: "count", higherIsBetter: true, unit: "items" },
  { id: "latency_p50", label: "Serving latency p50", kind: "quantile", higherIsBetter: false, unit: "ms" },
  { id: "latency_p99", label: "Serving latency p99", kind: "quantile", higherIsBetter: false, unit: "ms" },
  { id: "degraded_rate", label: "Degraded responses", kind: "proportion", higherIsBetter: false, unit: "%" },
  { id: "error_rate", label: "Error responses", kind: "proportion", higherIsBetter: false, unit: "%" },
] as const satisfies readonly ExperimentMetricDefinition[];

export type ExperimentMetricId = (typeof EXPERIMENT_METRICS)[number]["id"];

export const EXPERIMENT_METRIC_IDS: readonly ExperimentMetricId[] = EXPERIMENT_METRICS.map((metric) => metric.id);

export function experimentMetric(id: string): ExperimentMetricDefinition | undefined {
  return EXPERIMENT_METRICS.find((metric) => metric.id === id);
}

/**
 * Upper bounds (ms, inclusive) of the serving-latency histogram the engine keeps per variant and
 * minute; the last bucket is everything slower. Fixed so rows from every replica and every minute add.
 */
export const LATENCY_BUCKET_BOUNDS_MS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000] as const;

/** The histogram bucket a latency falls in (0 … LATENCY_BUCKET_BOUNDS_MS.length). */
export function latencyBucket(milliseconds: number): number {
  const index = LATENCY_BUCKET_BOUNDS_MS.findIndex((bound) => milliseconds <= bound);
  return index === -1 ? LATENCY_BUCKET_BOUNDS_MS.length : index;
}

/**
 * The q-quantile of a latency histogram (counts per bucket), as the upper bound of the bucket it
 * falls in (the slowest bucket reports its lower bound): conservative, and equal for equal
 * histograms from any number of replicas. null when empty.
 */
export function latencyQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let index = 0; index < counts.length; index += 1) {
    seen += counts[index] ?? 0;
    if (seen >= rank) return LATENCY_BUCKET_BOUNDS_MS[index] ?? LATENCY_BUCKET_BOUNDS_MS[LATENCY_BUCKET_BOUNDS_MS.length - 1]!;
  }
  return LATENCY_BUCKET_BOUNDS_MS[LATENCY_BUCKET_BOUNDS_MS.length - 1]!;
}
