// The engine's HTTP app over an engine the composition root built (composition/engine.ts): it only
// registers routes, error handling and request ids. Built without listening: boot calls `listen`,
// tests call `app.inject`; buildEngineApp readies it and ties the engine's lifecycle to it.
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { registerErrorHandling } from "./errors.ts";
import { registerMetricsRoutes } from "./metrics/metricsRoutes.ts";
import { registerOpenApiRoutes } from "./openapi/openApiRoutes.ts";
import type { RouteContext } from "./routeContext.ts";
import { registerAdminExperimentResultsRoutes } from "./routes/adminExperimentResults.ts";
import { registerAdminExperimentRoutes } from "./routes/adminExperiments.ts";
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

export async function buildApp(context: RouteContext): Promise<FastifyInstance> {
  const { deps } = context;
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

  // First: both add app-wide hooks that must see every route registered after them.
  registerOpenApiRoutes(app, { version: deps.info.version });
  registerMetricsRoutes(app, context.metrics, { servingModels: () => deps.activeModels?.status() ?? null });
  registerHealthRoutes(app, context);
  registerItemRoutes(app, context);
  registerUserRoutes(app, context);
  registerFollowRoutes(app, context);
  registerEventRoutes(app, context);
  registerRecommendationRoutes(app, context);
  registerRerankRoutes(app, context, context.recommendations);
  registerFeedPreviewRoutes(app, context, context.recommendations);
  registerAdminModelRoutes(app, context);
  registerAdminExperimentRoutes(app, context);
  registerAdminExperimentResultsRoutes(app, context);

  return app;
}
