import type { ReactNode } from "react";
import styles from "./PageHeader.module.css";

export type PageHeaderProps = {
  title: string;
  description?: ReactNode;
  /** Right-aligned: a data window, a primary action. */
  aside?: ReactNode;
};

/** The page's h1 and one sentence on what the page is for. */
export function PageHeader({ title, description, aside }: PageHeaderProps) {
  return (
    <header className={styles.header}>
      <div>
        <h1 className={styles.title}>{title}</h1>
        {description ? <p className={styles.description}>{description}</p> : null}
      </div>
      {aside ? <div className={styles.meta}>{aside}</div> : null}
    </header>
  );
}
