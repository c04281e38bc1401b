// tRPC over HTTP for the browser (React Query). Server components call procedures directly
// through src/trpc/server.tsx instead.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { NextRequest } from "next/server";
import { appRouter } from "@/server/api/root.ts";
import { createTRPCContext } from "@/server/api/trpc.ts";
import { SESSION_COOKIE_NAME } from "@/server/auth/session-cookie.ts";
import { getDb } from "@/server/db.ts";

function handler(request: NextRequest) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: () => createTRPCContext({ db: getDb(), sessionToken: request.cookies.get(SESSION_COOKIE_NAME)?.value }),
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        console.error(`tRPC ${path ?? "<no path>"} failed:`, error.cause ?? error);
      }
    },
  });
}

export { handler as GET, handler as POST };
