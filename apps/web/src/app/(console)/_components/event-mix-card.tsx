import { Card, EmptyState, formatInteger, formatPercent, Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@cascade/ui";
import { EVENT_TYPE_COLORS, EVENT_TYPE_LABELS } from "@/lib/event-type-colors.ts";
import { loadEventVolume } from "./overview-data.ts";
import styles from "./overview.module.css";

/** How the event log splits by type, all time. */
export async function EventMixCard() {
  const volume = await loadEventVolume();
  const total = volume.types.reduce((sum, type) => sum + (volume.totals[type] ?? 0), 0);
  return (
    <Card title="Event mix" description="Share of each event type over the whole log." flush>
      {total === 0 ? (
        <EmptyState title="No events yet" />
      ) : (
        <Table aria-label="Events by type">
          <TableHead>
            <TableRow>
              <TableHeaderCell>Type</TableHeaderCell>
              <TableHeaderCell align="right">Events</TableHeaderCell>
              <TableHeaderCell align="right">Share</TableHeaderCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {volume.types.map((type) => {
              const count = volume.totals[type] ?? 0;
              const share = count / total;
              return (
                <TableRow key={type}>
                  <TableCell>
                    <span className={styles.mixType}>
                      <span className={styles.swatch} style={{ background: EVENT_TYPE_COLORS[type] }} aria-hidden />
                      {EVENT_TYPE_LABELS[type]}
                      <code className={styles.muted}>{type}</code>
                    </span>
                  </TableCell>
                  <TableCell align="right">{formatInteger(count)}</TableCell>
                  <TableCell align="right" nowrap>
                    <span className={styles.shareBar} aria-hidden>
                      <span className={styles.shareFill} style={{ width: `${Math.max(share * 100, 1)}%`, background: EVENT_TYPE_COLORS[type] }} />
                    </span>
                    {formatPercent(share)}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
