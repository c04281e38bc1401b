// Remembers every route registered on an app after `collectRoutes` was called (Fastify offers no
// structured route list), so the OpenAPI route and its test can check that each one is documented.
import type { FastifyInstance } from "fastify";

export type RegisteredRoute = { method: string; url: string };

const collected = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Call before registering routes: only routes added afterwards are seen. */
export function collectRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  collected.set(app, routes);
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: method.toUpperCase(), url: route.url });
  });
}

/**
 * The routes collected on `app`, without the HEAD twins Fastify adds to every GET route (they
 * answer like the GET and need no documentation of their own).
 */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes = collected.get(app);
  if (!routes) throw new Error("collectRoutes(app) was not called before the routes were registered");
  return routes.filter((route) => route.method !== "HEAD");
}

/** Fastify's `/v1/rules/:surface` → OpenAPI's `/v1/rules/{surface}`. */
export function toOpenApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}
