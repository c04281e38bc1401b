"use client";
import { Badge, Button, Card, DataTable, type DataTableColumn, EmptyState, formatInteger, Skeleton } from "@cascade/ui";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { EVENT_RANGE_LABELS, type EventsQuery } from "@/lib/event-range.ts";
import { formatUtcDateTimeSeconds } from "@/lib/format-date.ts";
import type { RejectedEventList, RejectedEventRow } from "@/server/services/rejected-event.ts";
import { useTRPC } from "@/trpc/react.tsx";
import styles from "./events.module.css";

/** The full payload of one dead letter, fetched when its row is opened. */
function PayloadDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.event.getRejected.queryOptions({ id }));
  if (detail.data) return <pre className={styles.payloadFull}>{detail.data.payload}</pre>;
  if (detail.isError) return <p className={styles.muted}>The payload could not be loaded.</p>;
  return <Skeleton height={60} />;
}

function Payload({ row }: { row: RejectedEventRow }) {
  const [open, setOpen] = useState(false);
  const truncated = row.payloadLength > row.payloadPreview.length;
  return (
    <details className={styles.payload} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary title={truncated ? `${formatInteger(row.payloadLength)} characters; open to see all` : "Open to format"}>
        <code className={styles.payloadPreview}>
          {row.payloadPreview}
          {truncated ? "…" : ""}
        </code>
      </summary>
      {open ? <PayloadDetail id={row.id} /> : null}
    </details>
  );
}

const columns: DataTableColumn<RejectedEventRow>[] = [
  {
    id: "receivedAt",
    header: "Received (UTC)",
    nowrap: true,
    cell: (row) => (
      <time className={styles.time} dateTime={row.receivedAt.toISOString()}>
        {formatUtcDateTimeSeconds(row.receivedAt).replace(" UTC", "")}
      </time>
    ),
  },
  {
    id: "eventId",
    header: "Event id",
    nowrap: true,
    cell: (row) =>
      row.eventId ? (
        <code className={styles.eventId}>{row.eventId}</code>
      ) : (
        <span className={styles.muted} title="The delivery had no event id, or one that could not be stored.">
          none
        </span>
      ),
  },
  {
    id: "field",
    header: "Field",
    nowrap: true,
    cell: (row) => <code className={styles.field}>{row.field}</code>,
  },
  {
    id: "reason",
    header: "Reason",
    width: "30%",
    cell: (row) => <span className={styles.reason}>{row.reason}</span>,
  },
  {
    id: "payload",
    header: "Payload",
    cell: (row) => <Payload row={row} />,
  },
];

export type RecentRejectionsProps = {
  data: RejectedEventList | undefined;
  busy: boolean;
  query: EventsQuery;
  navigate: (next: EventsQuery) => void;
  /** Shows more rows; undefined when the table is at its maximum. */
  onShowMore: (() => void) | undefined;
  error: ReactNode;
};

/** The latest dead letters in the range (optionally of one reason), newest first. */
export function RecentRejections({ data, busy, query, navigate, onShowMore, error }: RecentRejectionsProps) {
  const filtered = query.field !== "" && query.reason !== "";
  const clearFilter = () => navigate({ ...query, field: "", reason: "" });
  if (!data) {
    return <Card title="Recent rejections">{error ?? <Skeleton height={240} />}</Card>;
  }
  const shown = data.rows.length;
  const description =
    data.total > shown
      ? `The latest ${formatInteger(shown)} of ${formatInteger(data.total)} rejected deliveries, ${EVENT_RANGE_LABELS[query.range].toLowerCase()}. Open a payload to see all of it.`
      : `Rejected deliveries, ${EVENT_RANGE_LABELS[query.range].toLowerCase()}, newest first. Open a payload to see all of it.`;
  return (
    <Card
      title="Recent rejections"
      description={description}
      flush
      actions={
        filtered ? (
          <span className={styles.filterChip} data-testid="rejection-filter">
            <Badge tone="accent">
              {query.field}: {query.reason}
            </Badge>
            <Button size="small" variant="ghost" onClick={clearFilter}>
              Show all
            </Button>
          </span>
        ) : null
      }
    >
      <DataTable
        label="Recent rejections"
        columns={columns}
        rows={data.rows}
        rowKey={(row) => row.id}
        busy={busy}
        empty={
          <EmptyState
            title={filtered ? "No rejections with this reason in this range" : "No rejections in this range"}
            description={
              filtered
                ? "Try a longer range, or show every reason."
                : "Rejected events are written here by the engine with the field and the reason, never dropped silently."
            }
            action={filtered ? <Button onClick={clearFilter}>Show all reasons</Button> : undefined}
          />
        }
        data-testid="rejected-events-table"
      />
      {data.total > shown && onShowMore ? (
        <div className={styles.more}>
          <Button size="small" onClick={onShowMore} disabled={busy}>
            Show more
          </Button>
        </div>
      ) : null}
    </Card>
  );
}
