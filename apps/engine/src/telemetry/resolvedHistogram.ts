// A Prometheus histogram whose label sets resolve once into a series holding its bucket counts, so
// an observation is a bucket scan and three additions. Hand-written because prom-client's
// Histogram, on every observe(), validates the labels, hashes them into a string key and finds the
// bucket by the bound's string form: with ~40 observations per funnel request (stages, components,
// candidates, the HTTP request) that was ~2% of the engine thread at 200 requests/s, and its
// `labels()` children do the same work per call. It registers into a prom-client Registry (the
// Registry reads `get()`), and exposes the samples prom-client's histogram would for the same
// observations (engineMetrics.test.ts checks this against prom-client itself).
import type { Registry } from "prom-client";

/** One label combination's counts: `buckets[i]` observations ≤ upperBounds[i] and > the previous bound (not cumulative). */
export type HistogramSeries = {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
};

type SeriesTree = Map<string, SeriesTree | HistogramSeries>;

/** `exemplar: null` on bucket samples as prom-client writes them (this histogram keeps no exemplars). */
type Sample = { value: number; labels: Record<string, string | number>; sharedLabels?: Readonly<Record<string, string>>; metricName: string; exemplar?: null };
type MetricData = { name: string; help: string; type: "histogram"; values: Sample[]; aggregator: "sum" };

export class ResolvedHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly upperBounds: Float64Array;
  private tree: SeriesTree = new Map();
  private series: HistogramSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    upperBounds: readonly number[],
    registry: Registry,
  ) {
    if (labelNames.length === 0) throw new Error(`${name}: a resolved histogram needs at least one label`);
    if (labelNames.includes("le")) throw new Error(`${name}: "le" is reserved for buckets`);
    for (let index = 1; index < upperBounds.length; index += 1)
      if (!(upperBounds[index]! > upperBounds[index - 1]!)) throw new Error(`${name}: bucket bounds must increase`);
    this.upperBounds = Float64Array.from(upperBounds);
    registry.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  /** The series of these label values (in labelNames' order), created on first use. */
  seriesOf(...values: string[]): HistogramSeries {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    let level = this.tree;
    const last = values.length - 1;
    for (let index = 0; index < last; index += 1) {
      let next = level.get(values[index]!) as SeriesTree | undefined;
      if (next === undefined) level.set(values[index]!, (next = new Map()));
      level = next;
    }
    let series = level.get(values[last]!) as HistogramSeries | undefined;
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((labelName, index) => (labels[labelName] = values[index]!));
      series = { labels, buckets: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
      level.set(values[last]!, series);
      this.series.push(series);
    }
    return series;
  }

  /** Adds `value` to `series` (a value above every bound counts in +Inf only); a non-finite value is dropped. */
  observe(series: HistogramSeries, value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.upperBounds;
    for (let index = 0; index < bounds.length; index += 1) {
      if (value <= bounds[index]!) {
        series.buckets[index]! += 1;
        break;
      }
    }
    series.sum += value;
    series.count += 1;
  }

  /**
   * What prom-client's Registry formats at a scrape: cumulative buckets, +Inf, sum and count per
   * series, the series' labels as `sharedLabels` (one object per series, which the Registry
   * formats once per scrape and places after `le`, as it does for prom-client's own histograms).
   */
  async getForPromString(): Promise<MetricData> {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series) {
      let cumulative = 0;
      for (let index = 0; index < this.upperBounds.length; index += 1) {
        cumulative += series.buckets[index]!;
        values.push({ value: cumulative, labels: { le: this.upperBounds[index]! }, sharedLabels: series.labels, metricName: bucketName, exemplar: null });
      }
      values.push({ value: series.count, labels: { le: "+Inf" }, sharedLabels: series.labels, metricName: bucketName, exemplar: null });
      values.push({ value: series.sum, labels: {}, sharedLabels: series.labels, metricName: `${this.name}_sum` });
      values.push({ value: series.count, labels: {}, sharedLabels: series.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The same samples with each series' labels merged into every sample's own (Registry.getMetricsAsJSON reads this). */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, ...sample }) => ({ ...sample, labels: { ...sample.labels, ...sharedLabels } }));
    return data;
  }

  /** Forgets every series (Registry.resetMetrics calls it). */
  reset(): void {
    this.tree = new Map();
    this.series = [];
  }
}
