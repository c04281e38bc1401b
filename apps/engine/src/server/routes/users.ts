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
import { upsertUsersRequest, type UpsertResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { assertBatchSize } from "../batchLimits.ts";
import { parseRequestBody } from "../requestBody.ts";
import type { RouteContext } from "../routeContext.ts";
import { compareIds, WRITE_TRANSACTION_OPTIONS } from "../writeTransactions.ts";

export function registerUserRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;

  app.put("/v1/users", { onRequest: context.auth.requireScope("ingest") }, async (request) => {
    assertBatchSize(request.body, "users");
    const { users } = parseRequestBody(upsertUsersRequest, request.body);
    const sorted = [...users].sort((a, b) => compareIds(a.id, b.id));

    const rows = await db.$transaction(
      (tx) => tx.$queryRaw<{ inserted: boolean }[]>`
        INSERT INTO users AS stored (id, attributes)
        SELECT id, attributes
        FROM unnest(
          ${sorted.map((user) => user.id)}::text[],
          ${sorted.map((user) => JSON.stringify(user.attributes))}::jsonb[]
        ) AS input(id, attributes)
        ON CONFLICT (id) DO UPDATE SET attributes = EXCLUDED.attributes, updated_at = now()
        WHERE stored.attributes IS DISTINCT FROM EXCLUDED.attributes
        RETURNING (xmax = 0) AS inserted`,
      WRITE_TRANSACTION_OPTIONS,
    );

    const created = rows.filter((row) => row.inserted).length;
    const response: UpsertResponse = { upserted: users.length, created, updated: rows.length - created };
    return response;
  });
}
