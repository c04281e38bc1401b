import { Card, EmptyState } from "@cascade/ui";
import { EventsPerDayChart } from "./events-per-day-chart.tsx";
import { loadEventVolume } from "./overview-data.ts";
import { MAX_PLOTTED_DAYS } from "@/server/services/event-volume.ts";
import styles from "./overview.module.css";

export async function EventsPerDayCard() {
  const volume = await loadEventVolume();
  return (
    <Card title="Events per day" description="Every event in the log, by type, per UTC day. Click a type to hide or show it.">
      {volume.days.length === 0 ? (
        <EmptyState title="No events yet" description="Events appear here once clients send them to the engine's /v1/events endpoint." />
      ) : (
        <>
          <EventsPerDayChart types={volume.types} days={volume.days} />
          {volume.notPlotted > 0 ? (
            <p className={styles.chartNote}>
              {volume.notPlotted.toLocaleString("en")} older events (before {volume.days[0]?.day}) are counted in the totals but not plotted: the chart shows
              the last {MAX_PLOTTED_DAYS} days with events.
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}
