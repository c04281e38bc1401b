import { Card, Skeleton } from "@cascade/ui";
import styles from "./overview.module.css";

export function StatsSkeleton() {
  return (
    <div className={styles.stats} aria-busy="true" aria-label="Loading counts">
      {Array.from({ length: 5 }, (_, index) => (
        <Card key={index}>
          <div className={styles.skeletonBody}>
            <Skeleton width="50%" height={14} />
            <Skeleton width="70%" height={28} />
          </div>
        </Card>
      ))}
    </div>
  );
}

export function CardSkeleton({ title, height = 240 }: { title: string; height?: number }) {
  return (
    <Card title={title}>
      <div className={styles.skeletonBody} aria-busy="true" aria-label={`Loading ${title.toLowerCase()}`}>
        <Skeleton height={height} />
      </div>
    </Card>
  );
}
