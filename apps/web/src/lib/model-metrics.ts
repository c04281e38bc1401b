// Offline metrics as the trainers store them in model_versions.metrics, made comparable. The JSON's
// shape belongs to the trainers and will grow, so nothing here names a metric: every finite numeric
// leaf becomes one metric named by its path ("ranking.auc", "retrieval.recall@100"), and baselines
// computed on the same split sit under a top-level `baselines` key, either as an object of
// name → metrics or as a list of { name, metrics? , ...metrics }.

export type MetricValues = Record<string, number>;
export type NamedMetrics = { name: string; metrics: MetricValues };
export type ModelMetrics = { metrics: MetricValues; baselines: NamedMetrics[] };

const BASELINES_KEY = "baselines";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Numeric leaves of a JSON value by dotted path. Arrays are skipped: they hold curves and bins
 * (calibration, per-epoch losses) that do not compare as one number.
 */
export function flattenNumericMetrics(value: unknown, prefix = ""): MetricValues {
  const out: MetricValues = {};
  if (!isPlainObject(value)) return out;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === "number" && Number.isFinite(child)) out[path] = child;
    else if (isPlainObject(child)) Object.assign(out, flattenNumericMetrics(child, path));
  }
  return out;
}

function baselineList(value: unknown): NamedMetrics[] {
  if (Array.isArray(value)) {
    return value.flatMap((entry, index) => {
      if (!isPlainObject(entry)) return [];
      const name = typeof entry.name === "string" && entry.name ? entry.name : `baseline ${index + 1}`;
      const source = isPlainObject(entry.metrics) ? entry.metrics : entry;
      return [{ name, metrics: flattenNumericMetrics(source) }];
    });
  }
  if (isPlainObject(value)) {
    return Object.entries(value)
      .filter(([, metrics]) => isPlainObject(metrics))
      .map(([name, metrics]) => ({ name, metrics: flattenNumericMetrics(metrics) }));
  }
  return [];
}

/** Splits a stored metrics JSON into the model's own metrics and its baselines. */
export function parseModelMetrics(json: unknown): ModelMetrics {
  if (!isPlainObject(json)) return { metrics: {}, baselines: [] };
  const { [BASELINES_KEY]: baselines, ...own } = json;
  return {
    metrics: flattenNumericMetrics(own),
    baselines: baselineList(baselines).filter((baseline) => Object.keys(baseline.metrics).length > 0),
  };
}

/** One column of the comparison: a model version or a baseline stored with one. */
export type ComparisonSeries = { key: string; label: string; kind: "model" | "baseline"; metrics: MetricValues };
export type ComparisonRow = { metric: string; values: (number | null)[] };

/**
 * Metric rows for the given series: the union of their metric names in first-seen order, with
 * null where a series lacks the metric (a retrieval model has no AUC).
 */
export function comparisonRows(series: readonly ComparisonSeries[]): ComparisonRow[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const entry of series) {
    for (const name of Object.keys(entry.metrics)) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  return names.map((metric) => ({ metric, values: series.map((entry) => entry.metrics[metric] ?? null) }));
}

/**
 * Rows that can share one bar chart axis: every present value is a rate in [0, 1] (recall, AUC,
 * coverage). Counts and unbounded values (users, log loss, watch seconds) stay in the table only,
 * where they do not squash the bars of everything else.
 */
export function isUnitIntervalRow(row: ComparisonRow): boolean {
  const present = row.values.filter((value): value is number => value !== null);
  return present.length > 0 && present.every((value) => value >= 0 && value <= 1);
}

/**
 * Names of metrics that are not rates even when their values fall in [0, 1]: losses and errors
 * (log loss 0.4, ECE 0.02), counts, sizes and durations. Matched on the last path segment.
 */
const NOT_A_RATE =
  /loss|error|rmse|mse|mae|ece|brier|entropy|perplexity|count|users|items|examples|rows|events|pairs|size|dim|epoch|steps|seconds|millis|ms$|latency|duration|time|bytes/i;

/**
 * Rates (recall, precision, NDCG, AUC, CTR, coverage…): every present value in [0, 1] and a name
 * that is not a loss, count or duration. They share one 0–1 axis; everything else gets its own.
 */
export function isRateRow(row: ComparisonRow): boolean {
  const name = row.metric.split(".").at(-1) ?? row.metric;
  return isUnitIntervalRow(row) && !NOT_A_RATE.test(name);
}

/** The rows to chart: rates on one shared 0–1 axis, other metrics (with a value) each on its own axis. */
export function chartableRows(rows: readonly ComparisonRow[]): { rates: ComparisonRow[]; others: ComparisonRow[] } {
  const rates: ComparisonRow[] = [];
  const others: ComparisonRow[] = [];
  for (const row of rows) {
    if (isRateRow(row)) rates.push(row);
    else if (row.values.some((value) => value !== null)) others.push(row);
  }
  return { rates, others };
}
