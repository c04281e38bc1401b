import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { parseFeatureListQuery } from "@/lib/feature-list-query.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server.tsx";
import { FeaturesView } from "./_components/features-view.tsx";
import { LATEST_SKEW_REPORT_INPUT } from "@/lib/skew-report-input.ts";

export const metadata: Metadata = { title: "Features" };

type FeaturesPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * The feature registry with freshness and coverage, and the latest train/serve skew report.
 * Rendered on the server for the URL's filters (prefetched into React Query); filter changes are
 * fetched in the browser.
 */
export default async function FeaturesPage({ searchParams }: FeaturesPageProps) {
  await requireCurrentUser();
  const params = await searchParams;
  const query = parseFeatureListQuery((name) => {
    const value = params[name];
    return Array.isArray(value) ? value[0] : value;
  });
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.feature.list.queryOptions(query)),
    queryClient.prefetchQuery(trpc.feature.skewReport.queryOptions(LATEST_SKEW_REPORT_INPUT)),
  ]);

  return (
    <>
      <PageHeader
        title="Features"
        description="Every feature the engine computes, from one definition for serving and training: how fresh each is online, how many entities have a value, and whether served values match their offline recomputation. Times are UTC."
      />
      <HydrateClient>
        <FeaturesView />
      </HydrateClient>
    </>
  );
}
