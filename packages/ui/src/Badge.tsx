import type { HTMLAttributes, ReactNode } from "react";
import styles from "./Badge.module.css";

export type BadgeTone = "neutral" | "accent" | "success" | "danger" | "warning";

export type BadgeProps = HTMLAttributes<HTMLSpanElement> & {
  tone?: BadgeTone;
  /** Leading status dot, for states (available, running) rather than labels (tags). */
  dot?: boolean;
  children: ReactNode;
};

export function Badge({ tone = "neutral", dot = false, className, children, ...rest }: BadgeProps) {
  const classes = [styles.badge, styles[tone], dot ? styles.dot : undefined, className].filter(Boolean).join(" ");
  return (
    <span className={classes} {...rest}>
      {children}
    </span>
  );
}
