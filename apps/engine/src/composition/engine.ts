// The composition root: the one place the engine is built. From what the caller opened (database,
// online store, event stream, models: server/engineDeps.ts) it builds, once, everything that
// outlives a request: metrics, API-key auth, the popularity list, the serving stack (rule sets,
// background lists, caches, page sessions), the recommendation service and the point-in-time
// previews. The HTTP app (server/app.ts) only registers routes over it. `npm start`, the tests and
// the benchmarks all build through here; they differ only in the deps and overrides they pass.
import type { FastifyInstance } from "fastify";
import { GuardrailWatcher } from "../experiments/guardrailWatcher.ts";
import { PointInTimePreviews } from "../replay/pointInTimePreviews.ts";
import { buildApp } from "../server/app.ts";
import { ApiKeyAuthenticator } from "../server/auth.ts";
import type { EngineDeps } from "../server/engineDeps.ts";
import type { RouteContext } from "../server/routeContext.ts";
import { RecommendationService } from "../serving/recommendationService.ts";
import { ServingStack } from "../serving/servingStack.ts";
import { warmUpRequestPath } from "../serving/requestPathWarmUp.ts";
import { PopularityRanking } from "../sources/popularityRanking.ts";
import { createEngineMetrics, type EngineMetrics } from "../telemetry/engineMetrics.ts";

export type Engine = {
  /** What the routes are given. */
  readonly context: RouteContext;
  readonly metrics: EngineMetrics;
  /** The funnel's long-lived parts (tests and benchmarks warm or refresh them directly). */
  readonly serving: ServingStack;
  /** Stops experiment variants whose guardrails regress (null when this engine serves no experiments, or deps.guardrailWatcher is false). */
  readonly guardrails: GuardrailWatcher | null;
  /** Starts the background work: the popularity list (when the engine owns it) and the serving stack's lists and rule-set reloads. */
  start(): Promise<void>;
  /** Stops what start() started and releases the engine's own connections (not the deps'). */
  stop(): Promise<void>;
};

export function buildEngine(deps: EngineDeps): Engine {
  const metrics = deps.metrics ?? createEngineMetrics();
  const auth = new ApiKeyAuthenticator(deps.db, deps.logger);
  // A popularity list passed in belongs to the caller (tests refresh it on demand); else the engine owns one.
  const ownsPopularity = deps.popularityRanking === undefined;
  const popularity =
    deps.popularityRanking ??
    new PopularityRanking(deps.db, deps.logger, {
      incremental: true,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.serving?.listsRefreshIntervalMs !== undefined ? { refreshIntervalMs: deps.serving.listsRefreshIntervalMs } : {}),
    });
  const serving = new ServingStack({ ...deps, metrics }, popularity);
  const maxEvents = deps.serving?.previewReplayMaxEvents;
  const previews = new PointInTimePreviews(
    { db: deps.db, logger: deps.logger, models: deps.activeModels ?? null },
    maxEvents === undefined ? {} : { maxEvents },
  );
  const recommendations = new RecommendationService(serving, previews);
  const guardrails =
    serving.experiments && deps.guardrailWatcher !== false
      ? new GuardrailWatcher({
          db: deps.db,
          logger: deps.logger,
          clock: serving.clock,
          ...(deps.serving?.guardrailCheckIntervalMs !== undefined ? { intervalMs: deps.serving.guardrailCheckIntervalMs } : {}),
          onStopped: () => recommendations.refreshExperiments(),
        })
      : null;
  const context: RouteContext = { deps, auth, ranking: popularity, metrics, recommendations, startedAt: performance.now() };
  return {
    context,
    metrics,
    serving,
    guardrails,
    async start() {
      if (ownsPopularity) popularity.start();
      await serving.start();
      const warmUp = await warmUpRequestPath(serving, deps.serving?.warmUpRequests ?? 0);
      if (warmUp.requests > 0) deps.logger.info(warmUp, "request path warmed up");
      guardrails?.start();
    },
    async stop() {
      await guardrails?.stop();
      await previews.close();
      await serving.stop();
      if (ownsPopularity) await popularity.stop();
      await auth.close();
    },
  };
}

export type EngineApp = { app: FastifyInstance; engine: Engine };

/**
 * The engine built from `deps` behind its HTTP app, ready to `listen` or `inject`: the engine starts
 * when the app is ready and stops when it closes.
 */
export async function buildEngineApp(deps: EngineDeps): Promise<EngineApp> {
  const engine = buildEngine(deps);
  const app = await buildApp(engine.context);
  app.addHook("onReady", async () => engine.start());
  app.addHook("onClose", async () => engine.stop());
  await app.ready();
  return { app, engine };
}
