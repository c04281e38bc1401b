import { PageHeader, Skeleton } from "@cascade/ui";
import styles from "./_components/items.module.css";

export default function ItemsLoading() {
  return (
    <>
      <PageHeader title="Items" description="Loading the catalogue…" />
      <section className={styles.panel} aria-busy="true" aria-label="Loading items">
        <div className={styles.loadingBar}>
          <Skeleton height={36} />
        </div>
        <div className={styles.skeletonRows}>
          {Array.from({ length: 10 }, (_, index) => (
            <Skeleton key={index} height={18} />
          ))}
        </div>
      </section>
    </>
  );
}
