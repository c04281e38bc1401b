import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { DOCUMENTED_ROUTES } from "./documentedRoutes.ts";
import { undocumentedRoutes } from "./openApiRoutes.ts";
import { collectRoutes, registeredRoutes, toOpenApiPath } from "./routeCollector.ts";

describe("route collection", () => {
  it("flags a route that has no entry in the document, and not the documented ones", async () => {
    const app = Fastify();
    collectRoutes(app);
    app.get("/v1/health", async () => ({}));
    app.post("/v1/recommendations", async () => ({}));
    app.route({ method: ["GET", "DELETE"], url: "/v1/secret/:id", handler: async () => ({}) });
    await app.ready();
    expect(undocumentedRoutes(app)).toEqual(["GET /v1/secret/{id}", "DELETE /v1/secret/{id}"]);
    expect(registeredRoutes(app).some((route) => route.method === "HEAD")).toBe(false);
    expect(DOCUMENTED_ROUTES.some((route) => route.path === "/v1/health")).toBe(true);
    await app.close();
  });

  it("refuses to answer for an app it never watched", () => {
    expect(() => registeredRoutes(Fastify())).toThrow(/collectRoutes/);
  });

  it("converts Fastify path parameters to OpenAPI templates", () => {
    expect(toOpenApiPath("/v1/rules/:surface/versions/:version")).toBe("/v1/rules/{surface}/versions/{version}");
  });
});
