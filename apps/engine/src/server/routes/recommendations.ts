// POST /v1/recommendations (scope `recommend`; `debug: true` needs `admin`).
//
// Semantics:
// - Body per the core `recommendationsRequest` contract; problems → 400 `validation_failed`.
// - Until a model is trained, the list is the popularity ranking (time-decayed engagement over the
//   event log, refreshed in the background every minute) minus `excludeItemIds` and the items the
//   user hid, disliked or bought. Unknown users get the same list (cold start), never an error.
// - Each item carries its 0-based `position` in the feed (continuing across pages), `score`,
//   `sources` (`popularity` with its 0-based rank in the ranking) and `propensity` 1 (the policy is
//   deterministic).
// - `cursor` in the response fetches the next page (null at the end of the list). Pages of one
//   cursor chain never repeat an item: the chain stays on the ranking snapshot it started from
//   (kept 30 minutes after a refresh replaces it). `cursor: null` or no cursor asks for the first
//   page. A cursor that is not ours, or has expired → 400 `invalid_cursor` with an issue naming
//   `cursor` (start again without a cursor).
// - `degraded: true` when the page was served despite a failure (last ranking refresh failed, or
//   the user's hide/dislike/purchase history could not be read). No ranking at all (database down
//   since start) → 503 `dependency_unavailable`.
// - `debug: true` adds `trace: {snapshotId, stages: [{id, ms, in, out}]}`.
import { recommendationsRequest } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { InvalidCursorError } from "../../recommend/cursor.ts";
import { hydrateAndLogServedFeatures } from "../../features/servedFeatureLog.ts";
import { hasScope } from "../auth.ts";
import { forbidden, HttpError } from "../errors.ts";
import { parseRequestBody } from "../requestBody.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerRecommendationRoutes(app: FastifyInstance, context: RouteContext): void {
  app.post("/v1/recommendations", { onRequest: context.auth.requireScope("recommend") }, async (request) => {
    const body = parseRequestBody(recommendationsRequest, request.body);
    if (body.debug && !(request.apiKey && hasScope(request.apiKey, "admin"))) {
      throw forbidden('debug traces need an API key with the "admin" scope');
    }
    try {
      const response = await context.recommender.recommend(body);
      // Side effect, never awaited: a sample of requests logs the feature vectors of what was served.
      const { db, store, logger, servedFeatureSampleRate = 0 } = context.deps;
      void hydrateAndLogServedFeatures({
        db,
        store,
        logger,
        userId: body.userId,
        itemIds: response.items.map((item) => item.itemId),
        requestId: response.requestId,
        surface: body.surface,
        at: new Date(),
        sampleRate: servedFeatureSampleRate,
        modelVersion: response.modelVersion,
      });
      return response;
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new HttpError(400, "invalid_cursor", `cursor: ${error.message}`, [{ path: "cursor", message: error.message }]);
      }
      throw error;
    }
  });
}
