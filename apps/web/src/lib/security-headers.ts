// Security headers on every console response. Next.js inlines its bootstrap scripts (the RSC
// payload, `self.__next_f.push(...)`) and styles, so scripts and styles need 'unsafe-inline';
// 'unsafe-eval' (React's dev tooling, fast refresh) and websocket connections (HMR) only in
// development. Nothing is loaded from other origins, and no page may be framed.
//
// Used by next.config.ts (fixed at build time, for every route and static file) and by the proxy
// (HSTS, decided at run time from CONSOLE_TLS: a console served over plain HTTP must not send it).

export function contentSecurityPolicy(development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${development ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(development: boolean): { key: string; value: string }[] {
  return [
    { key: "Content-Security-Policy", value: contentSecurityPolicy(development) },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()" },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  ];
}

/** Sent only when the console is reached over TLS (CONSOLE_TLS=true): two years, subdomains included. */
export const HSTS_HEADER = { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" } as const;
