// The engine's HTTP app, built without listening: `main`/`start` call `listen`, tests call
// `app.inject`. The app owns its routes, auth cache and (unless one is injected) the popularity
// ranking's refresh timer; the database and online store belong to the caller, who closes them
// after `app.close()`.
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { EngineDeps } from "../engineDeps.ts";
import { PopularityRanking } from "../sources/popularityRanking.ts";
import { ApiKeyAuthenticator } from "./auth.ts";
import { registerErrorHandling } from "./errors.ts";
import { engineMetricsFor } from "../telemetry/engineMetricsFor.ts";
import { registerMetricsRoutes } from "./metrics/metricsRoutes.ts";
import { registerOpenApiRoutes } from "./openapi/openApiRoutes.ts";
import type { RouteContext } from "./routeContext.ts";
import { registerAdminModelRoutes } from "./routes/adminModels.ts";
import { registerEventRoutes } from "./routes/events.ts";
import { registerFollowRoutes } from "./routes/follows.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerItemRoutes } from "./routes/items.ts";
import { registerRecommendationRoutes } from "./routes/recommendations.ts";
import { registerRerankRoutes } from "./routes/rerank.ts";
import { registerFeedPreviewRoutes } from "./routes/feedPreview.ts";
import { registerUserRoutes } from "./routes/users.ts";

/** A caller's request id is kept (for tracing across services) only if it is short and plain. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export async function buildApp(deps: EngineDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Typed as Fastify's base logger so the app is a plain FastifyInstance for route modules.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  // JSON only: without this, Fastify would hand text/plain bodies to the routes as strings.
  app.removeContentTypeParser("text/plain");
  registerErrorHandling(app);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.decorateRequest("apiKey", null);

  const auth = new ApiKeyAuthenticator(deps.db, deps.logger);
  const ownsRanking = deps.popularityRanking === undefined;
  const ranking = deps.popularityRanking ?? new PopularityRanking(deps.db, deps.logger, deps.clock ? { clock: deps.clock } : {});
  const context: RouteContext = {
    deps,
    auth,
    ranking,
    startedAt: performance.now(),
  };

  // First: both add app-wide hooks that must see every route registered after them.
  registerOpenApiRoutes(app, { version: deps.info.version });
  registerMetricsRoutes(app, engineMetricsFor(deps), { servingModels: () => deps.activeModels?.status() ?? null });
  registerHealthRoutes(app, context);
  registerItemRoutes(app, context);
  registerUserRoutes(app, context);
  registerFollowRoutes(app, context);
  registerEventRoutes(app, context);
  const serving = registerRecommendationRoutes(app, context);
  registerRerankRoutes(app, context, serving);
  registerFeedPreviewRoutes(app, context, serving);
  registerAdminModelRoutes(app, context);

  app.addHook("onClose", async () => {
    if (ownsRanking) await ranking.stop();
    await auth.close();
  });
  if (ownsRanking) ranking.start();
  await app.ready();
  return app;
}
