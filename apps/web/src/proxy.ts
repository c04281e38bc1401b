// Optimistic gate in front of every console page: without a session cookie there is no point
// rendering anything, so the browser goes straight to /login (and comes back afterwards). It does
// not touch the database — whether the session is valid is decided by requireCurrentUser() in the
// console layout and by protectedProcedure in tRPC.
import { type NextRequest, NextResponse } from "next/server";
import { loginPath } from "@/server/auth/login-path.ts";
import { REQUEST_PATH_HEADER } from "@/server/auth/request-path-header.ts";
import { SESSION_COOKIE_NAME } from "@/server/auth/session-cookie.ts";
import { consoleServedOverTls } from "./env.ts";
import { HSTS_HEADER } from "./lib/security-headers.ts";

export function proxy(request: NextRequest) {
  return withHsts(gate(request));
}

function gate(request: NextRequest): NextResponse {
  const { pathname } = request.nextUrl;
  // The login page and the API (tRPC answers 401 itself) need no cookie.
  if (pathname === "/login" || pathname.startsWith("/login/") || pathname.startsWith("/api/")) return NextResponse.next();
  const requestedPath = pathname + request.nextUrl.search;
  if (!request.cookies.has(SESSION_COOKIE_NAME)) {
    return NextResponse.redirect(new URL(loginPath(requestedPath), request.url));
  }
  const headers = new Headers(request.headers);
  headers.set(REQUEST_PATH_HEADER, requestedPath);
  return NextResponse.next({ request: { headers } });
}

/** HSTS only when the console is served over TLS (CONSOLE_TLS=true); the other headers come from next.config.ts. */
function withHsts(response: NextResponse): NextResponse {
  if (consoleServedOverTls()) response.headers.set(HSTS_HEADER.key, HSTS_HEADER.value);
  return response;
}

export const config = {
  // Pages, the login page and the API; not Next's static assets.
  matcher: ["/((?!_next/|favicon\\.ico|icon\\.svg).*)"],
};
