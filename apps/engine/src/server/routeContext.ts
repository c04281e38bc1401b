// What every route registrar receives from buildApp.
import type { EngineDeps } from "../engineDeps.ts";
import type { PopularityRanking } from "../recommend/popularityRanking.ts";
import type { PopularityRecommender } from "../recommend/popularityRecommender.ts";
import type { ApiKeyAuthenticator } from "./auth.ts";

export type RouteContext = {
  deps: EngineDeps;
  auth: ApiKeyAuthenticator;
  ranking: PopularityRanking;
  recommender: PopularityRecommender;
  /** performance.now() when the app was built, for uptime. */
  startedAt: number;
};
