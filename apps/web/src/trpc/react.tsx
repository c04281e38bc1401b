"use client";
// Browser side of tRPC: a React Query client plus the typed `useTRPC()` hook.
//   const trpc = useTRPC();
//   const items = useQuery(trpc.item.list.queryOptions(query));
import type { QueryClient } from "@tanstack/react-query";
import { QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchStreamLink, loggerLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root.ts";
import { makeQueryClient } from "./query-client.ts";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * A signed-out or expired session sends the browser to the login page, then back here. A full
 * page load rather than a router push: it runs outside React, and it drops every cached query
 * of the old session.
 */
function goToLogin() {
  const here = window.location.pathname + window.location.search;
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- see above
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  // On the server every request gets a fresh client (no data shared between users); in the
  // browser one client lives for the whole session so the cache survives navigations.
  if (typeof window === "undefined") return makeQueryClient();
  browserQueryClient ??= makeQueryClient({ onUnauthorized: goToLogin });
  return browserQueryClient;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        // Failed calls are logged in the browser console, where engineers look first.
        loggerLink({ enabled: (op) => op.direction === "down" && op.result instanceof Error }),
        httpBatchStreamLink({ url: "/api/trpc", transformer: superjson }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
