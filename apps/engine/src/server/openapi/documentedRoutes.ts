// The API's routes as documented in /v1/openapi.json: one entry per route the app registers, with
// the zod contracts of @cascade/core for bodies and responses and an example request that the
// tests check against the contract. A route the app registers without an entry here fails
// openApi.int.test.ts (and is logged as undocumented at startup).
import {
  type ApiKeyScope,
  eventInput,
  feedPreviewRequest,
  feedPreviewResponse,
  healthResponse,
  ingestEventsResponse,
  listModelsResponse,
  MAX_BATCH,
  modelKind,
  modelSlot,
  modelStatus,
  promoteModelResponse,
  recommendationsRequest,
  recommendationsResponse,
  registerExternalRankerRequest,
  registerExternalRankerResponse,
  rollbackModelRequest,
  rollbackModelResponse,
  rerankRequest,
  rerankResponse,
  upsertFollowsRequest,
  upsertItemsRequest,
  upsertResponse,
  upsertUsersRequest,
} from "@cascade/core";
import { z } from "zod";

export type HttpMethod = "get" | "put" | "post" | "delete" | "patch";

/** Error statuses a route can answer, each with the codes it uses (see server/errors.ts). */
export const ERROR_STATUSES = {
  400: "Bad request: `validation_failed` (with `issues`, one per bad field as a dotted path), `invalid_json`, `bad_request`",
  401: "`unauthorized`: the Authorization header is missing, malformed, or the key is unknown or revoked",
  403: "`forbidden`: the API key lacks the scope this route needs",
  404: "`not_found`: no such resource",
  409: "Conflict with the current state (e.g. `no_previous_version` for a rollback with nothing to go back to)",
  413: "`payload_too_large`: more than 1000 entries in a batch, or a body over the size limit",
  415: "`unsupported_media_type`: send the body as application/json",
  500: "`internal`: an unexpected failure; the details are logged under the x-request-id",
  503: "`dependency_unavailable`: a backing service (database, online store) is unavailable; retry later",
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUSES;

export type DocumentedResponse = { description: string; schema: z.ZodType; mediaType?: string };

export type DocumentedRoute = {
  method: HttpMethod;
  /** OpenAPI style (`/v1/rules/{surface}`). */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** The API-key scope the route requires (`admin` implies all); null = no authentication. */
  scope: ApiKeyScope | null;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /**
   * `sendable`: the example may be sent to a test app, which must answer 200 (true only for routes
   * whose example succeeds on an empty catalogue and changes nothing shared, i.e. not admin ones).
   */
  body?: { schema: z.ZodType; example: unknown; description?: string; sendable: boolean };
  responses: Partial<Record<number, DocumentedResponse>>;
  errors: ErrorStatus[];
};

/** Documented body of POST /v1/events: the route checks the envelope first, then each event on its own. */
export const ingestEventsDocumentedRequest = z.object({
  events: z.array(eventInput).min(1).max(MAX_BATCH),
});

const JSON_BODY_ERRORS: ErrorStatus[] = [400, 401, 403, 413, 415, 503];

export const DOCUMENTED_ROUTES: DocumentedRoute[] = [
  {
    method: "get",
    path: "/v1/health",
    operationId: "health",
    tag: "operations",
    summary: "Health of the engine and its dependencies",
    description:
      "For load balancers: 200 while the database answers (`degraded` when the online store is down or the online features are still warming up after a start), 503 when the database is down. Also reports the start-up replay of online features, the first start's background training, and per surface which enabled sources can serve and how candidates are ranked.",
    scope: null,
    responses: {
      200: { description: "Up (status `ok` or `degraded`)", schema: healthResponse },
      503: { description: "Down: the database does not answer", schema: healthResponse },
    },
    errors: [],
  },
  {
    method: "get",
    path: "/metrics",
    operationId: "metrics",
    tag: "operations",
    summary: "Prometheus metrics (text exposition format)",
    description:
      "Request rate and latency per route, event ingestion outcomes, funnel stage/component latency, candidates per source, fallbacks, missing-feature defaults, model versions, process metrics.",
    scope: null,
    responses: { 200: { description: "Metrics in the Prometheus text format", schema: z.string(), mediaType: "text/plain" } },
    errors: [],
  },
  {
    method: "get",
    path: "/v1/openapi.json",
    operationId: "openApiDocument",
    tag: "operations",
    summary: "This OpenAPI 3.1 document",
    scope: null,
    responses: { 200: { description: "The OpenAPI document", schema: z.record(z.string(), z.unknown()) } },
    errors: [],
  },
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
      schema: ingestEventsDocumentedRequest,
      sendable: true,
      example: {
        events: [
          { eventId: "ev-1", type: "click", userId: "user-1", itemId: "item-42", timestamp: "2026-11-01T10:05:00Z", requestId: "3f1c2a9e", position: 0, surface: "home" },
          { eventId: "ev-2", type: "watch", userId: "user-1", itemId: "item-42", timestamp: "2026-11-01T10:06:00Z", value: 312 },
        ],
      },
    },
    responses: { 200: { description: "One result per event", schema: ingestEventsResponse } },
    errors: JSON_BODY_ERRORS,
  },
  {
    method: "post",
    path: "/v1/recommendations",
    operationId: "recommend",
    tag: "recommendations",
    summary: "A ranked feed for a user on a surface",
    description:
      "Unknown users get a cold-start list, never an error. `cursor` from a response fetches the next page without repeats (400 `invalid_cursor` when expired). `debug: true` needs the `admin` scope and adds the stage trace. `degraded: true` when a dependency failed and a fallback served; `degradedCauses` then names each cause (`{component, reason}`). Published rules hold on every path: an item whose attributes, or whose consumed/hidden status, cannot be read is not served.",
    scope: "recommend",
    body: { schema: recommendationsRequest, sendable: true, example: { userId: "user-1", surface: "home", count: 10, context: { device: "mobile" } } },
    responses: { 200: { description: "The feed", schema: recommendationsResponse } },
    errors: [400, 401, 403, 415, 503],
  },
  {
    method: "post",
    path: "/v1/rerank",
    operationId: "rerank",
    tag: "recommendations",
    summary: "Rank client-supplied candidates through the surface's filters, ranker, rules and exploration",
    description:
      "Only supplied items come back; dropped ones are listed in `removed` with the reason. `debug: true` needs the `admin` scope. Safety filters fail closed: a candidate whose attributes cannot be read is dropped (reason `attributes-unavailable`), never returned unchecked; `degraded: true` then, with `degradedCauses`.",
    scope: "recommend",
    body: { schema: rerankRequest, sendable: false, example: { userId: "user-1", surface: "home", itemIds: ["item-1", "item-2", "item-3"] } },
    responses: { 200: { description: "The supplied candidates, ranked", schema: rerankResponse } },
    errors: [400, 401, 403, 415],
  },
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
  {
    method: "get",
    path: "/v1/admin/models",
    operationId: "listModels",
    tag: "admin",
    summary: "Model versions (newest first), what this engine serves, and the features an external ranker may declare",
    scope: "admin",
    query: z.object({ slot: modelSlot.optional(), kind: modelKind.optional(), status: modelStatus.optional() }),
    responses: { 200: { description: "The registry", schema: listModelsResponse } },
    errors: [400, 401, 403, 503],
  },
  {
    method: "post",
    path: "/v1/admin/models/{id}/promote",
    operationId: "promoteModel",
    tag: "admin",
    summary: "Make a model version the active one of its slot",
    description: "This engine reloads at once; others follow within seconds. An `x-cascade-actor` header is recorded in the audit log.",
    scope: "admin",
    params: z.object({ id: z.string().min(1).max(64) }),
    responses: { 200: { description: "Promoted; `serving` shows what this engine now serves", schema: promoteModelResponse } },
    errors: [400, 401, 403, 404, 409, 503],
  },
  {
    method: "post",
    path: "/v1/admin/models/rollback",
    operationId: "rollbackModel",
    tag: "admin",
    summary: "Re-activate the slot's most recently retired version",
    scope: "admin",
    body: { schema: rollbackModelRequest, sendable: false, example: { slot: "ranker" } },
    responses: { 200: { description: "Rolled back", schema: rollbackModelResponse } },
    errors: [400, 401, 403, 409, 415, 503],
  },
  {
    method: "post",
    path: "/v1/admin/models/external-rankers",
    operationId: "registerExternalRanker",
    tag: "admin",
    summary: "Register an externally trained ONNX ranker",
    description:
      "The ONNX file (base64) must take an [N, F] float input with the declared features in order and produce each declared output with one value per row; it is dry-run before it is stored. 400 names the field (`features`, `outputs`, `onnxBase64`, …) that breaks the contract.",
    scope: "admin",
    body: {
      schema: registerExternalRankerRequest,
      sendable: false,
      example: { name: "partner-ranker", features: ["item_ctr_3d", "item_trending_6h", "context_hour_of_day"], outputs: ["p_click"], onnxBase64: "CAcSB3B5dG9yY2g=", promote: false },
    },
    responses: { 201: { description: "Stored (and promoted if asked)", schema: registerExternalRankerResponse } },
    errors: [400, 401, 403, 413, 415, 503],
  },
];
