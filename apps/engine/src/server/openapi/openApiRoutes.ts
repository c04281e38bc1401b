// GET /v1/openapi.json — the OpenAPI 3.1 document (unauthenticated: it describes the API, it holds
// no data). Built once, on first request. Call before registering the other routes: it starts
// collecting them, and at startup it logs any route missing from DOCUMENTED_ROUTES.
import type { FastifyInstance } from "fastify";
import { DOCUMENTED_ROUTES } from "./documentedRoutes.ts";
import { buildOpenApiDocument } from "./openApiDocument.ts";
import { collectRoutes, registeredRoutes, toOpenApiPath } from "./routeCollector.ts";

export const OPENAPI_PATH = "/v1/openapi.json";

export function registerOpenApiRoutes(app: FastifyInstance, options: { version: string }): void {
  collectRoutes(app);
  let body: string | undefined;

  app.get(OPENAPI_PATH, async (_request, reply) => {
    body ??= JSON.stringify(buildOpenApiDocument({ version: options.version }));
    return reply.header("content-type", "application/json; charset=utf-8").send(body);
  });

  app.addHook("onReady", async () => {
    const undocumented = undocumentedRoutes(app);
    if (undocumented.length > 0) app.log.warn({ routes: undocumented }, "routes missing from the OpenAPI document (server/openapi/documentedRoutes.ts)");
  });
}

/** Routes the app registered that DOCUMENTED_ROUTES does not describe, as `METHOD /path`. */
export function undocumentedRoutes(app: FastifyInstance): string[] {
  const documented = new Set(DOCUMENTED_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`));
  return registeredRoutes(app)
    .map((route) => `${route.method} ${toOpenApiPath(route.url)}`)
    .filter((key) => !documented.has(key));
}
