import type { ReactNode } from "react";
import { type CellAlign, Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "./Table.tsx";
import styles from "./DataTable.module.css";

export type DataTableColumn<Row> = {
  /** Stable key for React and for tests (`data-column`). */
  id: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  align?: CellAlign;
  nowrap?: boolean;
  /** CSS width of the column, e.g. "12rem" or "30%". */
  width?: string;
};

export type DataTableRowTone = "warning" | "danger";

export type DataTableProps<Row> = {
  columns: DataTableColumn<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  /** Accessible name of the table. */
  label: string;
  /** True while newer rows are loading; the current rows stay visible, dimmed. */
  busy?: boolean;
  /** Rendered instead of the body when there are no rows. */
  empty?: ReactNode;
  /** Tints a row that needs attention (a stale feature, a flagged check); the cells say why. */
  rowTone?: (row: Row) => DataTableRowTone | undefined;
  "data-testid"?: string;
};

/** A column-definition driven table for lists of records. */
export function DataTable<Row>({ columns, rows, rowKey, label, busy = false, empty, rowTone, ...rest }: DataTableProps<Row>) {
  return (
    <div className={busy ? `${styles.wrapper} ${styles.busy}` : styles.wrapper}>
      {busy ? <div className={styles.progress} role="progressbar" aria-label="Loading" /> : null}
      <Table aria-label={label} aria-busy={busy} data-testid={rest["data-testid"]}>
        <colgroup>
          {columns.map((column) => (
            <col key={column.id} style={column.width ? { width: column.width } : undefined} />
          ))}
        </colgroup>
        <TableHead>
          <TableRow>
            {columns.map((column) => (
              <TableHeaderCell key={column.id} align={column.align}>
                {column.header}
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((row) => {
            const tone = rowTone?.(row);
            return (
              <TableRow key={rowKey(row)} data-row-key={rowKey(row)} data-tone={tone} className={tone ? styles[tone] : undefined}>
                {columns.map((column) => (
                  <TableCell key={column.id} align={column.align} nowrap={column.nowrap} data-column={column.id}>
                    {column.cell(row)}
                  </TableCell>
                ))}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {rows.length === 0 && empty ? empty : null}
    </div>
  );
}
