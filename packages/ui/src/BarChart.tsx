"use client";
// Horizontal bar chart (one bar per category, bars growing to the right) over recharts, for
// ranked lists such as "top categories". Labels sit on the left where long names stay readable.
import { useState } from "react";
import { Bar, BarChart as RechartsBarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { ChartLegend } from "./ChartLegend.tsx";
import type { ChartDatum, ChartSeries } from "./chart-series.ts";
import { formatCompact, formatInteger } from "./format.ts";
import { niceAxis } from "./nice-axis.ts";

export type BarChartProps = {
  data: readonly ChartDatum[];
  /** Key of the category label in each row. */
  categoryKey: string;
  series: ChartSeries[];
  /** Accessible description of what the chart shows. */
  label: string;
  /** Stack the series into one bar per category (parts of a whole) instead of side by side. */
  stacked?: boolean;
  /** Pixels per bar row; the chart grows with the number of rows. */
  rowHeight?: number;
  formatValue?: (value: number) => string;
  "data-testid"?: string;
};

const axisTick = { fontSize: 12, fill: "#475467" };

export function BarChart({ data, categoryKey, series, label, stacked = false, rowHeight = 30, formatValue = formatCompact, ...rest }: BarChartProps) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const height = Math.max(120, data.length * rowHeight + 32);
  const visible = series.filter((entry) => !hidden.has(entry.key));
  const barLengths = data.flatMap((row) => {
    const values = visible.map((entry) => Number(row[entry.key] ?? 0));
    return stacked ? [values.reduce((sum, value) => sum + value, 0)] : values;
  });
  const valueAxis = niceAxis(Math.max(0, ...barLengths));

  function toggle(key: string) {
    setHidden((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  return (
    <figure style={{ margin: 0, width: "100%" }} data-testid={rest["data-testid"]}>
      {series.length > 1 ? <ChartLegend series={series} hidden={hidden} onToggle={toggle} /> : null}
      <div style={{ width: "100%", height }} role="img" aria-label={label}>
        <RechartsBarChart
          responsive
          layout="vertical"
          data={data as ChartDatum[]}
          style={{ width: "100%", height }}
          margin={{ top: 0, right: 16, bottom: 0, left: 0 }}
          barCategoryGap={6}
        >
          <CartesianGrid stroke="#eaecf0" horizontal={false} />
          <XAxis
            type="number"
            domain={valueAxis.domain}
            ticks={valueAxis.ticks}
            tick={axisTick}
            tickLine={false}
            axisLine={false}
            tickFormatter={(value: number) => formatValue(Number(value))}
          />
          <YAxis type="category" dataKey={categoryKey} tick={axisTick} tickLine={false} axisLine={false} width={110} />
          <Tooltip
            cursor={{ fill: "#f3f4f8" }}
            formatter={(value) => formatInteger(Number(value))}
            contentStyle={{ borderRadius: 8, borderColor: "#e4e7ec", fontSize: 13 }}
          />
          {visible.map((entry, index) => (
            <Bar
              key={entry.key}
              dataKey={entry.key}
              name={entry.label}
              fill={entry.color}
              stackId={stacked ? "stack" : undefined}
              // Round only the outer end of a stack, so stacked parts join flush.
              radius={!stacked || index === visible.length - 1 ? [0, 4, 4, 0] : 0}
              isAnimationActive={false}
            />
          ))}
        </RechartsBarChart>
      </div>
    </figure>
  );
}
