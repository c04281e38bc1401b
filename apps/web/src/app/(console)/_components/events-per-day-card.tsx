import { Card, EmptyState } from "@cascade/ui";
import { EventsPerDayChart } from "./events-per-day-chart.tsx";
import { loadEventVolume } from "./overview-data.ts";

export async function EventsPerDayCard() {
  const volume = await loadEventVolume();
  return (
    <Card title="Events per day" description="Every event in the log, by type, per UTC day. Click a type to hide or show it.">
      {volume.days.length === 0 ? (
        <EmptyState title="No events yet" description="Events appear here once clients send them to the engine's /v1/events endpoint." />
      ) : (
        <EventsPerDayChart types={volume.types} days={volume.days} />
      )}
    </Card>
  );
}
