"use client";
// Multi-series line chart over recharts with the console's axes, grid, tooltip and a legend that
// toggles series. Callers pass plain rows and series definitions; no recharts types leak out.
import { useState } from "react";
import { CartesianGrid, Line, LineChart as RechartsLineChart, Tooltip, XAxis, YAxis } from "recharts";
import { ChartLegend } from "./ChartLegend.tsx";
import type { ChartDatum, ChartSeries } from "./chart-series.ts";
import { formatCompact, formatInteger } from "./format.ts";
import { niceAxis } from "./nice-axis.ts";

export type LineChartProps = {
  data: readonly ChartDatum[];
  /** Key of the x value in each row (a date string, a label). */
  xKey: string;
  series: ChartSeries[];
  /** Accessible description of what the chart shows. */
  label: string;
  height?: number;
  formatX?: (value: string) => string;
  formatY?: (value: number) => string;
  /** The tooltip's heading for an x value; defaults to formatX. */
  formatTooltipLabel?: (value: string) => string;
  /** Series hidden until the user toggles them on. */
  initiallyHidden?: string[];
  "data-testid"?: string;
};

const axisTick = { fontSize: 12, fill: "#667085" };

export function LineChart({
  data,
  xKey,
  series,
  label,
  height = 300,
  formatX = (value) => value,
  formatY = formatCompact,
  formatTooltipLabel = formatX,
  initiallyHidden = [],
  ...rest
}: LineChartProps) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set(initiallyHidden));

  function toggle(key: string) {
    setHidden((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  const visibleKeys = series.map((entry) => entry.key).filter((key) => !hidden.has(key));
  const maxValue = Math.max(0, ...data.flatMap((row) => visibleKeys.map((key) => Number(row[key] ?? 0))));
  const yAxis = niceAxis(maxValue);

  return (
    <figure style={{ margin: 0, width: "100%" }} data-testid={rest["data-testid"]}>
      <ChartLegend series={series} hidden={hidden} onToggle={toggle} />
      <div style={{ width: "100%", height }} role="img" aria-label={label}>
        <RechartsLineChart responsive data={data as ChartDatum[]} style={{ width: "100%", height }} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eaecf0" vertical={false} />
          <XAxis
            dataKey={xKey}
            tick={axisTick}
            tickLine={false}
            axisLine={{ stroke: "#d0d5dd" }}
            tickFormatter={(value: string) => formatX(String(value))}
            minTickGap={24}
          />
          <YAxis
            domain={yAxis.domain}
            ticks={yAxis.ticks}
            tick={axisTick}
            tickLine={false}
            axisLine={false}
            width={56}
            tickFormatter={(value: number) => formatY(Number(value))}
          />
          <Tooltip
            labelFormatter={(value) => formatTooltipLabel(String(value))}
            formatter={(value) => formatInteger(Number(value))}
            itemSorter={(item) => -Number(item.value ?? 0)}
            contentStyle={{ borderRadius: 8, borderColor: "#e4e7ec", fontSize: 13 }}
          />
          {series.map((entry) => (
            <Line
              key={entry.key}
              type="monotone"
              dataKey={entry.key}
              name={entry.label}
              stroke={entry.color}
              strokeWidth={2}
              dot={false}
              activeDot={{ r: 4 }}
              hide={hidden.has(entry.key)}
              isAnimationActive={false}
            />
          ))}
        </RechartsLineChart>
      </div>
    </figure>
  );
}
