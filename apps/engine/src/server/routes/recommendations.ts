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
// - `degraded: true` when a dependency failed or a model is missing and the page came from what was
//   left, ultimately the cached popularity list. Dependency failures never answer 5xx.
// - `debug: true` adds `trace`: the full funnel trace (every stage and component, removed items
//   with reasons, per-candidate features and scores).
import { recommendationsRequest } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { InvalidCursorError } from "../../recommend/cursor.ts";
import { PointInTimePreviews } from "../../replay/pointInTimePreviews.ts";
import { RecommendationService } from "../../serving/recommendationService.ts";
import { rememberServingStack, ServingStack, type ServingDeps } from "../../serving/servingStack.ts";
import { hasScope } from "../auth.ts";
import { forbidden, HttpError } from "../errors.ts";
import { parseRequestBody } from "../requestBody.ts";
import type { RouteContext } from "../routeContext.ts";

/** Builds the serving stack (started with the app, stopped on close) and registers the route. */
export function registerRecommendationRoutes(app: FastifyInstance, context: RouteContext): RecommendationService {
  const deps = context.deps as ServingDeps;
  const stack = new ServingStack(deps, context.ranking);
  const maxEvents = deps.serving?.previewReplayMaxEvents;
  const previews = new PointInTimePreviews({ db: deps.db, logger: deps.logger, models: deps.activeModels ?? null }, maxEvents === undefined ? {} : { maxEvents });
  const service = new RecommendationService(stack, previews);
  rememberServingStack(app, stack);
  app.addHook("onReady", async () => stack.start());
  app.addHook("onClose", async () => {
    await previews.close();
    await stack.stop();
  });

  app.post("/v1/recommendations", { onRequest: context.auth.requireScope("recommend") }, async (request) => {
    const body = parseRequestBody(recommendationsRequest, request.body);
    if (body.debug && !(request.apiKey && hasScope(request.apiKey, "admin"))) {
      throw forbidden('debug traces need an API key with the "admin" scope');
    }
    try {
      return await service.recommend(body);
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new HttpError(400, "invalid_cursor", `cursor: ${error.message}`, [{ path: "cursor", message: error.message }]);
      }
      throw error;
    }
  });
  return service;
}
