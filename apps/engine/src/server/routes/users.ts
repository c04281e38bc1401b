// PUT /v1/users — batch upsert of users (scope `ingest`).
//
// Semantics:
// - All or nothing. The whole batch is validated first (1–1000 users, ids unique within the batch,
//   fields per the core `userInput` contract); any problem → 400 `validation_failed` listing every
//   bad field as `users.<index>.<field>`, and nothing is written. More than 1000 → 413. A valid
//   batch commits in one transaction; the response is sent after the commit.
// - An upsert replaces the user's attributes (left out → {}).
// - Users need not be upserted before their events: POST /v1/events creates unknown users.
// - Response `{upserted, created, updated}`: upserted = users in the batch, created = new ids,
//   updated = existing users whose attributes changed. Re-sending an identical user rewrites
//   nothing, so retries are idempotent.
import { upsertResponse, upsertUsersRequest } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { parseUsersBatch, upsertUsers } from "../../ingest/catalogWrites.ts";
import { declareRoute, JSON_BODY_ERRORS } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerUserRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;
  declareRoute(
    app,
    context.auth,
    {
      method: "put",
      path: "/v1/users",
      operationId: "upsertUsers",
      tag: "catalogue",
      summary: "Batch upsert of users (all or nothing)",
      description: "Replaces each user's attributes. Users also come into existence through their events. Idempotent.",
      scope: "ingest",
      body: { schema: upsertUsersRequest, sendable: true, example: { users: [{ id: "user-1", attributes: { country: "NL", premium: true } }] } },
      responses: { 200: { description: "Committed", schema: upsertResponse } },
      errors: JSON_BODY_ERRORS,
    },
    async (request) => upsertUsers(db, parseUsersBatch(request.body)),
  );
}
