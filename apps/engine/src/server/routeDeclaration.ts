// Every HTTP route is declared once, beside its handler: `declareRoute(app, auth, {method, path,
// operationId, …, scope, body, responses, errors}, handler)` registers it on Fastify with the
// authentication its `scope` asks for, and the same declaration is what /v1/openapi.json documents
// (openapi/openApiDocument.ts). There is no second list of routes to keep in sync:
// `collectDeclaredRoutes(app)` gathers the declarations as the routes are registered and refuses,
// at startup, any route registered without one (e.g. a plain `app.get`).
//
// Request validation stays in the handlers (parseInput and friends, 400 `validation_failed`
// naming the field); the schemas here document the contract, they are not Fastify's validators.
import type { ApiKeyScope } from "@cascade/core";
import type { FastifyInstance, RouteHandlerMethod } from "fastify";
import type { z } from "zod";
import type { ApiKeyAuthenticator } from "./auth.ts";

export type HttpMethod = "get" | "put" | "post" | "delete" | "patch";

/** Error statuses a route can answer; openapi/openApiDocument.ts describes each one's codes. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

/** What a route with a JSON body and an API key can answer besides its success. */
export const JSON_BODY_ERRORS: ErrorStatus[] = [400, 401, 403, 413, 415, 503];

export type DeclaredResponse = { description: string; schema: z.ZodType; mediaType?: string };

export type RouteDeclaration = {
  method: HttpMethod;
  /** OpenAPI style (`/v1/admin/models/{id}/promote`); registered on Fastify as `/v1/admin/models/:id/promote`. */
  path: string;
  /** Unique across the app: client generators name methods after it. */
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
  responses: Partial<Record<number, DeclaredResponse>>;
  errors: ErrorStatus[];
};

/** Route options that are not part of the API contract. */
export type RouteRuntimeOptions = { bodyLimit?: number };

/** What applies a scope: the app's API-key authenticator. */
export type ScopeGuard = Pick<ApiKeyAuthenticator, "requireScope">;

declare module "fastify" {
  interface FastifyContextConfig {
    /** Set by `declareRoute`; a route without it is refused by `collectDeclaredRoutes`. */
    declaration?: RouteDeclaration;
  }
  interface FastifyInstance {
    /** The declarations of the routes registered so far, in registration order (see `collectDeclaredRoutes`). */
    declaredRoutes: readonly RouteDeclaration[];
  }
}

/** Registers a route needing no API key. */
export function declareRoute(
  app: FastifyInstance,
  auth: null,
  declaration: RouteDeclaration & { scope: null },
  handler: RouteHandlerMethod,
  options?: RouteRuntimeOptions,
): void;
/** Registers a route; a non-null `scope` is enforced by `auth` before the body is read. */
export function declareRoute(
  app: FastifyInstance,
  auth: ScopeGuard,
  declaration: RouteDeclaration,
  handler: RouteHandlerMethod,
  options?: RouteRuntimeOptions,
): void;
export function declareRoute(
  app: FastifyInstance,
  auth: ScopeGuard | null,
  declaration: RouteDeclaration,
  handler: RouteHandlerMethod,
  options: RouteRuntimeOptions = {},
): void {
  const { scope } = declaration;
  if (scope !== null && auth === null) throw new Error(`${declaration.operationId}: scope "${scope}" needs an authenticator`);
  app.route({
    method: declaration.method.toUpperCase() as Uppercase<HttpMethod>,
    url: toFastifyPath(declaration.path),
    ...(scope !== null && auth !== null ? { onRequest: auth.requireScope(scope) } : {}),
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    config: { declaration },
    handler,
  });
}

/**
 * Call before registering routes: from then on every route must come from `declareRoute` (any
 * other registration throws), and `app.declaredRoutes` lists their declarations.
 */
export function collectDeclaredRoutes(app: FastifyInstance): void {
  const declarations: RouteDeclaration[] = [];
  app.decorate("declaredRoutes", declarations);
  app.addHook("onRoute", (route) => {
    const declaration = route.config?.declaration;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((method) => method.toUpperCase());
    if (!declaration) throw new Error(`${methods.join(",")} ${route.url} was registered without a declaration: use declareRoute (server/routeDeclaration.ts)`);
    // Fastify adds a HEAD twin to every GET route, with the same options: it answers like the GET.
    if (methods.length === 1 && methods[0] === "HEAD" && declaration.method === "get") return;
    const duplicate = declarations.find((declared) => declared.operationId === declaration.operationId);
    if (duplicate) throw new Error(`operationId "${declaration.operationId}" is declared twice (${duplicate.path} and ${declaration.path})`);
    declarations.push(declaration);
  });
}

/** OpenAPI's `/v1/rules/{surface}` → Fastify's `/v1/rules/:surface`. */
export function toFastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}
