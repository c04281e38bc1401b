"use client";
// Grouped horizontal bars: one group per metric, one bar per compared version or baseline. Only
// rate metrics in [0, 1] are drawn (one shared axis); the table beside it has every metric.
import { ChartLegend, type ChartSeries, formatDecimal } from "@cascade/ui";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { ComparisonRow } from "@/lib/model-metrics.ts";

const axisTick = { fontSize: 12, fill: "#475467" };

export type MetricComparisonChartProps = {
  rows: readonly ComparisonRow[];
  series: ChartSeries[];
};

export function MetricComparisonChart({ rows, series }: MetricComparisonChartProps) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const visible = series.filter((entry) => !hidden.has(entry.key));
  const data = rows.map((row) => {
    const datum: Record<string, string | number> = { metric: row.metric };
    series.forEach((entry, index) => {
      const value = row.values[index];
      if (value !== null && value !== undefined) datum[entry.key] = value;
    });
    return datum;
  });
  const height = Math.max(140, rows.length * Math.max(24, visible.length * 12 + 10) + 40);

  function toggle(key: string) {
    setHidden((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  return (
    <figure style={{ margin: 0, width: "100%" }} data-testid="metrics-chart">
      <ChartLegend series={series} hidden={hidden} onToggle={toggle} />
      <div style={{ width: "100%", height }} role="img" aria-label="Offline metrics of the compared versions and their baselines">
        <BarChart
          responsive
          layout="vertical"
          data={data}
          style={{ width: "100%", height }}
          margin={{ top: 4, right: 16, bottom: 0, left: 0 }}
          barCategoryGap={8}
          barGap={2}
        >
          <CartesianGrid stroke="#eaecf0" horizontal={false} />
          <XAxis
            type="number"
            domain={[0, 1]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            tick={axisTick}
            tickLine={false}
            axisLine={false}
          />
          <YAxis type="category" dataKey="metric" tick={axisTick} tickLine={false} axisLine={false} width={150} />
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
    </figure>
  );
}
