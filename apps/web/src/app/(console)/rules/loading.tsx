import { PageHeader, Skeleton } from "@cascade/ui";

export default function RulesLoading() {
  return (
    <>
      <PageHeader title="Rules" description="Loading rule sets…" />
      <div aria-busy="true" aria-label="Loading rules" style={{ display: "flex", flexDirection: "column", gap: "var(--cx-space-6)" }}>
        <Skeleton height={48} />
        <Skeleton height={320} />
        <Skeleton height={240} />
      </div>
    </>
  );
}
