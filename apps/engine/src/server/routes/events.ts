// POST /v1/events — batch event ingestion (scope `ingest`).
//
// Semantics:
// - The envelope is checked strictly: `{events: [...]}` with 1–1000 entries; otherwise 400
//   `validation_failed` (none, or not an array) or 413 `payload_too_large` (more than 1000).
// - Each event is then judged on its own, so bad events never block good ones. The response is 200
//   `{accepted, duplicates, rejected, results}` with one result per event, in request order:
//   - `accepted`: on the event stream now (see "after the response" below);
//   - `duplicate`: an earlier delivery of its `eventId` reached the stream (within the dedup
//     window, 10 minutes by default) or it appears earlier in this batch (the first occurrence
//     counts); nothing is written. Never said of an event that did not reach the stream: ids are
//     remembered only after the publish succeeded (two requests carrying the same id at the same
//     moment may both be accepted; the log stores it once);
//   - `rejected` with `field` and `reason`: fails the core `eventInput` contract (e.g. `value`
//     missing on a watch, a purchase above MAX_PURCHASE_VALUE, more than MAX_CONTEXT_KEYS context
//     keys, a timestamp before 1970, a value nested where a scalar belongs — at any depth),
//     contains text PostgreSQL cannot store (NUL, unpaired surrogates, in a value or a key), is
//     stamped more than an hour in the future, or names an unknown item (`itemId`, "unknown
//     item": upsert items first). A rejection never fails its neighbours.
// - Rejections are never dropped silently: every rejected delivery is written to the dead-letter
//   table `rejected_events` (event id, field, reason and the payload as received) before the
//   response. Rejections are not deduplicated.
// - 200 means the accepted events are on the event stream (Redis has acknowledged the XADD; in
//   embedded mode, the in-process stream holds them). 503 `dependency_unavailable` means nothing
//   of the batch was accepted and nothing was remembered: retry the whole batch (the retry is
//   never answered `duplicate` for events of the failed attempt; some may have reached the stream
//   before the failure, and the idempotent consumers store those once). Dead
//   letters of a failed request may already be written; the retry writes them again.
//
// After the response (asynchronous, typically well under a second), the stream's consumers:
// - write the events to the event log (`events` in PostgreSQL, the source of truth for training),
//   creating users they name that do not exist yet (users first appear through their events);
// - update the real-time features in the online store;
// - update the per-minute metrics rollups (`metric_rollups`).
// So a GET right after a 200 may not see the event in the log or features yet.
//
// Idempotency by `eventId`, end to end: re-sending a batch changes nothing. Within the dedup window
// the engine answers `duplicate`; later, the event is answered `accepted` again but the event log's
// unique key drops it (counted by the offline-log consumer) and the rollups count only events the
// log newly stored, so no number moves. The stream is at-least-once, and every consumer is
// idempotent by event id.
import { eventInput, ingestEventsRequest, ingestEventsResponse, MAX_BATCH } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { KnownItemCache } from "../../ingest/knownItemCache.ts";
import { assertBatchSize } from "../../ingest/batchLimits.ts";
import { issuesFromZod, validationFailed } from "../errors.ts";
import { ingestEvents, type EventIngestionDeps } from "../../ingest/eventIngestion.ts";
import { declareRoute, JSON_BODY_ERRORS } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";

/** The body as documented: the route checks the envelope first, then each event on its own. */
const documentedRequest = z.object({
  events: z.array(eventInput).min(1).max(MAX_BATCH),
});

export function registerEventRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db, eventStream, eventDeduplicator, logger } = context.deps;
  const ingestion: EventIngestionDeps = {
    db,
    stream: eventStream,
    deduplicator: eventDeduplicator,
    knownItems: new KnownItemCache(async (itemIds) => {
      const rows = await db.$queryRaw<{ id: string }[]>`SELECT id FROM items WHERE id = ANY(${itemIds}::text[])`;
      return rows.map((row) => row.id);
    }),
    logger,
  };

  declareRoute(
    app,
    context.auth,
    {
      method: "post",
      path: "/v1/events",
      operationId: "sendEvents",
      tag: "events",
      summary: "Batch event ingestion",
      description:
        "The envelope (1–1000 events) is checked strictly; then each event is judged on its own and gets a result in request order: `accepted`, `duplicate` (same `eventId` seen before) or `rejected` with `field` and `reason`. Idempotent by `eventId`. 503 means nothing was accepted: retry the batch.",
      scope: "ingest",
      body: {
        schema: documentedRequest,
        sendable: true,
        example: {
          events: [
            {
              eventId: "ev-1",
              type: "click",
              userId: "user-1",
              itemId: "item-42",
              timestamp: "2026-11-01T10:05:00Z",
              requestId: "3f1c2a9e",
              position: 0,
              surface: "home",
            },
            { eventId: "ev-2", type: "watch", userId: "user-1", itemId: "item-42", timestamp: "2026-11-01T10:06:00Z", value: 312 },
          ],
        },
      },
      responses: { 200: { description: "One result per event", schema: ingestEventsResponse } },
      errors: JSON_BODY_ERRORS,
    },
    async (request) => {
      const receivedAt = Date.now();
      assertBatchSize(request.body, "events");
      // Only the envelope is validated here; each event is judged by ingestEvents.
      const envelope = ingestEventsRequest.safeParse(request.body);
      if (!envelope.success) throw validationFailed(issuesFromZod(envelope.error));
      return ingestEvents({ ...ingestion, logger: request.log }, envelope.data.events, receivedAt);
    },
  );
}
