// Builds the OpenAPI 3.1 document from DOCUMENTED_ROUTES with @asteasolutions/zod-to-openapi
// (zod 4 support since v8). Schemas are plain zod: we do not call `extendZodWithOpenApi`, which
// would patch zod's prototypes for every package in the process. Request bodies are documented as
// the contract's input (fields with defaults are optional), responses as its output.
import { apiError } from "@cascade/core";
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { DOCUMENTED_ROUTES, ERROR_STATUSES, type DocumentedRoute } from "./documentedRoutes.ts";

export const BEARER_SCHEME = "apiKey";
const ERROR_SCHEMA_NAME = "ApiError";

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

export function buildOpenApiDocument(options: { version: string; routes?: DocumentedRoute[] }): OpenApiDocument {
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

  for (const route of options.routes ?? DOCUMENTED_ROUTES) registry.registerPath(toRouteConfig(route));

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

function toRouteConfig(route: DocumentedRoute): RouteConfig {
  const responses: RouteConfig["responses"] = {};
  for (const [status, response] of Object.entries(route.responses)) {
    if (!response) continue;
    responses[status] = {
      description: response.description,
      content: { [response.mediaType ?? "application/json"]: { schema: response.schema } },
    };
  }
  for (const status of [...route.errors, 500 as const]) {
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
