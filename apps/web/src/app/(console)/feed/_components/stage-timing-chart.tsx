"use client";
// Time per funnel stage (recharts via @cascade/ui's BarChart).
import type { FunnelTrace } from "@cascade/core";
import { BarChart, Card, chartPalette } from "@cascade/ui";
import { stageTimings } from "@/lib/feed-debugger/trace-views.ts";

export function StageTimingChart({ trace }: { trace: FunnelTrace }) {
  return (
    <Card
      title="Time per stage"
      description={`Total ${trace.totalMs.toFixed(2)} ms on the engine${trace.degraded ? " — degraded: a component timed out or failed" : ""}.`}
    >
      <BarChart
        data={stageTimings(trace)}
        categoryKey="stage"
        series={[{ key: "ms", label: "milliseconds", color: chartPalette[0] }]}
        label="Milliseconds spent in each funnel stage"
        formatValue={(value) => `${value.toFixed(2)} ms`}
        data-testid="stage-timing-chart"
      />
    </Card>
  );
}
