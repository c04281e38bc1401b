// Events per UTC day and event type over the whole event log, for the Overview chart.
import { type Database, EventType } from "@cascade/db";
import { z } from "zod";

export const eventVolumeSchema = z.object({
  /** Event types that occur in the data, most frequent first (the chart's series order). */
  types: z.array(z.enum(EventType)),
  /** One entry per UTC day from the first to the last event, days without events included. */
  days: z.array(
    z.object({
      /** YYYY-MM-DD (UTC) */
      day: z.string(),
      counts: z.partialRecord(z.enum(EventType), z.number().int()),
    }),
  ),
  totals: z.partialRecord(z.enum(EventType), z.number().int()),
  /** Events on days before the plotted span (counted in `totals`, not in `days`); 0 when every day is plotted. */
  notPlotted: z.number().int(),
});
export type EventVolume = z.infer<typeof eventVolumeSchema>;

type DayTypeCount = { day: Date; type: EventType; events: bigint };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * At most this many days are plotted, ending at the newest event's day: one event stamped
 * 0001-01-01 would otherwise make the chart 740,000 days wide (a 114 MB page that overflowed
 * React's stack). Older days' events are still in the totals, and the card says how many.
 */
export const MAX_PLOTTED_DAYS = 731;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export async function listEventVolume(db: Database): Promise<EventVolume> {
  // Read from event_counts (exact counts per UTC day of occurred_at, received hour and type, kept
  // by triggers on events): thousands of rows instead of a pass over millions of events. Days are
  // UTC so that everyone sees the same buckets.
  const rows = await db.$queryRaw<DayTypeCount[]>`
    SELECT occurred_day::timestamp AT TIME ZONE 'UTC' AS day, type, sum(events)::bigint AS events
    FROM event_counts
    GROUP BY 1, 2
    HAVING sum(events) > 0
    ORDER BY 1`;

  const totals: Partial<Record<EventType, number>> = {};
  const countsByDay = new Map<string, Partial<Record<EventType, number>>>();
  for (const row of rows) {
    const count = Number(row.events);
    totals[row.type] = (totals[row.type] ?? 0) + count;
    const key = isoDay(row.day);
    const counts = countsByDay.get(key) ?? {};
    counts[row.type] = count;
    countsByDay.set(key, counts);
  }

  const types = (Object.keys(totals) as EventType[]).sort((a, b) => (totals[b] ?? 0) - (totals[a] ?? 0));
  const last = rows.at(-1)?.day;
  const earliest = rows[0]?.day;
  const first = earliest && last ? new Date(Math.max(earliest.getTime(), last.getTime() - (MAX_PLOTTED_DAYS - 1) * DAY_MS)) : undefined;
  let notPlotted = 0;
  for (const row of rows) if (first && row.day.getTime() < first.getTime()) notPlotted += Number(row.events);
  const days: EventVolume["days"] = [];
  if (first && last) {
    // Fill gaps so the x axis is real time: a quiet day shows as zero, not as a missing point.
    for (let time = first.getTime(); time <= last.getTime(); time += DAY_MS) {
      const day = isoDay(new Date(time));
      const counts = countsByDay.get(day) ?? {};
      days.push({ day, counts: Object.fromEntries(types.map((type) => [type, counts[type] ?? 0])) });
    }
  }
  return { types, days, totals, notPlotted };
}
