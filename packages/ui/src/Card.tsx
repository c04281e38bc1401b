import type { ReactNode } from "react";
import styles from "./Card.module.css";

export type CardProps = {
  title?: ReactNode;
  description?: ReactNode;
  /** Controls shown at the right of the header (filters, links). */
  actions?: ReactNode;
  /** Drop the body padding, for tables that run edge to edge. */
  flush?: boolean;
  className?: string;
  children: ReactNode;
  "aria-labelledby"?: string;
  "data-testid"?: string;
};

/** A titled panel: the unit every console page is made of. */
export function Card({ title, description, actions, flush = false, className, children, ...rest }: CardProps) {
  return (
    <section className={[styles.card, className].filter(Boolean).join(" ")} aria-label={typeof title === "string" ? title : undefined} {...rest}>
      {title || actions ? (
        <header className={styles.header}>
          <div>
            {title ? <h2 className={styles.title}>{title}</h2> : null}
            {description ? <p className={styles.description}>{description}</p> : null}
          </div>
          {actions}
        </header>
      ) : null}
      <div className={flush ? styles.flush : styles.body}>{children}</div>
    </section>
  );
}
