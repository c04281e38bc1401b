// Builds the OpenAPI 3.1 document from the routes' declarations (server/routeDeclaration.ts: the
// routes an app registered, in registration order) with @asteasolutions/zod-to-openapi
// (zod 4 support since v8). Schemas are plain zod: we do not call `extendZodWithOpenApi`, which
// would patch zod's prototypes for every package in the process. Request bodies are documented as
// the contract's input (fields with defaults are optional), responses as its output.
import { apiError } from "@cascade/core";
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { ErrorStatus, RouteDeclaration } from "../routeDeclaration.ts";

export const BEARER_SCHEME = "apiKey";
const ERROR_SCHEMA_NAME = "ApiError";

/** Error statuses a route can answer, each with the codes it uses (see server/errors.ts). */
export const ERROR_STATUSES: Record<ErrorStatus, string> = {
  400: "Bad request: `validation_failed` (with `issues`, one per bad field as a dotted path), `invalid_json`, `bad_request`",
  401: "`unauthorized`: the Authorization header is missing, malformed, or the key is unknown or revoked",
  403: "`forbidden`: the API key lacks the scope this route needs",
  404: "`not_found`: no such resource",
  409: "Conflict with the current state (e.g. `no_previous_version` for a rollback with nothing to go back to)",
  413: "`payload_too_large`: more than 1000 entries in a batch, or a body over the size limit",
  415: "`unsupported_media_type`: send the body as application/json",
  429: "`rate_limited`: over this API key's (or, without a key, this client's) request rate; retry after the `Retry-After` seconds",
  500: "`internal`: an unexpected failure; the details are logged under the x-request-id",
  503: "`dependency_unavailable`: a backing service (database, online store) is unavailable; retry later. On the funnel routes also `overloaded`: the engine is shedding load (as many funnels running as it can); retry after the `Retry-After` seconds, ideally on another replica",
};

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

export function buildOpenApiDocument(options: { version: string; routes: readonly RouteDeclaration[] }): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "csk_<prefix>_<secret>",
    description: "An API key created in the console. Scopes: `ingest`, `recommend`, `admin` (implies both).",
  });
  // The error body every 4xx/5xx shares, once as a component and referenced by every error response.
  const { $schema: _dialect, ...errorSchema } = z.toJSONSchema(apiError, { target: "draft-2020-12", io: "output" });
  registry.registerComponent("schemas", ERROR_SCHEMA_NAME, errorSchema as object);

  for (const route of options.routes) registry.registerPath(toRouteConfig(route));

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Cascade engine API",
      version: options.version,
      description:
        "Recommendations, catalogue and event ingestion. Every error is `{error: {code, message, issues?}}`; `issues` name the offending fields as dotted paths. Each response carries `x-request-id`.",
    },
  });
}

function toRouteConfig(route: RouteDeclaration): RouteConfig {
  const responses: RouteConfig["responses"] = {};
  for (const [status, response] of Object.entries(route.responses)) {
    if (!response) continue;
    responses[status] = {
      description: response.description,
      content: { [response.mediaType ?? "application/json"]: { schema: response.schema } },
    };
  }
  // Every route is rate limited (per API key, else per client address) and may fail unexpectedly.
  for (const status of [...route.errors, 429 as const, 500 as const]) {
    responses[status] ??= {
      description: ERROR_STATUSES[status],
      content: { "application/json": { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
    };
  }
  return {
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.scope ? [{ [BEARER_SCHEME]: [] }] : [],
    ...(route.scope ? { "x-required-scope": route.scope } : {}),
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.body
        ? {
            body: {
              required: true,
              ...(route.body.description ? { description: route.body.description } : {}),
              content: { "application/json": { schema: route.body.schema, example: route.body.example } },
            },
          }
        : {}),
    },
    responses,
  };
}
