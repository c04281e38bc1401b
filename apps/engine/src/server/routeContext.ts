// What every route registrar receives: the engine built by the composition root (composition/engine.ts).
import type { RecommendationService } from "../serving/recommendationService.ts";
import type { PopularityRanking } from "../sources/popularityRanking.ts";
import type { EngineMetrics } from "../telemetry/engineMetrics.ts";
import type { ApiKeyAuthenticator } from "./auth.ts";
import type { EngineDeps } from "./engineDeps.ts";

export type RouteContext = {
  deps: EngineDeps;
  auth: ApiKeyAuthenticator;
  ranking: PopularityRanking;
  metrics: EngineMetrics;
  /** Recommendations, reranking and feed previews over the serving stack. */
  recommendations: RecommendationService;
  /** performance.now() when the engine was built, for uptime. */
  startedAt: number;
};
