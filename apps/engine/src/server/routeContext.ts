// What every route registrar receives from buildApp.
import type { EngineDeps } from "../engineDeps.ts";
import type { PopularityRanking } from "../sources/popularityRanking.ts";
import type { ApiKeyAuthenticator } from "./auth.ts";

export type RouteContext = {
  deps: EngineDeps;
  auth: ApiKeyAuthenticator;
  ranking: PopularityRanking;
  /** performance.now() when the app was built, for uptime. */
  startedAt: number;
};
