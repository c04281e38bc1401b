// GET /v1/health — no authentication, for load balancers and operators.
//
// database: `SELECT 1` with its latency; store: a ping with its latency; model: the active model;
// models: the retrieval and ranker versions this engine has loaded (activeModels), with the last
// version it refused to load, if any.
// No model is trained before the first training run, and recommendations then come from the
// popularity ranking: that is expected, so the model reports "down" (honestly: no model serves)
// without lowering the overall status.
// onlineFeatures: the start-up warm-up (snapshot load / replay of the event log); training: the
// first start's background training; serving: per surface, the enabled sources and whether each
// can serve, and the ranking (healthServing.ts). clock: the business-time mode and its now (platform/clock.ts).
// Event pipeline (the consumers this process runs, if any; events/consumers/eventPipeline.ts
// `eventPipelineHealth`): a consumer group missing on the stream (Redis restarted empty, until
// the consumers recreate it), a group whose oldest unacknowledged entry is over 30 s old, or
// consumers failing 3 times in a row make the `store` section (Redis, which carries the stream)
// "degraded" with the problems in its detail — the core health schema has no section of its own
// for the pipeline yet.
// Overall: "down" and HTTP 503 when the database is down (nothing works without it); "degraded"
// (HTTP 200) when only the online store is down, the event pipeline is degraded, or the online
// features are still warming (or their warm-up failed); "ok" otherwise. Each probe gives up after
// PROBE_TIMEOUT_MS so the endpoint answers even when a dependency hangs; error details go to the
// log, not to this unauthenticated response.
import { healthResponse, type HealthResponse, type OnlineFeaturesHealth, type TrainingHealth } from "@cascade/core";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { wallClock } from "../../platform/clock.ts";
import { declareRoute } from "../routeDeclaration.ts";
import type { RouteContext } from "../routeContext.ts";
import { createServingHealth } from "./healthServing.ts";
import { eventPipelineHealth } from "../../events/consumers/eventPipeline.ts";
import type { ModelLoadError } from "../../models/activeModels.ts";

const PROBE_TIMEOUT_MS = 2_000;
const IDLE_TRAINING: TrainingHealth = { state: "idle", step: null, progress: null, stepEtaSeconds: null, startedAt: null, finishedAt: null };

type ProbeResult = { status: "ok" | "degraded" | "down"; latencyMs?: number; detail?: string };

export function registerHealthRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db, store, info, startup, activeModels } = context.deps;
  const clock = context.deps.clock ?? wallClock;
  const servingHealth = createServingHealth(db);

  declareRoute(
    app,
    null,
    {
      method: "get",
      path: "/v1/health",
      operationId: "health",
      tag: "operations",
      summary: "Health of the engine and its dependencies",
      description:
        "For load balancers: 200 while the database answers (`degraded` when the online store is down, this engine's event consumers are not keeping up — a consumer group missing, failing or over 30 s behind, said in `store.detail` — or the online features are still warming up after a start), 503 when the database is down. Also reports the start-up replay of online features, the first start's background training, and per surface which enabled sources can serve and how candidates are ranked.",
      scope: null,
      responses: {
        200: { description: "Up (status `ok` or `degraded`)", schema: healthResponse },
        503: { description: "Down: the database does not answer", schema: healthResponse },
      },
      errors: [],
    },
    async (request, reply) => {
      const [database, storeProbe, pipeline] = await Promise.all([
        probe("database", () => db.$queryRaw`SELECT 1`, request.log),
        probe("online store", () => store.ping(), request.log),
        eventPipelineHealth(context.deps.eventStream, PROBE_TIMEOUT_MS).catch((error: unknown) => {
          request.log.warn({ err: error }, "health could not read the event pipeline");
          return { status: "degraded" as const, problems: ["the event pipeline's health could not be read"] };
        }),
      ]);
      if (pipeline?.status === "degraded") request.log.warn({ problems: pipeline.problems }, "event pipeline degraded");
      const onlineStore: ProbeResult =
        pipeline?.status === "degraded" && storeProbe.status === "ok"
          ? { ...storeProbe, status: "degraded", detail: `event pipeline: ${pipeline.problems.join("; ")}` }
          : storeProbe;
      const onlineFeatures: OnlineFeaturesHealth = startup?.onlineFeatures() ?? {
        status: "ready",
        source: info.storeMode === "redis" ? "redis" : "live",
        eventsReplayed: 0,
        progress: 1,
        snapshotAt: null,
      };
      const training: TrainingHealth = startup?.training() ?? IDLE_TRAINING;
      // Without the database there are no configs to read: the section is empty, the status says why.
      const serving =
        database.status === "down"
          ? { surfaces: [] }
          : await servingHealth(activeModels?.status() ?? null, onlineFeatures).catch((error: unknown) => {
              request.log.warn({ err: error }, "health could not read the published surface configs");
              return { surfaces: [] };
            });
      const status = database.status === "down" ? "down" : onlineStore.status !== "ok" || onlineFeatures.status !== "ready" ? "degraded" : "ok";
      const body: HealthResponse = {
        status,
        version: info.version,
        uptimeSeconds: Math.round((performance.now() - context.startedAt) / 1000),
        database: { ...database, mode: info.databaseMode },
        store: { ...onlineStore, mode: info.storeMode },
        model: modelHealth(context),
        models: servingModels(context),
        onlineFeatures,
        training,
        serving,
        clock: { mode: clock.mode, now: new Date(clock.nowMs()).toISOString() },
      };
      return reply
        .status(status === "down" ? 503 : 200)
        .header("cache-control", "no-store")
        .send(body);
    },
  );
}

async function probe(name: string, check: () => Promise<unknown>, log: FastifyBaseLogger): Promise<ProbeResult> {
  const startedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), PROBE_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([check().then(() => "answered" as const), timeout]);
    if (outcome === "timeout") {
      log.warn({ dependency: name }, "health probe timed out");
      return { status: "down", detail: `no answer within ${PROBE_TIMEOUT_MS} ms` };
    }
    return { status: "ok", latencyMs: Math.round((performance.now() - startedAt) * 100) / 100 };
  } catch (error) {
    log.warn({ err: error, dependency: name }, "health probe failed");
    return { status: "down", detail: "unreachable" };
  } finally {
    clearTimeout(timer);
  }
}

function servingModels(context: RouteContext): HealthResponse["models"] {
  const status = context.deps.activeModels?.status();
  return {
    retrieval: status?.retrieval ?? null,
    ranker: status?.ranker ?? null,
    itemToItem: status?.itemToItem ?? null,
    ...(status?.lastError ? { lastError: status.lastError } : {}),
  };
}

function modelHealth(context: RouteContext): HealthResponse["model"] {
  const status = context.deps.activeModels?.status();
  const loaded = [status?.retrieval, status?.itemToItem, status?.ranker].filter((model) => model != null);
  if (loaded.length === 0) return { status: "down", active: null, detail: modelDetail(context, status?.lastError) };
  const refused = status?.lastError ? `; refused ${status.lastError.slot} version ${status.lastError.version}: ${status.lastError.message}` : "";
  return {
    status: status?.lastError ? "degraded" : "ok",
    active: loaded.map((model) => `${model.name} v${model.version}`).join(", "),
    ...(refused ? { detail: `serving the previous version${refused}` } : {}),
  };
}

// With no model loaded, a refused load is the reason (a version is active in the registry but this
// engine could not load it, e.g. a corrupt file promoted, or the engine restarted with one active):
// saying "no trained model is active yet" would hide it.
function modelDetail(context: RouteContext, lastError: ModelLoadError | undefined): string {
  const fallback = context.ranking.degraded
    ? "the popularity ranking's last refresh failed; serving the previous one"
    : "recommendations come from the popularity ranking";
  if (lastError) return `refused ${lastError.slot} version ${lastError.version}: ${lastError.message}; no model serves; ${fallback}`;
  return `no trained model is active yet; ${fallback}`;
}
