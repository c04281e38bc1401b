// One React Query configuration for the browser and for server-side prefetching, so that data
// dehydrated on the server (with Dates, via superjson) hydrates identically in the browser.
import { QueryCache, QueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import superjson from "superjson";

/** Errors that retrying cannot fix: the request itself was refused. */
const CLIENT_ERROR_CODES = new Set(["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "PARSE_ERROR"]);

export function trpcErrorCode(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (typeof data === "object" && data !== null && "code" in data && typeof data.code === "string") {
    return data.code;
  }
  return undefined;
}

export function makeQueryClient(options: { onUnauthorized?: () => void } = {}): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError(error) {
        if (trpcErrorCode(error) === "UNAUTHORIZED") options.onUnauthorized?.();
      },
    }),
    defaultOptions: {
      queries: {
        // Console data changes slowly relative to a person reading it; avoid refetch storms.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => !CLIENT_ERROR_CODES.has(trpcErrorCode(error) ?? "") && failureCount < 2,
      },
      dehydrate: { serializeData: superjson.serialize },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
