import { PageHeader, Skeleton } from "@cascade/ui";
import styles from "./_components/models.module.css";

export default function ModelsLoading() {
  return (
    <>
      <PageHeader title="Models" description="Loading the model registry…" />
      <div className={styles.sections} aria-busy="true" aria-label="Loading models">
        <Skeleton height={120} />
        <Skeleton height={260} />
        <Skeleton height={200} />
      </div>
    </>
  );
}
