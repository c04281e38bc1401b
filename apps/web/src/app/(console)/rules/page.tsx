import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { can } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server.tsx";
import { RulesView } from "./_components/rules-view.tsx";

export const metadata: Metadata = { title: "Rules" };

type RulesPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Per-surface rule sets: the editor, publish, version history with diffs and roll back. */
export default async function RulesPage({ searchParams }: RulesPageProps) {
  const user = await requireCurrentUser();
  const params = await searchParams;
  const requested = Array.isArray(params.surface) ? params.surface[0] : params.surface;
  const queryClient = getQueryClient();
  const list = await queryClient.fetchQuery(trpc.ruleSet.list.queryOptions());
  const surfaceId = list.surfaces.find((surface) => surface.id === requested)?.id ?? list.surfaces[0]?.id ?? null;
  if (surfaceId) await queryClient.prefetchQuery(trpc.ruleSet.editorState.queryOptions({ surfaceId }));

  return (
    <>
      <PageHeader
        title="Rules"
        description="What each surface serves: sources and quotas, filters, blend weights, business rules and exploration. Changes are checked as you type; publishing creates a new version that engines load within seconds."
      />
      <HydrateClient>
        <RulesView surfaceId={surfaceId} canEdit={can(user.role, "ruleSet.edit")} />
      </HydrateClient>
    </>
  );
}
