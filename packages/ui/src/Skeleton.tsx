import styles from "./Skeleton.module.css";

export type SkeletonProps = {
  width?: number | string;
  height?: number | string;
  className?: string;
};

/** A grey placeholder block shown while the real content loads; hidden from screen readers. */
export function Skeleton({ width = "100%", height = 16, className }: SkeletonProps) {
  return <span aria-hidden="true" className={[styles.skeleton, className].filter(Boolean).join(" ")} style={{ width, height }} />;
}
