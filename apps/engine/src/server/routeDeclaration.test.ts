// declareRoute / collectDeclaredRoutes on a bare Fastify app, with a stand-in authenticator.
import type { ApiKeyScope } from "@cascade/core";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { registerErrorHandling, unauthorized } from "./errors.ts";
import { collectDeclaredRoutes, declareRoute, toFastifyPath, type RouteDeclaration, type ScopeGuard } from "./routeDeclaration.ts";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function collectingApp(): FastifyInstance {
  const app = Fastify();
  apps.push(app);
  registerErrorHandling(app);
  collectDeclaredRoutes(app);
  return app;
}

/** Lets a request through with `Authorization: Bearer <scope>`; records the scopes it was asked for. */
function fakeAuth(): ScopeGuard & { asked: ApiKeyScope[] } {
  const asked: ApiKeyScope[] = [];
  return {
    asked,
    requireScope(scope) {
      asked.push(scope);
      return async (request: FastifyRequest) => {
        if (request.headers.authorization !== `Bearer ${scope}`) throw unauthorized("no key for this scope");
      };
    },
  };
}

function declaration(overrides: Partial<RouteDeclaration> = {}): RouteDeclaration {
  return {
    method: "get",
    path: "/v1/things/{id}",
    operationId: "getThing",
    tag: "things",
    summary: "A thing",
    scope: null,
    params: z.object({ id: z.string() }),
    responses: { 200: { description: "The thing", schema: z.object({ id: z.string() }) } },
    errors: [],
    ...overrides,
  };
}

function publicRoute(overrides: Partial<RouteDeclaration> = {}): RouteDeclaration & { scope: null } {
  return { ...declaration(overrides), scope: null };
}

describe("declareRoute", () => {
  it("registers the route at its Fastify path and lists its declaration once (not the HEAD twin)", async () => {
    const app = collectingApp();
    const thing = publicRoute();
    declareRoute(app, null, thing, async (request) => ({ id: (request.params as { id: string }).id }));
    await app.ready();
    const response = await app.inject({ method: "GET", url: "/v1/things/abc" });
    expect({ status: response.statusCode, body: response.json() }).toEqual({ status: 200, body: { id: "abc" } });
    expect((await app.inject({ method: "HEAD", url: "/v1/things/abc" })).statusCode).toBe(200);
    expect(app.declaredRoutes).toEqual([thing]);
  });

  it("applies the declared scope before the handler, and no authentication for scope null", async () => {
    const app = collectingApp();
    const auth = fakeAuth();
    let handled = 0;
    declareRoute(app, auth, declaration({ method: "post", path: "/v1/private", operationId: "private", scope: "ingest" }), async () => ({
      handled: ++handled,
    }));
    declareRoute(app, auth, publicRoute({ path: "/v1/public", operationId: "public" }), async () => ({ public: true }));
    await app.ready();
    expect(auth.asked).toEqual(["ingest"]);

    const refused = await app.inject({ method: "POST", url: "/v1/private", payload: {} });
    expect({ status: refused.statusCode, code: refused.json<{ error: { code: string } }>().error.code, handled }).toEqual({
      status: 401,
      code: "unauthorized",
      handled: 0,
    });
    const wrongScope = await app.inject({ method: "POST", url: "/v1/private", headers: { authorization: "Bearer admin" }, payload: {} });
    expect(wrongScope.statusCode).toBe(401);
    const allowed = await app.inject({ method: "POST", url: "/v1/private", headers: { authorization: "Bearer ingest" }, payload: {} });
    expect({ status: allowed.statusCode, body: allowed.json() }).toEqual({ status: 200, body: { handled: 1 } });
    expect((await app.inject({ method: "GET", url: "/v1/public" })).statusCode).toBe(200);
  });

  it("keeps route options that are not part of the contract (body limit)", async () => {
    const app = collectingApp();
    declareRoute(app, null, publicRoute({ method: "post", path: "/v1/small", operationId: "small" }), async () => ({ ok: true }), { bodyLimit: 16 });
    await app.ready();
    const response = await app.inject({ method: "POST", url: "/v1/small", payload: { text: "more than sixteen bytes" } });
    expect(response.statusCode).toBe(413);
  });

  it("refuses a scoped route without an authenticator", () => {
    const app = collectingApp();
    // @ts-expect-error a scoped declaration needs an authenticator
    expect(() => declareRoute(app, null, declaration({ scope: "admin" }), async () => ({}))).toThrow(/needs an authenticator/);
  });
});

describe("collectDeclaredRoutes", () => {
  it("refuses a route registered without a declaration", async () => {
    const app = collectingApp();
    const register = async () => {
      app.get("/v1/secret", async () => ({}));
      await app.ready();
    };
    await expect(register()).rejects.toThrow(/GET \/v1\/secret was registered without a declaration/);
  });

  it("refuses two routes with one operationId", async () => {
    const app = collectingApp();
    const register = async () => {
      declareRoute(app, null, publicRoute(), async () => ({}));
      declareRoute(app, null, publicRoute({ method: "delete" }), async () => ({}));
      await app.ready();
    };
    await expect(register()).rejects.toThrow(/operationId "getThing" is declared twice/);
  });
});

describe("toFastifyPath", () => {
  it("converts OpenAPI path templates to Fastify parameters", () => {
    expect(toFastifyPath("/v1/rules/{surface}/versions/{version}")).toBe("/v1/rules/:surface/versions/:version");
    expect(toFastifyPath("/v1/health")).toBe("/v1/health");
  });
});
