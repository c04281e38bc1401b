// Optimistic gate in front of every console page: without a session cookie there is no point
// rendering anything, so the browser goes straight to /login (and comes back afterwards). It does
// not touch the database — whether the session is valid is decided by requireCurrentUser() in the
// console layout and by protectedProcedure in tRPC.
import { type NextRequest, NextResponse } from "next/server";
import { loginPath } from "@/server/auth/login-path.ts";
import { REQUEST_PATH_HEADER } from "@/server/auth/request-path-header.ts";
import { SESSION_COOKIE_NAME } from "@/server/auth/session-cookie.ts";

export function proxy(request: NextRequest) {
  const requestedPath = request.nextUrl.pathname + request.nextUrl.search;
  if (!request.cookies.has(SESSION_COOKIE_NAME)) {
    return NextResponse.redirect(new URL(loginPath(requestedPath), request.url));
  }
  const headers = new Headers(request.headers);
  headers.set(REQUEST_PATH_HEADER, requestedPath);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Everything except the login page, the API (tRPC answers 401 itself) and static assets.
  matcher: ["/((?!api/|_next/|login|favicon\\.ico|icon\\.svg).*)"],
};
