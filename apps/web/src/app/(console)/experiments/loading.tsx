import { PageHeader, Skeleton } from "@cascade/ui";

export default function ExperimentsLoading() {
  return (
    <>
      <PageHeader title="Experiments" description="Loading experiments…" />
      <div aria-busy="true" aria-label="Loading experiments">
        <Skeleton height={320} />
      </div>
    </>
  );
}
