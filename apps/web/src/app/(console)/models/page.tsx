import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { permissionsOf } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server.tsx";
import { ModelsView } from "./_components/models-view.tsx";

export const metadata: Metadata = { title: "Models" };

/**
 * The model registry: versions per serving slot with their offline metrics, promote / roll back,
 * what the engine serves, and external ONNX ranker registration. The version list is rendered on
 * the server; the engine's health is asked from the browser (it may be slow or down).
 */
export default async function ModelsPage() {
  const user = await requireCurrentUser();
  await getQueryClient().prefetchQuery(trpc.model.list.queryOptions());

  return (
    <>
      <PageHeader
        title="Models"
        description="Retrieval and ranking models in the registry: compare their offline metrics against the baselines, promote a candidate or roll back, and register rankers trained elsewhere. Times are UTC."
      />
      <HydrateClient>
        <ModelsView can={permissionsOf(user.role)} />
      </HydrateClient>
    </>
  );
}
