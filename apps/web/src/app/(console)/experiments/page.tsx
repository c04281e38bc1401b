import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { experimentListInput, parseExperimentListFilter } from "@/lib/experiments/list-filter.ts";
import { can } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getQueryClient, getServerCaller, HydrateClient, trpc } from "@/trpc/server.tsx";
import { ExperimentsList } from "./_components/experiments-list.tsx";

export const metadata: Metadata = { title: "Experiments" };

type ExperimentsPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** A/B experiments: the list (?status=&surface=), with a link to create one for data scientists and admins. */
export default async function ExperimentsPage({ searchParams }: ExperimentsPageProps) {
  const user = await requireCurrentUser();
  const { surfaces } = await (await getServerCaller()).ruleSet.list();
  const filter = parseExperimentListFilter(
    await searchParams,
    surfaces.map((surface) => surface.id),
  );
  await getQueryClient().prefetchQuery(trpc.experiment.list.queryOptions(experimentListInput(filter)));
  return (
    <>
      <PageHeader
        title="Experiments"
        description="A/B tests of surface configurations: each variant overrides the surface's published config. Create, start and ship them; read lifts with confidence intervals. Times are UTC."
      />
      <HydrateClient>
        <ExperimentsList
          filter={filter}
          surfaces={surfaces.map((surface) => ({ id: surface.id, name: surface.name }))}
          canEdit={can(user.role, "experiment.edit")}
        />
      </HydrateClient>
    </>
  );
}
