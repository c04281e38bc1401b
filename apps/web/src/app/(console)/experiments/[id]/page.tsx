import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import Link from "next/link";
import styles from "@/components/experiments/experiments.module.css";
import { permissionsOf } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server.tsx";
import { ExperimentDetail } from "./_components/experiment-detail.tsx";

export const metadata: Metadata = { title: "Experiment" };

type ExperimentPageProps = { params: Promise<{ id: string }> };

/** One experiment: its configuration, the lifecycle actions (by role), and its results. */
export default async function ExperimentPage({ params }: ExperimentPageProps) {
  const user = await requireCurrentUser();
  const { id } = await params;
  await getQueryClient().prefetchQuery(trpc.experiment.get.queryOptions({ id }));
  return (
    <>
      <PageHeader
        title="Experiment"
        description={
          <>
            <Link className={styles.link} href="/experiments">
              All experiments
            </Link>{" "}
            · Results count each unit&apos;s events from its first exposure in the current phase. Times are UTC.
          </>
        }
      />
      <HydrateClient>
        <ExperimentDetail id={id} can={permissionsOf(user.role)} />
      </HydrateClient>
    </>
  );
}
