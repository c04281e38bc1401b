import type { MouseEvent } from "react";
import { buttonClassName } from "./Button.tsx";
import { formatInteger } from "./format.ts";
import styles from "./Pagination.module.css";

export type PaginationProps = {
  /** 1-based page number. */
  page: number;
  pageSize: number;
  total: number;
  /** Real links, so pages can be opened in a new tab or shared. */
  hrefForPage: (page: number) => string;
  /** Handles plain clicks in place (client-side navigation); modified clicks keep link behaviour. */
  onNavigate?: (page: number) => void;
  pageSizeOptions?: readonly number[];
  onPageSizeChange?: (pageSize: number) => void;
  /** What is being counted, plural ("items"). */
  noun?: string;
};

export function pageCountFor(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

function isPlainLeftClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

export function Pagination({ page, pageSize, total, hrefForPage, onNavigate, pageSizeOptions, onPageSizeChange, noun = "rows" }: PaginationProps) {
  const pageCount = pageCountFor(total, pageSize);
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  // From a page past the end (a stale link), "Previous" leads back to the last real page.
  const previousPage = Math.min(page - 1, pageCount);

  function pageLink(target: number, label: string, rel: "prev" | "next", enabled: boolean) {
    const accessibleName = `${label} page`;
    if (!enabled) {
      return (
        <span role="link" className={buttonClassName("secondary", "small")} aria-disabled="true" aria-label={accessibleName}>
          {label}
        </span>
      );
    }
    return (
      <a
        className={buttonClassName("secondary", "small")}
        href={hrefForPage(target)}
        rel={rel}
        aria-label={accessibleName}
        onClick={(event) => {
          if (!onNavigate || !isPlainLeftClick(event)) return;
          event.preventDefault();
          onNavigate(target);
        }}
      >
        {label}
      </a>
    );
  }

  return (
    <nav className={styles.pagination} aria-label="Pagination">
      <p className={styles.summary} aria-live="polite" data-testid="pagination-summary">
        {total === 0 ? (
          <>No {noun}</>
        ) : first > last ? (
          <>
            No {noun} on this page, <strong>{formatInteger(total)}</strong> in all
          </>
        ) : (
          <>
            Showing <strong>{formatInteger(first)}</strong>–<strong>{formatInteger(last)}</strong> of <strong>{formatInteger(total)}</strong> {noun}
          </>
        )}
      </p>
      <div className={styles.controls}>
        {pageSizeOptions && onPageSizeChange ? (
          <label className={styles.pageSize}>
            Rows per page
            <select className={styles.select} value={pageSize} onChange={(event) => onPageSizeChange(Number(event.target.value))}>
              {pageSizeOptions.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {pageLink(previousPage, "Previous", "prev", page > 1)}
        <span className={styles.position}>
          Page {formatInteger(page)} of {formatInteger(pageCount)}
        </span>
        {pageLink(page + 1, "Next", "next", page < pageCount)}
      </div>
    </nav>
  );
}
