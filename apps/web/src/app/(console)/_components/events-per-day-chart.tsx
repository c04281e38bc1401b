"use client";
import type { EventType } from "@cascade/db";
import { LineChart } from "@cascade/ui";
import { EVENT_TYPE_COLORS, EVENT_TYPE_LABELS } from "@/lib/event-type-colors.ts";
import { formatIsoDayLong, formatIsoDayShort } from "@/lib/format-date.ts";

export type EventsPerDayChartProps = {
  types: EventType[];
  days: { day: string; counts: Partial<Record<EventType, number>> }[];
};

/** One line per event type over UTC days; the legend hides or shows types. */
export function EventsPerDayChart({ types, days }: EventsPerDayChartProps) {
  const rows = days.map(({ day, counts }) => ({ day, ...counts }));
  const series = types.map((type) => ({ key: type, label: EVENT_TYPE_LABELS[type], color: EVENT_TYPE_COLORS[type] }));
  return (
    <LineChart
      data={rows}
      xKey="day"
      series={series}
      label={`Events per day by type, ${days[0]?.day ?? ""} to ${days.at(-1)?.day ?? ""} (UTC)`}
      height={320}
      formatX={(day) => formatIsoDayShort(day)}
      formatTooltipLabel={(day) => formatIsoDayLong(day)}
      data-testid="events-per-day-chart"
    />
  );
}
