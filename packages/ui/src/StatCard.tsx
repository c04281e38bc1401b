import type { ReactNode } from "react";
import { formatInteger } from "./format.ts";
import styles from "./StatCard.module.css";

export type StatCardProps = {
  label: string;
  /** Numbers are printed with thousands separators; the exact number stays in `data-value`. */
  value: number | string;
  hint?: ReactNode;
  "data-testid"?: string;
};

/** One headline number with its label, e.g. "Items 12,345". */
export function StatCard({ label, value, hint, ...rest }: StatCardProps) {
  const printed = typeof value === "number" ? formatInteger(value) : value;
  return (
    <div className={styles.stat} role="group" aria-label={label} {...rest}>
      <span className={styles.label}>{label}</span>
      <span className={styles.value} data-value={value}>
        {printed}
      </span>
      {hint ? <span className={styles.hint}>{hint}</span> : null}
    </div>
  );
}
