import type { ReactNode } from "react";
import { Button } from "./Button.tsx";
import styles from "./EmptyState.module.css";

export type ErrorStateProps = {
  title?: string;
  /** What went wrong, in words the user can act on; technical detail goes to the logs. */
  message?: ReactNode;
  onRetry?: () => void;
  retryLabel?: string;
};

/** Shown in place of content whose query failed, with a way to try again. */
export function ErrorState({ title = "Something went wrong", message = "The data could not be loaded.", onRetry, retryLabel = "Try again" }: ErrorStateProps) {
  return (
    <div className={`${styles.empty} ${styles.error}`} role="alert">
      <span className={styles.icon} aria-hidden="true">
        <svg width="20" height="20" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8">
          <path d="M10 6v5" strokeLinecap="round" />
          <circle cx="10" cy="14" r="0.6" fill="currentColor" />
          <circle cx="10" cy="10" r="7.5" />
        </svg>
      </span>
      <p className={styles.title}>{title}</p>
      <p className={styles.description}>{message}</p>
      {onRetry ? (
        <div className={styles.actions}>
          <Button onClick={onRetry}>{retryLabel}</Button>
        </div>
      ) : null}
    </div>
  );
}
