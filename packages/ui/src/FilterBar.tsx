// The row above a list: its filters (search field, selects, segmented controls) wrapping as the
// width shrinks, and an optional summary at the end ("1,204 matching items"). Pass `form` props to
// make it a real GET form (role "search"), so filtering works before hydration and the URL is the state.
import type { FormHTMLAttributes, ReactNode } from "react";
import styles from "./FilterBar.module.css";

export type FilterBarProps = {
  children: ReactNode;
  /** Right-aligned summary of what the filters show. */
  summary?: ReactNode;
  /** Render the filters as a search form with these attributes (method, action, onSubmit…). */
  form?: FormHTMLAttributes<HTMLFormElement>;
  /** Accessible name of the filters when they are not a form. */
  label?: string;
  /** Padding to sit flush inside a card (default) or none. */
  inset?: boolean;
};

export function FilterBar({ children, summary, form, label, inset = true }: FilterBarProps) {
  const filters = form ? (
    <form role="search" {...form} className={styles.filters}>
      {children}
    </form>
  ) : (
    <div role={label ? "group" : undefined} aria-label={label} className={styles.filters}>
      {children}
    </div>
  );
  return (
    <div className={[styles.bar, inset ? styles.inset : undefined].filter(Boolean).join(" ")}>
      {filters}
      {summary ? <div className={styles.summary}>{summary}</div> : null}
    </div>
  );
}
