// Server side of tRPC for server components: the same procedures, called in-process with the
// signed-in user's context (no HTTP round trip).
//   const overview = await (await getServerCaller()).overview.get();        // plain call
//   await getQueryClient().prefetchQuery(trpc.item.list.queryOptions(q));   // then <HydrateClient>
import "server-only";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { ReactNode } from "react";
import { cache } from "react";
import { type AppRouter, appRouter, createCaller } from "@/server/api/root.ts";
import type { TRPCContext } from "@/server/api/trpc.ts";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { getDb } from "@/server/db.ts";
import { makeQueryClient } from "./query-client.ts";

/** Per request: reuses the session lookup the layout already made. */
const createServerContext = cache(async (): Promise<TRPCContext> => ({ db: getDb(), user: await getCurrentUser() }));

/** One query client per request, so prefetched data is dehydrated into that request's page only. */
export const getQueryClient = cache(makeQueryClient);

export const trpc = createTRPCOptionsProxy<AppRouter>({
  router: appRouter,
  ctx: createServerContext,
  queryClient: getQueryClient,
});

export async function getServerCaller() {
  return createCaller(await createServerContext());
}

/** Hands everything prefetched during this request to the browser's React Query cache. */
export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
