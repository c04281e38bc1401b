import { EmptyState, PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { ExperimentWizard } from "@/components/experiments/experiment-wizard.tsx";
import { can, rolesSentence } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getServerCaller } from "@/trpc/server.tsx";

export const metadata: Metadata = { title: "New experiment" };

/** The create wizard (data scientists and admins; the procedure checks the role again). */
export default async function NewExperimentPage() {
  const user = await requireCurrentUser();
  const header = <PageHeader title="New experiment" description="A draft: nothing is served until it is started." />;
  if (!can(user.role, "experiment.edit"))
    return (
      <>
        {header}
        <EmptyState title="Not available for your role" description={`Creating experiments needs ${rolesSentence("experiment.edit")}.`} />
      </>
    );
  const { surfaces } = await (await getServerCaller()).ruleSet.list();
  return (
    <>
      {header}
      <ExperimentWizard surfaces={surfaces.map((surface) => ({ id: surface.id, name: surface.name }))} />
    </>
  );
}
