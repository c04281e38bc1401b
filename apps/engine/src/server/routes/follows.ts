// PUT /v1/follows — batch upsert of the follow graph (scope `ingest`).
//
// Semantics:
// - All or nothing. The whole batch is validated first (1–1000 follows, each user→creator pair at
//   most once, fields per the core `followInput` contract, every creator known); any problem → 400
//   `validation_failed` listing every bad field as `follows.<index>.<field>` (an unknown creator is
//   `follows.<index>.creatorId`: creators come into existence through PUT /v1/items), and nothing
//   is written. More than 1000 → 413. A valid batch commits in one transaction; the response is
//   sent after the commit.
// - `active: true` (the default) makes the user follow the creator, creating an unknown user.
//   `at` sets when the follow happened (default: now, for a new follow); without `at`, an existing
//   follow keeps its time.
// - `active: false` removes the follow; removing a follow that does not exist is a no-op.
// - Response `{upserted, created, updated}`: upserted = follows in the batch, created = new
//   follows, updated = existing follows whose time changed plus follows removed. Re-sending a batch
//   changes nothing the second time.
import { upsertFollowsRequest, upsertResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { parseFollowsBatch, upsertFollows } from "../../ingest/catalogWrites.ts";
import { declareRoute, JSON_BODY_ERRORS } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerFollowRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;
  declareRoute(
    app,
    context.auth,
    {
      method: "put",
      path: "/v1/follows",
      operationId: "upsertFollows",
      tag: "catalogue",
      summary: "Batch upsert of user → creator follows (all or nothing)",
      description: "`active: false` removes a follow. Every creator must exist (creators come from PUT /v1/items). Idempotent.",
      scope: "ingest",
      body: { schema: upsertFollowsRequest, sendable: true, example: { follows: [{ userId: "user-1", creatorId: "creator-7" }] } },
      responses: { 200: { description: "Committed", schema: upsertResponse } },
      errors: JSON_BODY_ERRORS,
    },
    async (request) => upsertFollows(db, parseFollowsBatch(request.body)),
  );
}
