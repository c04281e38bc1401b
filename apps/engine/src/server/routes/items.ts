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
import { upsertItemsRequest, upsertResponse } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { parseItemsBatch, upsertItems } from "../../ingest/catalogWrites.ts";
import { declareRoute, JSON_BODY_ERRORS } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerItemRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;
  declareRoute(
    app,
    context.auth,
    {
      method: "put",
      path: "/v1/items",
      operationId: "upsertItems",
      tag: "catalogue",
      summary: "Batch upsert of catalogue items (all or nothing)",
      description:
        "1–1000 items, ids unique in the batch. An upsert replaces the item: fields left out take their defaults. Unknown creators are created. Idempotent.",
      scope: "ingest",
      body: {
        schema: upsertItemsRequest,
        sendable: true,
        example: {
          items: [
            { id: "item-42", title: "Ten-minute ramen", category: "cooking", creatorId: "creator-7", tags: ["quick"], publishedAt: "2026-11-01T10:00:00Z" },
          ],
        },
      },
      responses: { 200: { description: "Committed", schema: upsertResponse } },
      errors: JSON_BODY_ERRORS,
    },
    async (request) => upsertItems(db, parseItemsBatch(request.body)),
  );
}
