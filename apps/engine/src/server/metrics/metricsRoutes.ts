// GET /metrics — Prometheus text exposition, unauthenticated like /v1/health (scrapers run inside
// the operator's network; the numbers reveal no user data).
//
// Also instruments every request with app-wide hooks: count and latency per method, route
// pattern and status class, and the outcome counts of POST /v1/events batches (read from the
// response object before serialization, so the route itself stays unaware of metrics). Model
// versions are read from the serving models at each scrape, so they are never stale and the model
// loader needs no metrics code.
// Must be registered before the routes it should see (it only adds hooks and one declared route).
import type { IngestEventsResponse, ServingModels } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { declareRoute } from "../routeDeclaration.ts";
import type { EngineMetrics } from "../../telemetry/engineMetrics.ts";

export const METRICS_PATH = "/metrics";
const EVENTS_ROUTE = "/v1/events";

export type MetricsRouteOptions = {
  /** What the engine serves, read at each scrape into `cascade_model_info` (null: no model registry). */
  servingModels?: () => ServingModels | null;
};

export function registerMetricsRoutes(app: FastifyInstance, metrics: EngineMetrics, options: MetricsRouteOptions = {}): void {
  app.addHook("onResponse", async (request, reply) => {
    metrics.observeHttpRequest({
      method: request.method,
      // A request no route matched has no pattern; its raw URL must not become a label.
      route: request.routeOptions.url ?? "unmatched",
      statusCode: reply.statusCode,
      durationMs: reply.elapsedTime,
    });
  });

  app.addHook("preSerialization", async (request, reply, payload: unknown) => {
    if (request.routeOptions.url === EVENTS_ROUTE && reply.statusCode === 200 && isIngestResponse(payload)) {
      metrics.countIngestedEvents({ accepted: payload.accepted, duplicates: payload.duplicates, rejected: payload.rejected });
    }
    return payload;
  });

  declareRoute(
    app,
    null,
    {
      method: "get",
      path: METRICS_PATH,
      operationId: "metrics",
      tag: "operations",
      summary: "Prometheus metrics (text exposition format)",
      description:
        "Request rate and latency per route, event ingestion outcomes, funnel stage/component latency, candidates per source, fallbacks, missing-feature defaults, model versions, process metrics.",
      scope: null,
      responses: { 200: { description: "Metrics in the Prometheus text format", schema: z.string(), mediaType: "text/plain" } },
      errors: [],
    },
    async (_request, reply) => {
      const serving = options.servingModels?.();
      if (serving !== undefined) {
        for (const slot of ["retrieval", "ranker"] as const) {
          const model = serving?.[slot] ?? null;
          metrics.setServingModel(slot, model ? { kind: model.kind, version: String(model.version) } : null);
        }
      }
      const { contentType, body } = await metrics.exposition();
      return reply.header("content-type", contentType).header("cache-control", "no-store").send(body);
    },
  );
}

function isIngestResponse(payload: unknown): payload is IngestEventsResponse {
  if (typeof payload !== "object" || payload === null) return false;
  const counts = payload as Partial<Record<keyof IngestEventsResponse, unknown>>;
  return typeof counts.accepted === "number" && typeof counts.duplicates === "number" && typeof counts.rejected === "number";
}
