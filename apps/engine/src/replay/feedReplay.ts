// Replay of the served funnel (issue 10, item 4): the page the engine would have served a user at
// business time T, computed by the engine's own serving code — the same ServingStack (sources,
// hydrators, safety filters, ranker or retrieval prior, rules, exploration, safe fallback) and the
// same RecommendationService path as POST /v1/recommendations — with every input as of T:
//   - online features: a private in-process store filled from the event log up to T, applied at T
//     (the same backfill the embedded engine runs at start), so decayed and windowed features read
//     what a live engine would have held at T, never today's Redis;
//   - trending, popularity, fresh items, co-visitation: lists computed as of a fixed clock at T;
//   - the user's history, consumed items and follows: events up to T only;
//   - models: whatever the caller passes (the registry's active versions for `cascade replay` and
//     `cascade eval`), since the registry keeps no "active at T" history.
// Nothing is recorded: no page session, metrics, served-feature or impression log. Time budgets
// are not replayed: every budget is raised (replayBudgets) so that a replay shows what the pipeline
// decides, not how busy the machine was; a live request that times out serves less than this.
//
// One replay is built for one T and then answers for any number of users (eval replays every test
// user as of the end of the training data); building it costs one pass over the log up to T.
import type { FunnelTrace, RecommendationsResponse, SurfaceConfig } from "@cascade/core";
import type { Database } from "@cascade/db";
import pino, { type Logger } from "pino";
import { fixedClock } from "../platform/clock.ts";
import { silentProgress, type ProgressReporter } from "../telemetry/progress.ts";
import { backfillOnlineFeatures } from "../jobs/backfillOnlineFeatures.ts";
import { newestEventTime } from "../training/dataset/eventLog.ts";
import { ActiveModels } from "../models/activeModels.ts";
import { PopularityRanking } from "../sources/popularityRanking.ts";
import { RecommendationService } from "../serving/recommendationService.ts";
import { ServingStack, type ServingModels } from "../serving/servingStack.ts";
import { createMemoryOnlineStore } from "../stores/memoryOnlineStore.ts";

export type FeedReplayOptions = {
  /** Business time T of every replayed page. */
  asOfMs: number;
  /** The models to serve with (null: none, as before the first training). */
  models: ServingModels | null;
  progress?: ProgressReporter;
};

export type ReplayRequest = {
  userId: string;
  surface: string;
  count: number;
  /** Items the client would have excluded (e.g. a benchmark's masked validation items). */
  excludeItemIds?: readonly string[];
  /** false: the surface's exploration switched off (a deterministic page). Default true: as served. */
  exploration?: boolean;
  /** A config to replay instead of the published one (a draft, tuned weights). */
  config?: SurfaceConfig;
};

export type ReplayedFeed = { response: RecommendationsResponse; trace: FunnelTrace | null };

/** Every budget at the schema's maximum: a replay never loses a component to a timeout. */
export function replayBudgets(config: SurfaceConfig): SurfaceConfig {
  return {
    ...config,
    sources: config.sources.map((source) => ({ ...source, budgetMs: REPLAY_BUDGET_MS })),
    hydrationBudgetMs: REPLAY_BUDGET_MS,
    scoringBudgetMs: REPLAY_BUDGET_MS,
    safetyBudgetMs: Math.max(config.safetyBudgetMs, REPLAY_BUDGET_MS),
  };
}

const REPLAY_BUDGET_MS = 2_000;

export class FeedReplay {
  private constructor(
    readonly asOfMs: number,
    readonly eventsReplayed: number,
    private readonly stack: ServingStack,
    private readonly popularity: PopularityRanking,
    private readonly service: RecommendationService,
  ) {}

  static async create(base: { db: Database; logger: Logger }, options: FeedReplayOptions): Promise<FeedReplay> {
    const { db, logger } = base;
    const asOf = new Date(options.asOfMs);
    const clock = fixedClock(options.asOfMs);
    const store = createMemoryOnlineStore({ now: () => options.asOfMs });
    // A first fill of an empty private store: no ledger needed (idempotent: false).
    // `to` is exclusive: an event at exactly T has happened at T (as the consumed filter counts it).
    const filled = await backfillOnlineFeatures(db, store, {
      to: new Date(options.asOfMs + 1),
      now: () => asOf,
      idempotent: false,
      progress: options.progress ?? silentProgress,
    });
    const popularity = new PopularityRanking(db, logger, { clock });
    const stack = new ServingStack(
      {
        db,
        logger,
        store,
        clock,
        ...(options.models ? { activeModels: options.models } : {}),
        // Caches never expire mid-replay (nothing changes "as of" T); the lists are loaded once below.
        serving: { listsRefreshIntervalMs: 24 * 3_600_000, coVisitationRefreshIntervalMs: 24 * 3_600_000, experiments: false },
      },
      popularity,
    );
    await Promise.all([stack.warm(), popularity.refresh()]);
    return new FeedReplay(options.asOfMs, filled.events, stack, popularity, new RecommendationService(stack));
  }

  /** The surface's config as the replay serves it (published, else the built-in default). */
  configFor(surface: string): SurfaceConfig {
    return this.stack.rules.configFor(surface).config;
  }

  async feed(request: ReplayRequest): Promise<ReplayedFeed> {
    let config = replayBudgets(request.config ?? this.configFor(request.surface));
    if (request.exploration === false) config = { ...config, exploration: { policy: "none" } };
    return this.service.replay({
      userId: request.userId,
      surface: request.surface,
      count: request.count,
      nowMs: this.asOfMs,
      excludeItemIds: request.excludeItemIds ?? [],
      config,
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.stack.stop(), this.popularity.stop()]);
  }
}

/**
 * For the CLI's offline commands: a replay with the registry's active models (loaded once, not
 * followed), as of `asOfMs` (default: just after the newest event), closed after `work`. Warnings
 * go to stderr, away from the command's output.
 */
export async function withActiveModelsReplay<T>(
  db: Database,
  options: { asOfMs?: number; progress?: ProgressReporter },
  work: (replay: FeedReplay, models: ActiveModels) => Promise<T>,
): Promise<T> {
  const asOfMs = options.asOfMs ?? (await newestEventTime(db)).getTime();
  const logger = pino({ level: "warn" }, pino.destination(2));
  const models = new ActiveModels({ db, logger, pollIntervalMs: 0 });
  let replay: FeedReplay | null = null;
  try {
    await models.start();
    replay = await FeedReplay.create({ db, logger }, { asOfMs, models, ...(options.progress ? { progress: options.progress } : {}) });
    return await work(replay, models);
  } finally {
    await replay?.close();
    await models.stop();
  }
}
