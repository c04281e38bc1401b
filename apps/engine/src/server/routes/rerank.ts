// POST /v1/rerank (scope `recommend`; `debug: true` needs `admin`): client-supplied candidates
// through the surface's filters, features, ranker, rules and exploration — the same funnel as
// /v1/recommendations with the sources replaced by the supplied list. Only supplied items come
// back; dropped ones are listed in `removed` with the reason (unknown item, seen, blocked, …).
// If hydration fails outright, the candidates come back in the client's order with
// `degraded: true` (never a 5xx for a dependency failure). An unknown surface → 404 naming `surface`
// (knownSurfaces.ts).
import { rerankRequest, rerankResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import type { RecommendationService } from "../../serving/recommendationService.ts";
import { hasScope } from "../auth.ts";
import { forbidden } from "../errors.ts";
import { parseInput } from "../../ingest/parseInput.ts";
import { declareRoute } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";
import { knownSurfacesOf } from "./knownSurfaces.ts";

export function registerRerankRoutes(app: FastifyInstance, context: RouteContext, service: RecommendationService): void {
  const surfaces = knownSurfacesOf(context);
  declareRoute(
    app,
    context.auth,
    {
      method: "post",
      path: "/v1/rerank",
      operationId: "rerank",
      tag: "recommendations",
      summary: "Rank client-supplied candidates through the surface's filters, ranker, rules and exploration",
      description:
        "Only supplied items come back; dropped ones are listed in `removed` with the reason. `debug: true` needs the `admin` scope. Safety filters fail closed: a candidate whose attributes cannot be read is dropped (reason `attributes-unavailable`), never returned unchecked; `degraded: true` then, with `degradedCauses`.",
      scope: "recommend",
      body: { schema: rerankRequest, sendable: false, example: { userId: "user-1", surface: "home", itemIds: ["item-1", "item-2", "item-3"] } },
      responses: { 200: { description: "The supplied candidates, ranked", schema: rerankResponse } },
      errors: [400, 401, 403, 404, 415, 503],
    },
    async (request) => {
      const body = parseInput(rerankRequest, request.body);
      if (body.debug && !(request.apiKey && hasScope(request.apiKey, "admin"))) {
        throw forbidden('debug traces need an API key with the "admin" scope');
      }
      await surfaces.check(body.surface);
      return service.rerank(body);
    },
  );
}
