// The engine's HTTP app over an engine the composition root built (composition/engine.ts): it only
// registers routes, error handling and request ids. Built without listening: boot calls `listen`,
// tests call `app.inject`; buildEngineApp readies it and ties the engine's lifecycle to it.
import { randomUUID } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { answerClientError, registerErrorHandling, sendFrameworkError, toErrorResponse, HttpError } from "./errors.ts";
import { FunnelAdmission, FunnelOverloadedError } from "./funnelAdmission.ts";
import { registerMetricsRoutes } from "./metrics/metricsRoutes.ts";
import { registerOpenApiRoutes } from "./openapi/openApiRoutes.ts";
import type { RouteContext } from "./routeContext.ts";
import { DEFAULT_BOOT_WAIT_MS } from "../serving/servingStack.ts";
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

/**
 * Sent with every response. A JSON API needs no full helmet: no sniffing a JSON body into something
 * else, never framed, nothing cached by shared caches or leaked through the referrer. Fastify sends
 * no X-Powered-By.
 */
const SECURITY_HEADERS: [string, string][] = [
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
  ["referrer-policy", "no-referrer"],
  ["cache-control", "no-store"],
];

/** A caller's request id is kept (for tracing across services) only if it is short and plain. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * What the engine's start may take past its boot wait (the warm-up funnels, the rule set's and the
 * experiments' first reads). The engine starts in an onReady hook (composition/engine.ts), which
 * Fastify bounds by `pluginTimeout` (10 s by default): a start over a 1M-item catalogue (the boot
 * wait for the first catalogue chunk and the lists, then 100 warm-up funnels) passed 10 s on a
 * slow moment and failed with AVV_ERR_READY_TIMEOUT. A start that hangs still fails, later.
 */
export const START_PAST_BOOT_WAIT_MS = 120_000;

/** Fastify's bound on the app's plugins and ready hooks: the engine's boot wait plus the rest of its start. */
export function pluginTimeoutMs(bootWaitMs: number | undefined): number {
  return (bootWaitMs ?? DEFAULT_BOOT_WAIT_MS) + START_PAST_BOOT_WAIT_MS;
}

export async function buildApp(context: RouteContext): Promise<FastifyInstance> {
  const { deps } = context;
  const app = Fastify({
    // Typed as Fastify's base logger so the app is a plain FastifyInstance for route modules.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    pluginTimeout: pluginTimeoutMs(deps.serving?.bootWaitMs),
    // One log line per request (written in onResponse below), not Fastify's "incoming request" +
    // "request completed" pair (through the log controller: the top-level option is deprecated, FSTDEP023).
    logController: new LogController({ disableRequestLogging: true }),
    // Errors Fastify raises before routing, and requests Node's HTTP parser refuses, answer in the
    // documented error shape too (server/errors.ts).
    frameworkErrors: (error, request, reply) => {
      for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
      sendFrameworkError(error, request, reply);
    },
    clientErrorHandler: answerClientError,
    // Fastify's own 503 while closing has its own body; the onRequest hook below answers instead.
    return503OnClosing: false,
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  // JSON only: without this, Fastify would hand text/plain bodies to the routes as strings.
  app.removeContentTypeParser("text/plain");
  registerErrorHandling(app);
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
    if (closing) {
      reply.header("connection", "close");
      const response = toErrorResponse(new HttpError(503, "shutting_down", "this engine is shutting down; retry on another replica"));
      return reply.status(response.statusCode).send(response.body);
    }
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        req: { method: request.method, url: request.url.slice(0, 500) },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      "request completed",
    );
  });
  app.decorateRequest("apiKey", null);
  if (deps.rateLimit) await registerRateLimit(app, deps.rateLimit);
  // API key changes (revocations) reach the key cache by LISTEN, on the connection URL the serving stack listens with.
  const changesUrl = deps.serving?.databaseUrl;
  if (changesUrl) app.addHook("onReady", async () => context.auth.followChanges(changesUrl));

  registerFunnelAdmission(app, context);
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

/** The routes whose handlers run the funnel (by declared operationId), gated by admission control. */
const FUNNEL_OPERATIONS = new Set(["recommend", "rerank"]);

/**
 * Load shedding (server/funnelAdmission.ts): the handlers of the funnel routes run under the gate
 * (registered before the routes: it wraps their handlers as they are declared). A slot is held until
 * the handler finishes; a request the gate turns away is answered 503 `overloaded` with Retry-After
 * (server/errors.ts) without running anything, and counted in `cascade_requests_shed_total`. Later
 * pages (a `cursor`) read a stored session and pass ungated; /v1/health, events and the rest never
 * meet the gate. Omitted in the deps → no gate.
 */
function registerFunnelAdmission(app: FastifyInstance, context: RouteContext): void {
  const options = context.deps.funnelAdmission;
  if (!options || options.maxInFlight <= 0) return;
  const admission = new FunnelAdmission(options);
  app.addHook("onClose", async () => admission.close());
  app.addHook("onRoute", (route) => {
    const operationId = route.config?.declaration?.operationId;
    if (!operationId || !FUNNEL_OPERATIONS.has(operationId)) return;
    const handler = route.handler;
    const url = route.url;
    route.handler = async function admitted(request, reply) {
      const body = request.body as { cursor?: unknown } | null | undefined;
      if (typeof body === "object" && body !== null && typeof body.cursor === "string") return handler.call(this, request, reply);
      let release: () => void;
      try {
        release = await admission.acquire();
      } catch (error) {
        if (error instanceof FunnelOverloadedError) context.metrics.countShedRequest({ route: url, reason: error.reason });
        throw error;
      }
      try {
        return await handler.call(this, request, reply);
      } finally {
        release();
      }
    };
  });
}

/**
 * Per-key rate limit (@fastify/rate-limit, in this process's memory): counted after authentication
 * (preParsing runs after the routes' onRequest auth hooks, before the body is read), per verified
 * API key; requests without one (health, metrics, OpenAPI) count per client IP. Over the limit → 429
 * `rate_limited` with Retry-After (seconds) in the documented error shape.
 */
async function registerRateLimit(app: FastifyInstance, { max, windowMs }: { max: number; windowMs: number }): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: "preParsing",
    max,
    timeWindow: windowMs,
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.keyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (request, context) =>
      new HttpError(
        429,
        "rate_limited",
        `more than ${context.max} requests in ${windowMs / 1000} s ${request.apiKey ? "for this API key" : "from this address"}; retry after ${context.after}`,
      ),
  });
}
