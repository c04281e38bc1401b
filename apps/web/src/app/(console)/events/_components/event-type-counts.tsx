"use client";
import type { EventType } from "@cascade/db";
import { Card, formatInteger, formatPercent, Meter, Skeleton, Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@cascade/ui";
import type { ReactNode } from "react";
import { EVENT_RANGE_LABELS } from "@/lib/event-range.ts";
import { EVENT_TYPE_COLORS, EVENT_TYPE_LABELS } from "@/lib/event-type-colors.ts";
import type { IngestRate } from "@/server/services/ingest-rate.ts";
import styles from "./events.module.css";

export type EventTypeCountsProps = {
  data: IngestRate | undefined;
  busy: boolean;
  error: ReactNode;
};

/**
 * Events received in the range, per type: every type, zeros included (no purchases in the last
 * hour is news). The window is in data-from / data-to, so a test can count the same rows.
 */
export function EventTypeCounts({ data, busy, error }: EventTypeCountsProps) {
  if (!data) {
    return <Card title="Counts by type">{error ?? <Skeleton height={300} />}</Card>;
  }
  const types = (Object.keys(data.totals) as EventType[]).sort((a, b) => data.totals[b] - data.totals[a] || a.localeCompare(b));
  return (
    <Card title="Counts by type" description={`${EVENT_RANGE_LABELS[data.range]}: events received per type.`} flush>
      <div
        className={busy ? styles.busy : undefined}
        data-testid="event-type-counts"
        data-range={data.range}
        data-from={data.from?.toISOString() ?? ""}
        data-to={data.to.toISOString()}
      >
        <Table aria-label="Events received by type">
          <TableHead>
            <TableRow>
              <TableHeaderCell>Type</TableHeaderCell>
              <TableHeaderCell align="right">Events</TableHeaderCell>
              <TableHeaderCell align="right">Share</TableHeaderCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {types.map((type) => {
              const count = data.totals[type];
              const share = data.total > 0 ? count / data.total : 0;
              return (
                <TableRow key={type} data-row-key={type} className={count === 0 ? styles.zeroRow : undefined}>
                  <TableCell>
                    <span className={styles.typeName}>
                      <span className={styles.swatch} style={{ background: EVENT_TYPE_COLORS[type] }} aria-hidden />
                      {EVENT_TYPE_LABELS[type]}
                      <code className={styles.typeCode}>{type}</code>
                    </span>
                  </TableCell>
                  <TableCell align="right" data-column="count" data-value={count}>
                    {formatInteger(count)}
                  </TableCell>
                  <TableCell align="right" nowrap>
                    <Meter
                      value={share}
                      label={`Share of ${EVENT_TYPE_LABELS[type].toLowerCase()}`}
                      text={formatPercent(share)}
                      color={EVENT_TYPE_COLORS[type]}
                      width={64}
                    />
                  </TableCell>
                </TableRow>
              );
            })}
            <TableRow className={styles.totalRow}>
              <TableCell>All types</TableCell>
              <TableCell align="right" data-column="count" data-value={data.total} data-testid="event-type-total">
                {formatInteger(data.total)}
              </TableCell>
              <TableCell align="right" />
            </TableRow>
          </TableBody>
        </Table>
      </div>
    </Card>
  );
}
