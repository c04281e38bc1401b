import { PageHeader, Skeleton } from "@cascade/ui";
import styles from "./_components/features.module.css";

export default function FeaturesLoading() {
  return (
    <>
      <PageHeader title="Features" description="Loading the feature registry…" />
      <div className={styles.sections} aria-busy="true" aria-label="Loading features">
        <div className={styles.stats}>
          {Array.from({ length: 4 }, (_, index) => (
            <Skeleton key={index} height={104} />
          ))}
        </div>
        <Skeleton height={420} />
        <Skeleton height={240} />
      </div>
    </>
  );
}
