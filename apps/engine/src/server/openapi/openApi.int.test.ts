// The document against the real app: every route it registers is documented (a new route without
// an entry in documentedRoutes.ts fails here), and every documented example is accepted by it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";
import { DOCUMENTED_ROUTES } from "./documentedRoutes.ts";
import { OPENAPI_PATH, undocumentedRoutes } from "./openApiRoutes.ts";
import { registeredRoutes, toOpenApiPath } from "./routeCollector.ts";

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine.close();
});

describe("GET /v1/openapi.json", () => {
  it("documents every route the app registers", () => {
    expect(registeredRoutes(engine.app).length).toBeGreaterThanOrEqual(8);
    expect(undocumentedRoutes(engine.app)).toEqual([]);
  });

  it("documents no route the app lacks", () => {
    const registered = new Set(registeredRoutes(engine.app).map((route) => `${route.method.toLowerCase()} ${toOpenApiPath(route.url)}`));
    const phantom = DOCUMENTED_ROUTES.map((route) => `${route.method} ${route.path}`).filter((key) => !registered.has(key));
    expect(phantom).toEqual([]);
  });

  it("serves the document without authentication", async () => {
    const response = await engine.app.inject({ method: "GET", url: OPENAPI_PATH });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const document = response.json<{ openapi: string; info: { version: string }; paths: Record<string, Record<string, unknown>> }>();
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.version).toBe("test");
    for (const route of DOCUMENTED_ROUTES) expect(document.paths[route.path]?.[route.method]).toBeDefined();
  });

  it("has example requests the app accepts (in order: items before the follows and events naming them)", async () => {
    const { authorization } = await engine.createApiKey(["admin"]);
    // The examples' ids, made unique to this file so other test files never see them.
    const isolate = (example: unknown) => JSON.parse(JSON.stringify(example).replace(/"(item-42|creator-7|user-1|ev-1|ev-2)"/g, `"${engine.run}-$1"`)) as object;
    const sendable = DOCUMENTED_ROUTES.filter((documented) => documented.body?.sendable);
    expect(sendable.map((route) => route.path)).toEqual(["/v1/items", "/v1/users", "/v1/follows", "/v1/events", "/v1/recommendations"]);
    for (const route of sendable) {
      const response = await engine.app.inject({
        method: route.method.toUpperCase() as "PUT" | "POST",
        url: route.path,
        headers: { authorization },
        payload: isolate(route.body!.example),
      });
      expect({ route: route.path, status: response.statusCode, body: response.statusCode === 200 ? null : response.json() }).toEqual({ route: route.path, status: 200, body: null });
      if (route.path === "/v1/events") expect(response.json()).toMatchObject({ accepted: 2, rejected: 0 });
    }
  });
});
