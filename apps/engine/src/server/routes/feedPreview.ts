// POST /v1/admin/feed-preview (scope `admin`): the console's feed debugger. Runs the user's feed
// with a full trace (per-item features, predictions, rule effects, exploration propensities) and
// returns the user's recent events beside it. `ruleSetConfig` dry-runs a DRAFT SurfaceConfig
// instead of the published one (validated like a publish: bad fields → 400 naming
// `ruleSetConfig.<path>`); nothing is saved, and preview requests are not logged as served.
import { feedPreviewRequest, feedPreviewResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { InvalidDraftConfigError, type RecommendationService } from "../../serving/recommendationService.ts";
import { validationFailed } from "../errors.ts";
import { parseInput } from "../../ingest/parseInput.ts";
import { declareRoute } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerFeedPreviewRoutes(app: FastifyInstance, context: RouteContext, service: RecommendationService): void {
  declareRoute(
    app,
    context.auth,
    {
      method: "post",
      path: "/v1/admin/feed-preview",
      operationId: "feedPreview",
      tag: "admin",
      summary: "A user's feed with the full funnel trace and their recent events (feed debugger)",
      description:
        "`ruleSetConfig` dry-runs a draft SurfaceConfig instead of the published one (validated like a publish; 400 names `ruleSetConfig.<field>`). Nothing is saved.",
      scope: "admin",
      body: { schema: feedPreviewRequest, sendable: false, example: { userId: "user-1", surface: "home", count: 10 } },
      responses: { 200: { description: "Feed, trace and history", schema: feedPreviewResponse } },
      errors: [400, 401, 403, 415],
    },
    async (request) => {
      const body = parseInput(feedPreviewRequest, request.body);
      try {
        return await service.preview(body);
      } catch (error) {
        if (error instanceof InvalidDraftConfigError) throw validationFailed(error.issues);
        throw error;
      }
    },
  );
}
