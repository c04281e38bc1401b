// Table primitives with the console's table styling; DataTable builds on them, and pages with
// unusual layouts can use them directly.
import type { HTMLAttributes, ReactNode, TableHTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from "react";
import styles from "./Table.module.css";

export type CellAlign = "left" | "right";

function classes(...names: (string | false | undefined)[]): string {
  return names.filter(Boolean).join(" ");
}

export function Table({ className, children, ...rest }: TableHTMLAttributes<HTMLTableElement>) {
  return (
    <div className={styles.scroll}>
      <table className={classes(styles.table, className)} {...rest}>
        {children}
      </table>
    </div>
  );
}

export function TableRow({ className, ...rest }: HTMLAttributes<HTMLTableRowElement>) {
  return <tr className={classes(styles.row, className)} {...rest} />;
}

export type TableHeaderCellProps = ThHTMLAttributes<HTMLTableCellElement> & { align?: CellAlign };

export function TableHeaderCell({ align = "left", className, scope = "col", ...rest }: TableHeaderCellProps) {
  return <th scope={scope} className={classes(styles.headerCell, align === "right" && styles.alignRight, className)} {...rest} />;
}

export type TableCellProps = TdHTMLAttributes<HTMLTableCellElement> & { align?: CellAlign; nowrap?: boolean };

export function TableCell({ align = "left", nowrap = false, className, ...rest }: TableCellProps) {
  return <td className={classes(styles.cell, align === "right" && styles.alignRight, nowrap && styles.nowrap, className)} {...rest} />;
}

export function TableHead({ children }: { children: ReactNode }) {
  return <thead>{children}</thead>;
}

export function TableBody({ children }: { children: ReactNode }) {
  return <tbody>{children}</tbody>;
}
