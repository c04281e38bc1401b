"use client";
import type { EventType } from "@cascade/db";
import { Card, EmptyState, LineChart, Skeleton } from "@cascade/ui";
import type { ReactNode } from "react";
import { EVENT_TYPE_COLORS, EVENT_TYPE_LABELS } from "@/lib/event-type-colors.ts";
import type { IngestRate } from "@/server/services/ingest-rate.ts";
import { formatBucketRange, formatBucketTick, perBucket } from "@/lib/ingest-format.ts";
import styles from "./events.module.css";

/** Dead letters get a colour no event type uses. */
const REJECTED_COLOR = "#7a271a";

export type IngestRateCardProps = {
  data: IngestRate | undefined;
  busy: boolean;
  error: ReactNode;
};

/** Events received per bucket, one line per type, plus the rejected deliveries. */
export function IngestRateCard({ data, busy, error }: IngestRateCardProps) {
  const title = "Ingest rate";
  if (!data) {
    return (
      <Card title={title} description="Events received over time, by type.">
        {error ?? <Skeleton height={320} />}
      </Card>
    );
  }

  const types = (Object.keys(data.totals) as EventType[]).filter((type) => data.totals[type] > 0).sort((a, b) => data.totals[b] - data.totals[a]);
  const byStart = new Map(data.buckets.map((bucket) => [bucket.start.toISOString(), bucket]));
  const rows = data.buckets.map((bucket) => ({
    start: bucket.start.toISOString(),
    ...Object.fromEntries(types.map((type) => [type, bucket.counts[type]])),
    rejected: bucket.rejected,
  }));
  const series = [
    ...types.map((type) => ({ key: type, label: EVENT_TYPE_LABELS[type], color: EVENT_TYPE_COLORS[type] })),
    ...(data.rejected > 0 ? [{ key: "rejected", label: "Rejected", color: REJECTED_COLOR }] : []),
  ];
  const spanMs = data.buckets.length * data.bucketMs;
  const startOf = (iso: string) => byStart.get(iso)?.start ?? new Date(iso);

  return (
    <Card
      title={title}
      description={`Events received ${perBucket(data.bucketMs)}, by type, and deliveries rejected. The last bucket is still filling. Click a type to hide or show it.`}
    >
      {data.total === 0 && data.rejected === 0 ? (
        <EmptyState
          title="Nothing received in this range"
          description="Events appear here as clients send them to the engine's POST /v1/events. Try a longer range."
        />
      ) : (
        <div className={busy ? styles.busy : undefined}>
          <LineChart
            data={rows}
            xKey="start"
            series={series}
            label={`Events received ${perBucket(data.bucketMs)} by type`}
            height={300}
            formatX={(iso) => formatBucketTick(startOf(iso), data.bucketMs, spanMs)}
            formatTooltipLabel={(iso) => formatBucketRange(startOf(iso), data.bucketMs)}
            data-testid="ingest-rate-chart"
          />
        </div>
      )}
    </Card>
  );
}
