"use client";
// Grouped horizontal bars of the compared versions and their baselines. Rates share one 0–1 axis
// (one group per metric); every other metric (losses, counts, milliseconds) gets a small chart of
// its own with its own axis, so a log loss never shares a scale with a recall, nor a count with
// either. The table below has every number.
import { type ChartSeries, formatDecimal } from "@cascade/ui";
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { ComparisonRow } from "@/lib/model-metrics.ts";
import styles from "./models.module.css";

const axisTick = { fontSize: 12, fill: "#475467" };

type ChartProps = {
  rows: readonly ComparisonRow[];
  series: ChartSeries[];
  hidden: ReadonlySet<string>;
};

function chartData(rows: readonly ComparisonRow[], series: ChartSeries[]) {
  return rows.map((row) => {
    const datum: Record<string, string | number> = { metric: row.metric };
    series.forEach((entry, index) => {
      const value = row.values[index];
      if (value !== null && value !== undefined) datum[entry.key] = value;
    });
    return datum;
  });
}

function Bars({ rows, series, hidden, rate, label, categoryWidth }: ChartProps & { rate: boolean; label: string; categoryWidth: number }) {
  const visible = series.filter((entry) => !hidden.has(entry.key));
  const height = Math.max(rate ? 140 : 90, rows.length * Math.max(24, visible.length * 12 + 10) + 40);
  return (
    <div style={{ width: "100%", height }} role="img" aria-label={label}>
      <BarChart
        responsive
        layout="vertical"
        data={chartData(rows, series)}
        style={{ width: "100%", height }}
        margin={{ top: 4, right: 16, bottom: 0, left: 0 }}
        barCategoryGap={8}
        barGap={2}
      >
        <CartesianGrid stroke="#eaecf0" horizontal={false} />
        {rate ? (
          <XAxis type="number" domain={[0, 1]} ticks={[0, 0.25, 0.5, 0.75, 1]} tick={axisTick} tickLine={false} axisLine={false} />
        ) : (
          <XAxis type="number" domain={[0, "auto"]} tick={axisTick} tickLine={false} axisLine={false} tickFormatter={(value: number) => formatDecimal(value)} />
        )}
        <YAxis type="category" dataKey="metric" tick={axisTick} tickLine={false} axisLine={false} width={categoryWidth} />
        <Tooltip
          cursor={{ fill: "#f3f4f8" }}
          formatter={(value) => formatDecimal(Number(value))}
          contentStyle={{ borderRadius: 8, borderColor: "#e4e7ec", fontSize: 13 }}
        />
        {visible.map((entry) => (
          <Bar key={entry.key} dataKey={entry.key} name={entry.label} fill={entry.color} radius={[0, 3, 3, 0]} isAnimationActive={false} />
        ))}
      </BarChart>
    </div>
  );
}

/** Rates (recall, NDCG, AUC, CTR…) on one shared 0–1 axis. */
export function RateComparisonChart({ rows, series, hidden }: ChartProps) {
  return (
    <figure className={styles.metricFigure} data-testid="metrics-chart" data-scale="rate">
      <figcaption className={styles.metricCaption}>Rates (0–1)</figcaption>
      <Bars
        rows={rows}
        series={series}
        hidden={hidden}
        rate
        label="Rate metrics of the compared versions and their baselines, on a 0 to 1 axis"
        categoryWidth={150}
      />
    </figure>
  );
}

/** Every other metric in a chart of its own, each with its own axis. */
export function OtherMetricCharts({ rows, series, hidden }: ChartProps) {
  return (
    <figure className={styles.metricFigure} data-testid="metrics-chart-other" data-scale="own">
      <figcaption className={styles.metricCaption}>Other metrics (losses, counts, times), each on its own axis</figcaption>
      <div className={styles.smallMultiples}>
        {rows.map((row) => (
          <div key={row.metric} className={styles.smallMultiple} data-metric={row.metric}>
            <code className={styles.metricName}>{row.metric}</code>
            <Bars
              rows={[{ ...row, metric: "" }]}
              series={series}
              hidden={hidden}
              rate={false}
              label={`${row.metric} of the compared versions and their baselines`}
              categoryWidth={0}
            />
          </div>
        ))}
      </div>
    </figure>
  );
}
