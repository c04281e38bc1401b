// POST /v1/events — batch event ingestion (scope `ingest`).
//
// Semantics:
// - The envelope is checked strictly: `{events: [...]}` with 1–1000 entries; otherwise 400
//   `validation_failed` (none, or not an array) or 413 `payload_too_large` (more than 1000).
// - Each event is then judged on its own, so bad events never block good ones. The response is 200
//   `{accepted, duplicates, rejected, results}` with one result per event, in request order:
//   - `accepted`: stored now;
//   - `duplicate`: its `eventId` was already stored (earlier delivery, or a concurrent request) or
//     appears earlier in this batch (the first occurrence counts); nothing is written;
//   - `rejected` with `field` and `reason`: fails the core `eventInput` contract (e.g. `value`
//     missing on a watch), contains text PostgreSQL cannot store (NUL, unpaired surrogates), is
//     stamped more than an hour in the future, or names an unknown item (`itemId`, "unknown
//     item": upsert items first).
// - Users first appear through their events: an unknown `userId` creates the user.
// - Idempotent by `eventId`: re-sending a batch stores nothing new (accepted events come back as
//   duplicates). Rejections are not deduplicated: every rejected delivery is written to the
//   dead-letter table `rejected_events` (event id, field, reason and the payload as received).
// - Accepted events, new users and dead letters commit in one transaction, before the response.
import { ingestEventsRequest } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { assertBatchSize } from "../batchLimits.ts";
import { issuesFromZod, validationFailed } from "../errors.ts";
import { ingestEvents } from "../eventIngestion.ts";
import type { RouteContext } from "../routeContext.ts";

export function registerEventRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;

  app.post("/v1/events", { onRequest: context.auth.requireScope("ingest") }, async (request) => {
    assertBatchSize(request.body, "events");
    // Only the envelope is validated here; each event is judged by ingestEvents.
    const envelope = ingestEventsRequest.safeParse(request.body);
    if (!envelope.success) throw validationFailed(issuesFromZod(envelope.error));
    return ingestEvents(db, envelope.data.events);
  });
}
