// A search box with the magnifier inside: an <input type="search"> (role "searchbox") named by
// `label`. With `visibleLabel` a caption is shown above it (filter bars); without, the label is
// the accessible name only.
import type { InputHTMLAttributes } from "react";
import styles from "./Field.module.css";

export type SearchFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type"> & {
  /** Accessible name, e.g. "Search items". */
  label: string;
  /** A short caption above the box, e.g. "Search". */
  visibleLabel?: string;
  /** Grow to fill the row (default) or keep to the content width. */
  grow?: boolean;
};

function SearchIcon() {
  return (
    <svg className={styles.searchIcon} width="16" height="16" viewBox="0 0 20 20" fill="none" aria-hidden="true">
      <circle cx="9" cy="9" r="5.5" stroke="currentColor" strokeWidth="1.8" />
      <path d="m13.2 13.2 3.8 3.8" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </svg>
  );
}

export function SearchField({ label, visibleLabel, grow = true, className, ...input }: SearchFieldProps) {
  return (
    <label className={[styles.field, styles.search, grow ? styles.grow : undefined, className].filter(Boolean).join(" ")}>
      {visibleLabel ? <span className={styles.caption}>{visibleLabel}</span> : null}
      <span className={styles.searchBox}>
        <SearchIcon />
        <input className={`${styles.control} ${styles.searchInput}`} type="search" aria-label={label} autoComplete="off" spellCheck={false} {...input} />
      </span>
    </label>
  );
}
