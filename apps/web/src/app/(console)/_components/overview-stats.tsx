import { formatInteger, StatCard } from "@cascade/ui";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import { loadOverview } from "./overview-data.ts";
import styles from "./overview.module.css";

/** The headline counts. Exact numbers: tests and people compare them with COUNT(*). */
export async function OverviewStats() {
  const overview = await loadOverview();
  return (
    <div className={styles.stats}>
      <StatCard label="Items" value={overview.items} hint={`${formatInteger(overview.availableItems)} available`} data-testid="stat-items" />
      <StatCard label="Users" value={overview.users} hint="Known end users" data-testid="stat-users" />
      <StatCard label="Creators" value={overview.creators} hint="Publishers of items" data-testid="stat-creators" />
      <StatCard label="Events" value={overview.events} hint="All time, every type" data-testid="stat-events" />
      <StatCard
        label="Events, last 24h"
        value={overview.eventsLast24h}
        hint={overview.lastEventAt ? `Up to the latest event, ${formatUtcDateTime(overview.lastEventAt)}` : "No events yet"}
        data-testid="stat-events-24h"
      />
    </div>
  );
}
