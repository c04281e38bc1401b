import { EmptyState, ErrorState, PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { ExperimentWizard } from "@/components/experiments/experiment-wizard.tsx";
import { can, rolesSentence } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getServerCaller } from "@/trpc/server.tsx";

export const metadata: Metadata = { title: "Edit experiment" };

type EditPageProps = { params: Promise<{ id: string }> };

/** Edit a draft, or a running experiment (biasing changes need a new phase); stopped ones are history. */
export default async function EditExperimentPage({ params }: EditPageProps) {
  const user = await requireCurrentUser();
  const { id } = await params;
  const header = (
    <PageHeader
      title="Edit experiment"
      description="Drafts change freely; a running experiment refuses changes that would bias it unless they start a new phase."
    />
  );
  if (!can(user.role, "experiment.edit"))
    return (
      <>
        {header}
        <EmptyState title="Not available for your role" description={`Editing experiments needs ${rolesSentence("experiment.edit")}.`} />
      </>
    );
  const caller = await getServerCaller();
  const [answer, { surfaces }] = await Promise.all([caller.experiment.get({ id }), caller.ruleSet.list()]);
  if (!answer.ok)
    return (
      <>
        {header}
        <ErrorState title="The experiment could not be loaded" message={answer.message} />
      </>
    );
  if (answer.experiment.status === "stopped")
    return (
      <>
        {header}
        <EmptyState title="This experiment is stopped" description="A stopped experiment is kept as it ran; create a new one to test again." />
      </>
    );
  return (
    <>
      {header}
      <ExperimentWizard surfaces={surfaces.map((surface) => ({ id: surface.id, name: surface.name }))} experiment={answer.experiment} />
    </>
  );
}
