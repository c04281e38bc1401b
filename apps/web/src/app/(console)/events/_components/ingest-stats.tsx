import { formatInteger, formatPercent, StatCard } from "@cascade/ui";
import { EVENT_RANGE_LABELS } from "@/lib/event-range.ts";
import type { IngestRate } from "@/server/services/ingest-rate.ts";
import { formatBucketRange, formatRate, perBucket } from "@/lib/ingest-format.ts";
import styles from "./events.module.css";

/** Headline numbers for the range: volume, average and peak rate, rejections. */
export function IngestStats({ data }: { data: IngestRate }) {
  const firstBucket = data.buckets[0];
  const windowStartMs = data.from?.getTime() ?? firstBucket?.start.getTime() ?? data.to.getTime();
  const durationMs = data.to.getTime() - windowStartMs;
  const peak = data.buckets.reduce<IngestRate["buckets"][number] | undefined>((best, bucket) => (bucket.total > (best?.total ?? 0) ? bucket : best), undefined);
  const deliveries = data.total + data.rejected;
  return (
    <div className={styles.stats}>
      <StatCard label="Events received" value={data.total} hint={EVENT_RANGE_LABELS[data.range]} data-testid="stat-events-received" />
      <StatCard
        label="Average rate"
        value={formatRate(data.total, durationMs)}
        hint={data.range === "all" ? "Since the first event received" : "Over the whole range"}
      />
      <StatCard
        label="Busiest bucket"
        value={peak ? formatInteger(peak.total) : "—"}
        hint={peak ? `${perBucket(data.bucketMs)}, ${formatBucketRange(peak.start, data.bucketMs)}` : "No events in this range"}
      />
      <StatCard
        label="Rejected"
        value={data.rejected}
        hint={deliveries > 0 ? `${formatPercent(data.rejected / deliveries)} of deliveries turned away` : "No deliveries"}
        data-testid="stat-events-rejected"
      />
    </div>
  );
}
