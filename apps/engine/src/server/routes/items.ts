// PUT /v1/items — batch upsert of catalogue items (scope `ingest`).
//
// Semantics:
// - All or nothing. The whole batch is validated first (1–1000 items, ids unique within the batch,
//   every field per the core `itemInput` contract); any problem → 400 `validation_failed` listing
//   every bad field as `items.<index>.<field>`, and nothing is written. More than 1000 → 413.
//   A valid batch commits in one transaction; the response is sent after the commit.
// - An upsert replaces the item: fields left out take their defaults (title "", tags [],
//   available true, attributes {}, no creator), they do not keep their stored values.
// - An unknown `creatorId` creates that creator (name = id); known creators are left as they are.
// - Response `{upserted, created, updated}`: upserted = items in the batch, created = new ids,
//   updated = existing items whose stored fields changed. Re-sending an identical item rewrites
//   nothing (it counts in upserted only), so retries are idempotent.
import { upsertItemsRequest, type UpsertResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { assertBatchSize } from "../batchLimits.ts";
import type { ApiIssue } from "../errors.ts";
import { parseRequestBody } from "../requestBody.ts";
import type { RouteContext } from "../routeContext.ts";
import { timestampProblem } from "../storableValues.ts";
import { compareIds, WRITE_TRANSACTION_OPTIONS } from "../writeTransactions.ts";

export function registerItemRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;

  app.put("/v1/items", { onRequest: context.auth.requireScope("ingest") }, async (request) => {
    assertBatchSize(request.body, "items");
    const { items } = parseRequestBody(upsertItemsRequest, request.body, (data) =>
      data.items.flatMap((item, index): ApiIssue[] => {
        const problem = timestampProblem(item.publishedAt);
        return problem ? [{ path: `items.${index}.publishedAt`, message: problem }] : [];
      }),
    );
    const sorted = [...items].sort((a, b) => compareIds(a.id, b.id));
    const creatorIds = [...new Set(sorted.flatMap((item) => (item.creatorId ? [item.creatorId] : [])))].sort(compareIds);

    const rows = await db.$transaction(async (tx) => {
      if (creatorIds.length > 0) {
        await tx.$executeRaw`
          INSERT INTO creators (id, name)
          SELECT id, id FROM unnest(${creatorIds}::text[]) AS input(id)
          ON CONFLICT (id) DO NOTHING`;
      }
      return tx.$queryRaw<{ inserted: boolean }[]>`
        INSERT INTO items AS stored (id, title, category, creator_id, tags, published_at, available, attributes)
        SELECT id, title, category, creator_id, ARRAY(SELECT jsonb_array_elements_text(tags)), published_at, available, attributes
        FROM unnest(
          ${sorted.map((item) => item.id)}::text[],
          ${sorted.map((item) => item.title)}::text[],
          ${sorted.map((item) => item.category)}::text[],
          ${sorted.map((item) => item.creatorId ?? null)}::text[],
          ${sorted.map((item) => JSON.stringify(item.tags))}::jsonb[],
          ${sorted.map((item) => item.publishedAt)}::timestamptz[],
          ${sorted.map((item) => item.available)}::boolean[],
          ${sorted.map((item) => JSON.stringify(item.attributes))}::jsonb[]
        ) AS input(id, title, category, creator_id, tags, published_at, available, attributes)
        ON CONFLICT (id) DO UPDATE SET
          title = EXCLUDED.title,
          category = EXCLUDED.category,
          creator_id = EXCLUDED.creator_id,
          tags = EXCLUDED.tags,
          published_at = EXCLUDED.published_at,
          available = EXCLUDED.available,
          attributes = EXCLUDED.attributes,
          updated_at = now()
        WHERE (stored.title, stored.category, stored.creator_id, stored.tags, stored.published_at, stored.available, stored.attributes)
          IS DISTINCT FROM
              (EXCLUDED.title, EXCLUDED.category, EXCLUDED.creator_id, EXCLUDED.tags, EXCLUDED.published_at, EXCLUDED.available, EXCLUDED.attributes)
        RETURNING (xmax = 0) AS inserted`;
    }, WRITE_TRANSACTION_OPTIONS);

    const created = rows.filter((row) => row.inserted).length;
    const response: UpsertResponse = { upserted: items.length, created, updated: rows.length - created };
    return response;
  });
}
