// The engine's Prometheus metrics, one prom-client Registry per instance (tests and several apps
// in one process never share series). Callers record through the typed methods below, in
// milliseconds; they never import prom-client. Exposed at GET /metrics (see metricsRoutes.ts).
//
// Latencies are histograms in seconds (Prometheus convention), recorded through ResolvedHistogram
// (resolvedHistogram.ts: prom-client's own per-observation label hashing was ~2% of a loaded
// engine thread). Every bucket of every label
// combination is a line of each scrape, so buckets are few and labels bounded: requests get the
// finest buckets (1 ms … 2.5 s, for latency objectives), funnel stages per surface coarser ones, and
// components (the most series) a handful per component id, not per surface — the stage histogram
// already has the surface. A scrape of the demo after a mixed load: 171 KB before, see
// docs/operations.md for the figures now.
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { ResolvedHistogram } from "./resolvedHistogram.ts";
import { BoundedLabelValues } from "./boundedLabels.ts";

/** HTTP requests: fine around the 20 ms objective, up to seconds. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1, 2.5];
/** One funnel stage of one request (budgets are tens of milliseconds). */
export const STAGE_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];
/** One funnel component of one request: fast, slow, over a typical budget. */
export const COMPONENT_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.25];
/** Candidates one source returned for one request: from none up to a large retrieval. */
export const CANDIDATE_COUNT_BUCKETS = [0, 10, 100, 500, 2500];
/** Distinct values kept per free-form label (surface, source, component, feature…). */
const MAX_LABEL_VALUES = 100;

/** Why a component's output was replaced by a fallback. */
export type FallbackReason = "timeout" | "error" | "unavailable";

export type HttpRequestObservation = {
  method: string;
  /** The route pattern (`/v1/items`), never the raw URL; unmatched requests use "unmatched". */
  route: string;
  statusCode: number;
  durationMs: number;
};

/**
 * Recording never throws: a non-finite duration or count (a bug upstream) is dropped rather than
 * failing the request that reports it.
 */
export type EngineMetrics = {
  observeHttpRequest(observation: HttpRequestObservation): void;
  /** Outcome counts of one POST /v1/events batch. */
  countIngestedEvents(counts: { accepted: number; duplicates: number; rejected: number }): void;
  /** Wall time of one funnel stage (e.g. "retrieval", "ranking", "rules") for one request. */
  observeStage(labels: { surface: string; stage: string }, durationMs: number): void;
  /** Wall time of one component (a source, filter, hydrator, scorer…) inside a stage; recorded per stage and component, across surfaces. */
  observeComponent(labels: { surface: string; stage: string; component: string }, durationMs: number): void;
  /** How many candidates a source contributed to one request (before merge/dedupe). */
  observeCandidates(labels: { surface: string; source: string }, count: number): void;
  /** A component failed open and its output was replaced (or left out). */
  countFallback(labels: { surface: string; component: string; reason: FallbackReason }): void;
  /** One served recommendation response; `degraded` when any fallback was used. */
  countRecommendationResponse(labels: { surface: string; degraded: boolean }): void;
  /** A funnel request turned away by admission control (503 `overloaded`), by route and why (server/funnelAdmission.ts). */
  countShedRequest(labels: { route: string; reason: string }): void;
  /** A first page's session could not be kept (its cursor will read as expired). */
  countPageSessionWriteFailure(): void;
  /** Features that were missing in the online store and took their declared default. */
  countMissingFeatureDefaults(labels: { surface: string; feature: string }, count: number): void;
  /**
   * The model now serving in `slot` ("retrieval", "ranker"…), or null for none; replaces the slot's
   * previous series, so `cascade_model_info` always has one series per serving slot.
   */
  setServingModel(slot: string, model: { kind: string; version: string } | null): void;
  /** The text exposition of every metric, with the content type to send it with. */
  exposition(): Promise<{ contentType: string; body: string }>;
};

export type EngineMetricsOptions = {
  /** Default process metrics (CPU, memory, event loop lag, GC); on unless turned off. */
  processMetrics?: boolean;
  prefix?: string;
};

export function createEngineMetrics(options: EngineMetricsOptions = {}): EngineMetrics {
  const prefix = options.prefix ?? "cascade_";
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const bounded = {
    route: new BoundedLabelValues(MAX_LABEL_VALUES),
    surface: new BoundedLabelValues(MAX_LABEL_VALUES),
    stage: new BoundedLabelValues(MAX_LABEL_VALUES),
    component: new BoundedLabelValues(MAX_LABEL_VALUES),
    source: new BoundedLabelValues(MAX_LABEL_VALUES),
    feature: new BoundedLabelValues(MAX_LABEL_VALUES),
    modelKind: new BoundedLabelValues(MAX_LABEL_VALUES),
    modelSlot: new BoundedLabelValues(MAX_LABEL_VALUES),
  };

  const httpRequests = new Counter({
    name: `${prefix}http_requests_total`,
    help: "HTTP requests answered, by method, route pattern and status class",
    labelNames: ["method", "route", "status_class"] as const,
    registers: [registry],
  });
  const httpDuration = new ResolvedHistogram(
    `${prefix}http_request_duration_seconds`,
    "Time from receiving a request to sending its response, by method and route pattern (statuses: http_requests_total)",
    ["method", "route"],
    LATENCY_BUCKETS_SECONDS,
    registry,
  );
  const ingestedEvents = new Counter({
    name: `${prefix}events_ingested_total`,
    help: "Events received by POST /v1/events, by outcome (accepted, duplicate, rejected)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const stageDuration = new ResolvedHistogram(
    `${prefix}funnel_stage_duration_seconds`,
    "Time spent in each funnel stage per request",
    ["surface", "stage"],
    STAGE_BUCKETS_SECONDS,
    registry,
  );
  const componentDuration = new ResolvedHistogram(
    `${prefix}funnel_component_duration_seconds`,
    "Time spent in each funnel component per request, across surfaces",
    ["stage", "component"],
    COMPONENT_BUCKETS_SECONDS,
    registry,
  );
  const candidates = new ResolvedHistogram(
    `${prefix}funnel_candidates`,
    "Candidates each source returned per request",
    ["surface", "source"],
    CANDIDATE_COUNT_BUCKETS,
    registry,
  );
  const fallbacks = new Counter({
    name: `${prefix}funnel_fallbacks_total`,
    help: "Components that failed open and were replaced by a fallback, by reason",
    labelNames: ["surface", "component", "reason"] as const,
    registers: [registry],
  });
  const responses = new Counter({
    name: `${prefix}recommendation_responses_total`,
    help: "Recommendation responses served, by surface and whether they were degraded",
    labelNames: ["surface", "degraded"] as const,
    registers: [registry],
  });
  const shedRequests = new Counter({
    name: `${prefix}requests_shed_total`,
    help: "Funnel requests answered 503 overloaded by admission control, by route pattern and reason (in_flight, queue_wait, event_loop_delay)",
    labelNames: ["route", "reason"] as const,
    registers: [registry],
  });
  const pageSessionWriteFailures = new Counter({
    name: `${prefix}page_session_write_failures_total`,
    help: "First pages served whose page session could not be stored (their cursors then answer 400 invalid_cursor)",
    registers: [registry],
  });
  const missingFeatures = new Counter({
    name: `${prefix}feature_default_values_total`,
    help: "Feature values missing from the online store that took their declared default",
    labelNames: ["surface", "feature"] as const,
    registers: [registry],
  });
  const modelInfo = new Gauge({
    name: `${prefix}model_info`,
    help: "The model version serving in each slot (value 1; the labels carry the information)",
    labelNames: ["slot", "kind", "version"] as const,
    registers: [registry],
  });
  const servingModels = new Map<string, { kind: string; version: string }>();

  return {
    observeHttpRequest({ method, route, statusCode, durationMs }) {
      if (!Number.isFinite(durationMs)) return;
      const boundedRoute = bounded.route.admit(route);
      httpRequests.inc({ method, route: boundedRoute, status_class: statusClass(statusCode) });
      httpDuration.observe(httpDuration.seriesOf(method, boundedRoute), durationMs / 1000);
    },
    countIngestedEvents({ accepted, duplicates, rejected }) {
      if (accepted > 0) ingestedEvents.inc({ outcome: "accepted" }, accepted);
      if (duplicates > 0) ingestedEvents.inc({ outcome: "duplicate" }, duplicates);
      if (rejected > 0) ingestedEvents.inc({ outcome: "rejected" }, rejected);
    },
    observeStage({ surface, stage }, durationMs) {
      if (!Number.isFinite(durationMs)) return;
      stageDuration.observe(stageDuration.seriesOf(bounded.surface.admit(surface), bounded.stage.admit(stage)), durationMs / 1000);
    },
    observeComponent({ stage, component }, durationMs) {
      if (!Number.isFinite(durationMs)) return;
      componentDuration.observe(componentDuration.seriesOf(bounded.stage.admit(stage), bounded.component.admit(component)), durationMs / 1000);
    },
    observeCandidates({ surface, source }, count) {
      if (!Number.isFinite(count)) return;
      candidates.observe(candidates.seriesOf(bounded.surface.admit(surface), bounded.source.admit(source)), count);
    },
    countFallback({ surface, component, reason }) {
      fallbacks.inc({ surface: bounded.surface.admit(surface), component: bounded.component.admit(component), reason });
    },
    countRecommendationResponse({ surface, degraded }) {
      responses.inc({ surface: bounded.surface.admit(surface), degraded: String(degraded) });
    },
    countShedRequest({ route, reason }) {
      shedRequests.inc({ route: bounded.route.admit(route), reason });
    },
    countPageSessionWriteFailure() {
      pageSessionWriteFailures.inc();
    },
    countMissingFeatureDefaults({ surface, feature }, count) {
      if (count > 0) missingFeatures.inc({ surface: bounded.surface.admit(surface), feature: bounded.feature.admit(feature) }, count);
    },
    setServingModel(slot, model) {
      const boundedSlot = bounded.modelSlot.admit(slot);
      const previous = servingModels.get(boundedSlot);
      if (previous && previous.kind === model?.kind && previous.version === model.version) return;
      if (previous) modelInfo.remove({ slot: boundedSlot, ...previous });
      if (model === null) {
        servingModels.delete(boundedSlot);
        return;
      }
      const labels = { kind: bounded.modelKind.admit(model.kind), version: model.version };
      servingModels.set(boundedSlot, labels);
      modelInfo.set({ slot: boundedSlot, ...labels }, 1);
    },
    async exposition() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** 200 → "2xx": one series per class, not per status code. */
export function statusClass(statusCode: number): string {
  return `${Math.floor(statusCode / 100)}xx`;
}
