// How the results page reads the engine's numbers: significance verdicts that know which way is
// better for each metric, value and interval formatting by metric unit, and the chart rows of the
// timeline. React-free so it is unit-tested.
import { experimentMetric, type ExperimentResultsResponse } from "@cascade/core";

type MetricComparison = ExperimentResultsResponse["comparisons"][number]["metrics"][number];

export type Verdict = "better" | "worse" | "inconclusive" | "untested";

/**
 * Significant when the Holm-adjusted p-value is below alpha (the fixed-horizon reading) or the
 * always-valid sequential p-value is (safe to act on at any look); the sign and the metric's
 * direction say whether that is good news.
 */
export function verdictOf(comparison: MetricComparison, alpha: number): Verdict {
  if (comparison.method === "none" || comparison.absoluteLift === null) return "untested";
  const adjusted = comparison.adjustedPValue ?? comparison.pValue;
  const significant = (adjusted !== null && adjusted < alpha) || (comparison.sequentialPValue !== null && comparison.sequentialPValue < alpha);
  if (!significant || comparison.absoluteLift.estimate === 0) return "inconclusive";
  const higherIsBetter = experimentMetric(comparison.metric)?.higherIsBetter ?? true;
  return comparison.absoluteLift.estimate > 0 === higherIsBetter ? "better" : "worse";
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  better: "significant win",
  worse: "significant loss",
  inconclusive: "not significant",
  untested: "no test",
};

export function metricLabel(id: string): string {
  return experimentMetric(id)?.label ?? id;
}

/** A metric value in its unit: rates as %, times in s / ms, others with up to 4 significant digits. */
export function formatMetricValue(id: string, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "–";
  const unit = experimentMetric(id)?.unit ?? "";
  if (unit === "%") return `${(value * 100).toFixed(2)} %`;
  if (unit === "ms") return `${formatNumber(value)} ms`;
  if (unit === "s") return `${formatNumber(value)} s`;
  return formatNumber(value);
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const magnitude = Math.abs(value);
  return magnitude >= 100 ? value.toFixed(1) : magnitude >= 1 ? value.toFixed(3) : value.toPrecision(3);
}

/** An absolute lift with its interval in the metric's unit ("+0.52 % [+0.10 %, +0.94 %]" for rates). */
export function formatAbsoluteLift(id: string, lift: { estimate: number; lower: number; upper: number } | null): string {
  if (!lift) return "–";
  const unit = experimentMetric(id)?.unit ?? "";
  const one = (value: number) => {
    const sign = value > 0 ? "+" : value < 0 ? "−" : "";
    const magnitude = Math.abs(value);
    return unit === "%" ? `${sign}${(magnitude * 100).toFixed(2)} pp` : `${sign}${formatNumber(magnitude)}`;
  };
  return lift.lower === lift.upper ? one(lift.estimate) : `${one(lift.estimate)} [${one(lift.lower)}, ${one(lift.upper)}]`;
}

/** A relative lift with its interval, as percentages ("+4.1 % [−0.3 %, +8.5 %]"). */
export function formatRelativeLift(lift: { estimate: number; lower: number; upper: number } | null): string {
  if (!lift) return "–";
  const one = (value: number) => `${value > 0 ? "+" : value < 0 ? "−" : ""}${Math.abs(value * 100).toFixed(1)} %`;
  // A lift with no test (counts, quantiles) comes with a degenerate interval: show the estimate alone.
  return lift.lower === lift.upper ? one(lift.estimate) : `${one(lift.estimate)} [${one(lift.lower)}, ${one(lift.upper)}]`;
}

export function formatPValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "–";
  return value < 0.0001 ? "< 0.0001" : value.toFixed(4);
}

/**
 * One chart row per day for one metric (or exposures): `{day, <variant>: value}`. Days where a
 * variant has no value leave its key out, so the line has a gap instead of a false zero.
 */
export function timelineRows(timeline: ExperimentResultsResponse["timeline"], metric: string | "exposures"): Record<string, string | number>[] {
  return timeline.map((day) => {
    const row: Record<string, string | number> = { day: day.day };
    for (const entry of day.variants) {
      const value = metric === "exposures" ? entry.exposures : entry.metrics[metric];
      if (typeof value === "number" && Number.isFinite(value)) row[entry.variant] = value;
    }
    return row;
  });
}

/** The metrics the timeline carries values for, in catalogue order. */
export function timelineMetrics(timeline: ExperimentResultsResponse["timeline"]): string[] {
  const seen = new Set<string>();
  for (const day of timeline) for (const entry of day.variants) for (const key of Object.keys(entry.metrics)) seen.add(key);
  return [...seen];
}
