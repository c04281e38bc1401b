// The document the real app serves, generated from the declarations of the routes it registered
// (server/routeDeclaration.ts; a route registered without one fails the app's startup, see
// routeDeclaration.test.ts): every declared route answers where it is documented, with the
// authentication its scope asks for, every example satisfies its contract and the sendable ones
// are accepted by the app.
import { afterAll, describe, expect, it } from "vitest";
import { startTestEngine } from "../testing/testEngine.ts";
import type { RouteDeclaration } from "../routeDeclaration.ts";
import { BEARER_SCHEME, type OpenApiDocument } from "./openApiDocument.ts";
import { OPENAPI_PATH } from "./openApiRoutes.ts";

// Top-level, so that the per-route tests below can be listed from the app's own declarations.
const engine = await startTestEngine();
const routes = engine.app.declaredRoutes;
const served = await engine.app.inject({ method: "GET", url: OPENAPI_PATH });
const document = served.json<OpenApiDocument>();

afterAll(async () => {
  await engine.close();
});

function operationOf(route: RouteDeclaration) {
  return document.paths?.[route.path]?.[route.method];
}

describe("GET /v1/openapi.json", () => {
  it("serves the document without authentication", () => {
    expect(served.statusCode).toBe(200);
    expect(served.headers["content-type"]).toMatch(/^application\/json/);
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.version).toBe("test");
    expect(document.components?.securitySchemes?.[BEARER_SCHEME]).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("documents every route the app registers, and nothing else", () => {
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(documented.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it("uses unique operation ids (client generators name methods after them)", () => {
    const ids = routes.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(routes)("answers $method $path where it is documented, with the authentication its scope asks for", async (route) => {
    const url = route.path.replace(/\{[^}]+\}/g, "unknown");
    const response = await engine.app.inject({ method: route.method.toUpperCase() as "GET", url, ...(route.method === "get" ? {} : { payload: {} }) });
    if (route.scope) {
      expect({ status: response.statusCode, code: response.json<{ error: { code: string } }>().error.code }).toEqual({ status: 401, code: "unauthorized" });
    } else {
      expect(response.statusCode).toBe(200);
    }
  });

  it.each(routes.filter((route) => route.body))("has an example for $method $path that satisfies its contract", (route) => {
    const result = route.body!.schema.safeParse(route.body!.example);
    expect(result.error?.issues ?? []).toEqual([]);
    const operation = operationOf(route);
    const media = operation?.requestBody && "content" in operation.requestBody ? operation.requestBody.content["application/json"] : undefined;
    expect(media?.example).toEqual(route.body!.example);
    expect(media?.schema).toMatchObject({ type: "object" });
  });

  it.each(routes)("documents $method $path with its security, success and error answers", (route) => {
    const operation = operationOf(route);
    expect(operation).toBeDefined();
    const statuses = Object.keys(operation!.responses ?? {});
    expect(statuses).toEqual(expect.arrayContaining(Object.keys(route.responses)));
    expect(statuses).toContain("500");
    if (route.scope) {
      expect(operation!.security).toEqual([{ [BEARER_SCHEME]: [] }]);
      expect(statuses).toEqual(expect.arrayContaining(["401", "403"]));
      expect(operation!.responses?.["401"]).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/ApiError" } } } });
    } else {
      expect(operation!.security).toEqual([]);
    }
  });

  it("documents request fields that have server defaults as optional", () => {
    const operation = document.paths?.["/v1/recommendations"]?.post;
    const schema = operation?.requestBody && "content" in operation.requestBody ? operation.requestBody.content["application/json"]?.schema : undefined;
    expect(schema).toMatchObject({ required: ["userId"], properties: { count: { default: 20, maximum: 200 } } });
  });

  it("documents a degraded response's causes in the recommendation responses", () => {
    for (const path of ["/v1/recommendations", "/v1/rerank"] as const) {
      const ok = document.paths?.[path]?.post?.responses?.["200"];
      const schema = ok && "content" in ok ? ok.content?.["application/json"]?.schema : undefined;
      expect(schema, path).toMatchObject({
        required: expect.arrayContaining(["degraded", "degradedCauses"]),
        properties: { degradedCauses: { type: "array", items: { type: "object", required: ["component", "reason"] } } },
      });
    }
  });

  it("documents path and query parameters", () => {
    const promote = document.paths?.["/v1/admin/models/{id}/promote"]?.post;
    expect(promote?.parameters).toEqual([expect.objectContaining({ in: "path", name: "id", required: true })]);
    const list = document.paths?.["/v1/admin/models"]?.get;
    expect((list?.parameters ?? []).map((parameter) => ("name" in parameter ? parameter.name : null))).toEqual(["slot", "kind", "status"]);
  });

  it("has example requests the app accepts (in order: items before the follows and events naming them)", async () => {
    const { authorization } = await engine.createApiKey(["admin"]);
    // The examples' ids, made unique to this file so other test files never see them.
    const isolate = (example: unknown) =>
      JSON.parse(JSON.stringify(example).replace(/"(item-42|creator-7|user-1|ev-1|ev-2)"/g, `"${engine.run}-$1"`)) as object;
    const sendable = routes.filter((route) => route.body?.sendable);
    expect(sendable.map((route) => route.path)).toEqual(["/v1/items", "/v1/users", "/v1/follows", "/v1/events", "/v1/recommendations"]);
    for (const route of sendable) {
      const response = await engine.app.inject({
        method: route.method.toUpperCase() as "PUT" | "POST",
        url: route.path,
        headers: { authorization },
        payload: isolate(route.body!.example),
      });
      expect({ route: route.path, status: response.statusCode, body: response.statusCode === 200 ? null : response.json() }).toEqual({
        route: route.path,
        status: 200,
        body: null,
      });
      if (route.path === "/v1/events") expect(response.json()).toMatchObject({ accepted: 2, rejected: 0 });
    }
  });
});
