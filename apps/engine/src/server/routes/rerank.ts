// POST /v1/rerank (scope `recommend`; `debug: true` needs `admin`): client-supplied candidates
// through the surface's filters, features, ranker, rules and exploration — the same funnel as
// /v1/recommendations with the sources replaced by the supplied list. Only supplied items come
// back; dropped ones are listed in `removed` with the reason (unknown item, seen, blocked, …).
// If hydration fails outright, the candidates come back in the client's order with
// `degraded: true` (never a 5xx for a dependency failure).
import { rerankRequest } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import type { RecommendationService } from "../../serving/recommendationService.ts";
import { hasScope } from "../auth.ts";
import { forbidden } from "../errors.ts";
import { parseRequestBody } from "../requestBody.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerRerankRoutes(app: FastifyInstance, context: RouteContext, service: RecommendationService): void {
  app.post("/v1/rerank", { onRequest: context.auth.requireScope("recommend") }, async (request) => {
    const body = parseRequestBody(rerankRequest, request.body);
    if (body.debug && !(request.apiKey && hasScope(request.apiKey, "admin"))) {
      throw forbidden('debug traces need an API key with the "admin" scope');
    }
    return service.rerank(body);
  });
}
