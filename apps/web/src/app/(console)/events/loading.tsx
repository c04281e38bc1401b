import { PageHeader, Skeleton } from "@cascade/ui";
import styles from "./_components/events.module.css";

export default function EventsLoading() {
  return (
    <>
      <PageHeader title="Events" description="Loading the event log…" />
      <div className={styles.sections} aria-busy="true" aria-label="Loading events">
        <div className={styles.stats}>
          {Array.from({ length: 4 }, (_, index) => (
            <Skeleton key={index} height={104} />
          ))}
        </div>
        <Skeleton height={380} />
        <Skeleton height={320} />
      </div>
    </>
  );
}
