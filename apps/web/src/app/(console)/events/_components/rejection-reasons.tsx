"use client";
import { Card, EmptyState, formatInteger, Skeleton, Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@cascade/ui";
import type { MouseEvent, ReactNode } from "react";
import { EVENT_RANGE_LABELS, type EventsQuery, eventsHref } from "@/lib/event-range.ts";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import type { RejectionReasonList } from "@/server/services/rejection-reason.ts";
import styles from "./events.module.css";

export type RejectionReasonsProps = {
  data: RejectionReasonList | undefined;
  busy: boolean;
  query: EventsQuery;
  navigate: (next: EventsQuery) => void;
  error: ReactNode;
};

function isPlainLeftClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

/** Dead letters grouped by (field, reason); a reason links to its rejections below. */
export function RejectionReasons({ data, busy, query, navigate, error }: RejectionReasonsProps) {
  if (!data) {
    return <Card title="Rejections by reason">{error ?? <Skeleton height={300} />}</Card>;
  }
  const description =
    data.total > 0
      ? `${EVENT_RANGE_LABELS[query.range]}: ${formatInteger(data.total)} rejected ${data.total === 1 ? "delivery" : "deliveries"}, by the field at fault and the reason. Pick one to see its events.`
      : `${EVENT_RANGE_LABELS[query.range]}: rejected deliveries, by the field at fault and the reason.`;
  return (
    <Card title="Rejections by reason" description={description} flush>
      {data.reasons.length === 0 ? (
        <EmptyState title="No rejections in this range" description="Every event the engine received in this range passed validation." />
      ) : (
        <div className={busy ? styles.busy : undefined}>
          <Table aria-label="Rejections by reason" data-testid="rejection-reasons" data-from={data.from?.toISOString() ?? ""} data-to={data.to.toISOString()}>
            <TableHead>
              <TableRow>
                <TableHeaderCell>Field</TableHeaderCell>
                <TableHeaderCell>Reason</TableHeaderCell>
                <TableHeaderCell align="right">Count</TableHeaderCell>
                <TableHeaderCell>Last seen</TableHeaderCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {data.reasons.map((reason) => {
                const selected = query.field === reason.field && query.reason === reason.reason;
                const target: EventsQuery = selected ? { ...query, field: "", reason: "" } : { ...query, field: reason.field, reason: reason.reason };
                return (
                  <TableRow
                    key={`${reason.field}\u0000${reason.reason}`}
                    className={selected ? styles.selectedRow : undefined}
                    data-row-key={`${reason.field}: ${reason.reason}`}
                  >
                    <TableCell nowrap>
                      <code className={styles.field}>{reason.field}</code>
                    </TableCell>
                    <TableCell>
                      <a
                        className={styles.reasonLink}
                        href={eventsHref(target)}
                        aria-current={selected ? "true" : undefined}
                        title={selected ? "Show every rejection again" : "Show only these rejections"}
                        onClick={(event) => {
                          if (!isPlainLeftClick(event)) return;
                          event.preventDefault();
                          navigate(target);
                        }}
                      >
                        {reason.reason}
                      </a>
                    </TableCell>
                    <TableCell align="right" data-column="count" data-value={reason.count}>
                      {formatInteger(reason.count)}
                    </TableCell>
                    <TableCell nowrap>
                      <span className={styles.time}>{formatUtcDateTime(reason.lastSeenAt).replace(" UTC", "")}</span>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
          {data.totalReasons > data.reasons.length ? (
            <p className={styles.footnote}>
              The {formatInteger(data.reasons.length)} most frequent of {formatInteger(data.totalReasons)} reasons.
            </p>
          ) : null}
        </div>
      )}
    </Card>
  );
}
