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
import type { FastifyInstance } from "fastify";
import { parseItemsBatch, upsertItems } from "../catalogWrites.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerItemRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;
  app.put("/v1/items", { onRequest: context.auth.requireScope("ingest") }, async (request) => upsertItems(db, parseItemsBatch(request.body)));
}
