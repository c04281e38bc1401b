// Where to send someone who must sign in, and where to send them back afterwards. The return
// path comes from the URL, so it is only accepted when it stays on this site.

/**
 * A same-site path ("/items?page=2"), or "/" for anything else: absolute and protocol-relative
 * URLs (open redirects) and the login page itself (a loop).
 */
export function safeReturnPath(candidate: string | null | undefined): string {
  if (!candidate || !candidate.startsWith("/") || candidate.startsWith("//") || candidate.startsWith("/\\")) {
    return "/";
  }
  if (candidate === "/login" || candidate.startsWith("/login?") || candidate.startsWith("/login/")) return "/";
  return candidate;
}

export function loginPath(returnTo: string | null | undefined): string {
  const target = safeReturnPath(returnTo);
  return target === "/" ? "/login" : `/login?next=${encodeURIComponent(target)}`;
}
