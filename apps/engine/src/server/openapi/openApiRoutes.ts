// GET /v1/openapi.json — the OpenAPI 3.1 document (unauthenticated: it describes the API, it holds
// no data), generated from the declarations of the routes registered on this app. Built once, on
// first request. Call before registering the other routes: from then on a route registered
// without a declaration fails the app's startup (server/routeDeclaration.ts).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { collectDeclaredRoutes, declareRoute } from "../routeDeclaration.ts";
import { buildOpenApiDocument } from "./openApiDocument.ts";

export const OPENAPI_PATH = "/v1/openapi.json";

export function registerOpenApiRoutes(app: FastifyInstance, options: { version: string }): void {
  collectDeclaredRoutes(app);
  let body: string | undefined;

  declareRoute(
    app,
    null,
    {
      method: "get",
      path: OPENAPI_PATH,
      operationId: "openApiDocument",
      tag: "operations",
      summary: "This OpenAPI 3.1 document",
      scope: null,
      responses: { 200: { description: "The OpenAPI document", schema: z.record(z.string(), z.unknown()) } },
      errors: [],
    },
    async (_request, reply) => {
      body ??= JSON.stringify(buildOpenApiDocument({ version: options.version, routes: app.declaredRoutes }));
      return reply.header("content-type", "application/json; charset=utf-8").send(body);
    },
  );
}
