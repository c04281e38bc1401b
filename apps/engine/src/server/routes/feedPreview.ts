// POST /v1/admin/feed-preview (scope `admin`): the console's feed debugger. Runs the user's feed
// with a full trace (per-item features, predictions, rule effects, exploration propensities) and
// returns the user's recent events beside it. `ruleSetConfig` dry-runs a DRAFT SurfaceConfig
// instead of the published one (validated like a publish: bad fields → 400 naming
// `ruleSetConfig.<path>`); nothing is saved, and preview requests are not logged as served.
import { feedPreviewRequest } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { InvalidDraftConfigError, type RecommendationService } from "../../serving/recommendationService.ts";
import { validationFailed } from "../errors.ts";
import { parseRequestBody } from "../requestBody.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerFeedPreviewRoutes(app: FastifyInstance, context: RouteContext, service: RecommendationService): void {
  app.post("/v1/admin/feed-preview", { onRequest: context.auth.requireScope("admin") }, async (request) => {
    const body = parseRequestBody(feedPreviewRequest, request.body);
    try {
      return await service.preview(body);
    } catch (error) {
      if (error instanceof InvalidDraftConfigError) throw validationFailed(error.issues);
      throw error;
    }
  });
}
