import { resolve } from "node:path";
import type { NextConfig } from "next";
import { securityHeaders } from "./src/lib/security-headers.ts";

// The monorepo root: dependencies are hoisted there, and the workspace packages live beside us.
const workspaceRoot = resolve(__dirname, "../..");

const nextConfig: NextConfig = {
  // Workspace packages publish TypeScript source (their exports point at src/*.ts), so Next
  // compiles them with the app. Turbopack does this for workspaces anyway; listing them keeps
  // `next build --webpack` working too.
  transpilePackages: ["@cascade/client", "@cascade/core", "@cascade/db", "@cascade/ui"],
  // Loaded with Node's require at run time instead of bundled: the Prisma runtime lazy-imports
  // its WebAssembly query compiler, and pg has optional native bindings. (Next already treats
  // @prisma/client and pg this way; the adapter is listed so the three stay together.)
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg"],
  turbopack: { root: workspaceRoot },
  outputFileTracingRoot: workspaceRoot,
  // `next dev` serves only its own origin by default; people and tests open 127.0.0.1 too.
  allowedDevOrigins: ["127.0.0.1", "localhost"],
  // The dev-tools badge defaults to bottom-left, on top of the signed-in user card.
  devIndicators: { position: "bottom-right" },
  poweredByHeader: false,
  // CSP (frame-ancestors 'none'), X-Frame-Options, nosniff, Referrer- and Permissions-Policy on
  // every response; HSTS is added at run time by the proxy when CONSOLE_TLS is set.
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders(process.env.NODE_ENV === "development") }];
  },
  reactStrictMode: true,
};

export default nextConfig;
