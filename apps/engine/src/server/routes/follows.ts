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
import { upsertFollowsRequest, type FollowInput, type UpsertResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { assertBatchSize } from "../batchLimits.ts";
import { validationFailed, type ApiIssue } from "../errors.ts";
import { parseRequestBody } from "../requestBody.ts";
import type { RouteContext } from "../routeContext.ts";
import { timestampProblem } from "../storableValues.ts";
import { compareIds, WRITE_TRANSACTION_OPTIONS } from "../writeTransactions.ts";

export function registerFollowRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;

  app.put("/v1/follows", { onRequest: context.auth.requireScope("ingest") }, async (request) => {
    assertBatchSize(request.body, "follows");
    const { follows } = parseRequestBody(upsertFollowsRequest, request.body, (data) =>
      data.follows.flatMap((follow, index): ApiIssue[] => {
        const problem = follow.at === undefined ? null : timestampProblem(follow.at);
        return problem ? [{ path: `follows.${index}.at`, message: problem }] : [];
      }),
    );
    const byPair = (a: FollowInput, b: FollowInput) => compareIds(a.userId, b.userId) || compareIds(a.creatorId, b.creatorId);
    const added = follows.filter((follow) => follow.active).sort(byPair);
    const removed = follows.filter((follow) => !follow.active).sort(byPair);
    const timed = added.filter((follow) => follow.at !== undefined);
    const untimed = added.filter((follow) => follow.at === undefined);

    const counts = await db.$transaction(async (tx) => {
      const creatorIds = [...new Set(follows.map((follow) => follow.creatorId))];
      const known = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM creators WHERE id = ANY(${creatorIds}::text[])`;
      const knownIds = new Set(known.map((row) => row.id));
      const unknown = follows.flatMap((follow, index): ApiIssue[] =>
        knownIds.has(follow.creatorId)
          ? []
          : [{ path: `follows.${index}.creatorId`, message: `unknown creator ${follow.creatorId}; creators are created by PUT /v1/items` }],
      );
      if (unknown.length > 0) throw validationFailed(unknown);

      const userIds = [...new Set(added.map((follow) => follow.userId))].sort(compareIds);
      if (userIds.length > 0) {
        await tx.$executeRaw`
          INSERT INTO users (id) SELECT id FROM unnest(${userIds}::text[]) AS input(id)
          ON CONFLICT (id) DO NOTHING`;
      }
      let created = 0;
      let updated = 0;
      if (timed.length > 0) {
        const rows = await tx.$queryRaw<{ inserted: boolean }[]>`
          INSERT INTO follows AS stored (user_id, creator_id, created_at)
          SELECT * FROM unnest(
            ${timed.map((follow) => follow.userId)}::text[],
            ${timed.map((follow) => follow.creatorId)}::text[],
            ${timed.map((follow) => follow.at)}::timestamptz[]
          )
          ON CONFLICT (user_id, creator_id) DO UPDATE SET created_at = EXCLUDED.created_at
          WHERE stored.created_at IS DISTINCT FROM EXCLUDED.created_at
          RETURNING (xmax = 0) AS inserted`;
        created += rows.filter((row) => row.inserted).length;
        updated += rows.filter((row) => !row.inserted).length;
      }
      if (untimed.length > 0) {
        created += await tx.$executeRaw`
          INSERT INTO follows (user_id, creator_id)
          SELECT * FROM unnest(
            ${untimed.map((follow) => follow.userId)}::text[],
            ${untimed.map((follow) => follow.creatorId)}::text[]
          )
          ON CONFLICT (user_id, creator_id) DO NOTHING`;
      }
      if (removed.length > 0) {
        updated += await tx.$executeRaw`
          DELETE FROM follows AS stored
          USING unnest(
            ${removed.map((follow) => follow.userId)}::text[],
            ${removed.map((follow) => follow.creatorId)}::text[]
          ) AS input(user_id, creator_id)
          WHERE stored.user_id = input.user_id AND stored.creator_id = input.creator_id`;
      }
      return { created, updated };
    }, WRITE_TRANSACTION_OPTIONS);

    const response: UpsertResponse = { upserted: follows.length, ...counts };
    return response;
  });
}
