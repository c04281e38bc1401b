"use client";
// The Rules page body: surface tabs (in the URL) and the selected surface's editor.
import { EmptyState, SegmentedControl } from "@cascade/ui";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { RuleSetEditor } from "./rule-set-editor.tsx";
import { SectionErrorBoundary } from "@/components/section-error-boundary.tsx";
import { useTRPC } from "@/trpc/react.tsx";

export function RulesView({ surfaceId, canEdit }: { surfaceId: string | null; canEdit: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const list = useQuery(trpc.ruleSet.list.queryOptions());
  const surfaces = list.data?.surfaces ?? [];
  if (!surfaceId) return <EmptyState title="No surfaces yet" description="Surfaces are created by `cascade seed --demo` or the engine's admin API." />;
  const hrefFor = (id: string) => `/rules?surface=${encodeURIComponent(id)}`;
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: "var(--cx-space-6)" }}>
      <SegmentedControl
        label="Surface"
        options={surfaces.map((surface) => ({ value: surface.id, label: surface.name }))}
        value={surfaceId}
        hrefFor={hrefFor}
        onChange={(id) => router.push(hrefFor(id))}
        data-testid="surface-picker"
      />
      <SectionErrorBoundary title="Rules editor">
        <RuleSetEditor key={surfaceId} surfaceId={surfaceId} canEdit={canEdit} />
      </SectionErrorBoundary>
    </div>
  );
}
