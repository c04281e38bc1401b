import { Skeleton } from "@cascade/ui";

/** Shown during navigation between console pages until the next page's first bytes arrive. */
export default function ConsoleLoading() {
  return (
    <div aria-busy="true" aria-label="Loading page" style={{ display: "grid", gap: 24 }}>
      <div style={{ display: "grid", gap: 8 }}>
        <Skeleton width={220} height={30} />
        <Skeleton width={420} height={16} />
      </div>
      <Skeleton height={120} />
      <Skeleton height={320} />
    </div>
  );
}
