// POST /v1/recommendations (scope `recommend`; `debug: true` needs `admin`).
//
// Semantics:
// - Body per the core `recommendationsRequest` contract; problems → 400 `validation_failed`.
// - The surface's published rule set (hot-reloaded; built-in defaults when none is published)
//   declares the funnel: sources (two-tower ANN, trending, co-visitation, follow graph, fresh
//   items) → filters (request exclusions, the user's hides/dislikes/purchases, seen, blocked,
//   availability, expressions) → online features → the active ONNX ranker → blend → rules →
//   exploration. Unknown users get a cold-start list (trending, fresh), never an error.
// - Each item: 0-based `position` (continuing across pages), `score` (blend + rule deltas),
//   `sources` (every source that found it, rank and retrieval score) and `propensity` (the serving
//   policy's probability of placing it there; 1 on later pages).
// - `cursor` fetches the next page of the same ranked list (null at the end); pages never repeat
//   an item. A cursor that is not ours, has expired or belongs to another user/surface → 400
//   `invalid_cursor` naming `cursor`.
// - A surface that is neither built in (`home`, `related`) nor created (console, seed) → 404
//   `not_found` naming `surface` (knownSurfaces.ts).
// - `degraded: true` when a dependency failed or a model is missing and the page came from what was
//   left, ultimately the cached popularity list. Dependency failures never answer 5xx.
// - `debug: true` adds `trace`: the full funnel trace (every stage and component, removed items
//   with reasons, per-candidate features and scores).
import { recommendationsRequest, recommendationsResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { InvalidCursorError } from "../../serving/cursor.ts";
import { hasScope } from "../auth.ts";
import { forbidden, HttpError } from "../errors.ts";
import { parseInput } from "../../ingest/parseInput.ts";
import { declareRoute } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";
import { knownSurfacesOf } from "./knownSurfaces.ts";

export function registerRecommendationRoutes(app: FastifyInstance, context: RouteContext): void {
  const service = context.recommendations;
  const surfaces = knownSurfacesOf(context);

  declareRoute(
    app,
    context.auth,
    {
      method: "post",
      path: "/v1/recommendations",
      operationId: "recommend",
      tag: "recommendations",
      summary: "A ranked feed for a user on a surface",
      description:
        "Unknown users get a cold-start list, never an error. `cursor` from a response fetches the next page without repeats (400 `invalid_cursor` when expired). `debug: true` needs the `admin` scope and adds the stage trace. `degraded: true` when a dependency failed and a fallback served; `degradedCauses` then names each cause (`{component, reason}`). Published rules hold on every path: an item whose attributes, or whose consumed/hidden status, cannot be read is not served.",
      scope: "recommend",
      body: { schema: recommendationsRequest, sendable: true, example: { userId: "user-1", surface: "home", count: 10, context: { device: "mobile" } } },
      responses: { 200: { description: "The feed", schema: recommendationsResponse } },
      errors: [400, 401, 403, 404, 415, 503],
    },
    async (request) => {
      const body = parseInput(recommendationsRequest, request.body);
      if (body.debug && !(request.apiKey && hasScope(request.apiKey, "admin"))) {
        throw forbidden('debug traces need an API key with the "admin" scope');
      }
      await surfaces.check(body.surface);
      try {
        return await service.recommend(body);
      } catch (error) {
        if (error instanceof InvalidCursorError) {
          throw new HttpError(400, "invalid_cursor", `cursor: ${error.message}`, [{ path: "cursor", message: error.message }]);
        }
        throw error;
      }
    },
  );
}
