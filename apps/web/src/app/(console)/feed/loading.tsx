import { PageHeader, Skeleton } from "@cascade/ui";

export default function FeedDebuggerLoading() {
  return (
    <>
      <PageHeader title="Feed debugger" description="Loading…" />
      <Skeleton height={80} />
    </>
  );
}
