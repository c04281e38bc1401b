import type { Metadata } from "next";
import { parseEventsQuery } from "@/lib/event-range.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server.tsx";
import { EventsView } from "./_components/events-view.tsx";
import { eventsQueryInputs } from "@/lib/events-query-inputs.ts";

export const metadata: Metadata = { title: "Events" };

type EventsPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * Ingestion at a glance for the URL's time range: events received over time and by type, and the
 * dead letters with their reasons. Prefetched on the server; range changes fetch in the browser.
 */
export default async function EventsPage({ searchParams }: EventsPageProps) {
  await requireCurrentUser();
  const params = await searchParams;
  const query = parseEventsQuery((name) => {
    const value = params[name];
    return Array.isArray(value) ? value[0] : value;
  });
  const inputs = eventsQueryInputs(query);
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.event.ingestRate.queryOptions(inputs.ingestRate)),
    queryClient.prefetchQuery(trpc.event.rejectionReasons.queryOptions(inputs.rejectionReasons)),
    queryClient.prefetchQuery(trpc.event.listRejected.queryOptions(inputs.rejectedEvents)),
  ]);

  return (
    <HydrateClient>
      <EventsView />
    </HydrateClient>
  );
}
