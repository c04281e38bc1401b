// Everything the serving funnel needs that outlives a request, built once per app: the rule-set
// repository (hot reload), the background lists behind the in-memory sources (trending, fresh
// items, co-visitation), the item attribute cache, page sessions, and the popularity ranking the
// fallback chain ends with. start()/stop() follow the app's lifecycle.
// Business time comes from one clock (deps.clock, platform/clock.ts): every request's `nowMs` and the
// "as of" of the trending, fresh and co-visitation lists. Cache TTLs, page sessions and refresh
// timers are infrastructure and stay on the wall clock.
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { wallClock, type Clock } from "../platform/clock.ts";
import type { CandidateSource } from "../funnel/index.ts";
import type { PopularityRanking } from "../sources/popularityRanking.ts";
import { buildCoVisitationTableInWorker } from "../sources/coVisitationBuilder.ts";
import { buildCoVisitationTable, type CoVisitationTable } from "../sources/coVisitationTable.ts";
import { coVisitationSource } from "../sources/coVisitationSource.ts";
import { FOLLOW_GRAPH_DEFAULTS, followGraphSource } from "../sources/followGraphSource.ts";
import { createFreshItemsList, freshItemsSource, type FreshItem } from "../sources/freshItemsSource.ts";
import { coldStartSource } from "../sources/coldStartSource.ts";
import { popularitySource } from "../sources/popularitySource.ts";
import { createTrendingRanking, trendingSource } from "../sources/trendingSource.ts";
import { itemToItemSource, type ItemToItemProvider } from "../sources/itemToItemSource.ts";
import { twoTowerSource, type RetrievalProvider } from "../sources/twoTowerSource.ts";
import type { ServingRanker } from "../ranking/servingRanker.ts";
import { ExpiringCache } from "../caching/expiringCache.ts";
import { ItemAttributeCache, type CandidateCategoryLookup, type CandidateCategoryRows } from "../caching/itemAttributeCache.ts";
import { ItemStateCache } from "../caching/itemStateCache.ts";
import { ItemSlots } from "../caching/itemSlots.ts";
import { MemoryPageSessionStore } from "./memoryPageSessions.ts";
import { SessionWriteFailures, type PageSessionStore } from "./pageSessions.ts";
import { PeriodicSnapshot } from "../caching/periodicSnapshot.ts";
import { onlineFeatureHydrator } from "../hydrators/onlineFeatureHydrator.ts";
import { RuleSetRepository } from "./ruleSetRepository.ts";
import { pooledServingSql, prismaServingSql, type ServingSql } from "../postgres/servingSql.ts";
import { UserRelationsReader, type CreatorItems } from "../hydrators/userRelations.ts";
import { userHistoryHydrator } from "../hydrators/userHistoryHydrator.ts";
import { entityKind } from "../features/featureKeys.ts";
import type { ChangeWatch, OnlineStore } from "../stores/onlineStore.ts";
import { createEngineMetrics, type EngineMetrics } from "../telemetry/engineMetrics.ts";
import { ExposureLog } from "../experiments/exposureLog.ts";
import { ServingMinutes } from "../experiments/servingMinutes.ts";
import { RunningExperiments } from "../experiments/runningExperiments.ts";
import { PinnedModels } from "../models/pinnedModels.ts";

/** What serving needs from activeModels (models/activeModels.ts): one reference per request. */
export type ServingModels = RetrievalProvider & {
  ranker(): { model: ServingRanker; version: { id: string } } | null;
  /** Optional so test doubles without an item-to-item slot still fit; absent = no model. */
  itemToItem?: ItemToItemProvider["itemToItem"];
  /** `lastError` names a slot whose active registry version failed to load (file missing, corrupt, …). */
  status?(): { lastError?: { slot: string; message: string } };
};

/** Optional knobs a caller (boot, tests, the benchmark) may put on EngineDeps as `serving`. */
export type ServingOptions = {
  /**
   * Enables LISTEN cascade_rules_changed (without it rule changes are seen by polling) and the
   * request path's own pg pool (servingSql.ts; without it those reads go through Prisma).
   */
  databaseUrl?: string;
  rulesPollIntervalMs?: number;
  /** Background refresh of popularity (when the engine owns it) / trending / fresh (at most 30 s), ms. */
  listsRefreshIntervalMs?: number;
  coVisitationRefreshIntervalMs?: number;
  /** Longest wait at start for the background lists' first load, ms (default 5 s). */
  bootWaitMs?: number;
  /** TTLs of the request-path caches, ms (0 disables one; tests that change data mid-test). */
  itemStateTtlMs?: number;
  /** How long an unchanged item's state is kept while the online store's change feed is live (caching/itemStateCache.ts), ms (default 10 min). */
  itemStateWatchedTtlMs?: number;
  followsTtlMs?: number;
  exclusionsTtlMs?: number;
  /** How often the item-attribute cache re-reads the catalogue's changes (caching/itemAttributeCache.ts), ms (default 10 s; 0: never, entries expire a minute after their read). */
  itemAttributesPollMs?: number;
  /** Replaces the built-in sources by id (tests: a source that hangs). */
  sourceOverrides?: CandidateSource[];
  /** Largest event log up to T that the feed preview's `asOf` replays (replay/pointInTimePreviews.ts); default 300k. */
  previewReplayMaxEvents?: number;
  /** Serve running A/B experiments (default true; replays serve the published configs only). */
  experiments?: boolean;
  /** How often the running experiments are re-read, ms (default 10 s; 0: only at start). */
  experimentsRefreshIntervalMs?: number;
  /** How often guardrails are checked, ms (default 60 s; 0: only when asked — tests). */
  guardrailCheckIntervalMs?: number;
  /** The global holdout: this share of units (by its own seeded hash) is in no experiment; set the same on every replica. */
  experimentHoldout?: { seed: string; fraction: number } | null;
  /** Wraps the request path's Postgres reads (tests: a catalogue lookup that fails or hangs). */
  wrapSql?: (sql: ServingSql) => ServingSql;
  /** Throwaway funnels run at start before traffic (requestPathWarmUp.ts); default 0, `cascade serve`/`start`: CASCADE_WARMUP_REQUESTS. */
  warmUpRequests?: number;
};

/** What the stack reads of the engine's deps (a replay builds one from a subset: replay/feedReplay.ts). */
export type ServingStackDeps = {
  db: Database;
  store: OnlineStore;
  logger: Logger;
  /** Business time; omitted → the wall clock. */
  clock?: Clock;
  /** Where the funnel records; omitted → metrics of its own (a replay records nothing anyway). */
  metrics?: EngineMetrics;
  /** Share of requests whose served feature vectors are logged (skew checks); default 0. */
  servedFeatureSampleRate?: number;
  activeModels?: ServingModels;
  serving?: ServingOptions;
  /** Where page sessions live (pageSessions.ts); omitted → in this process only. The caller closes it. */
  pageSessions?: PageSessionStore;
};

/**
 * Items whose attributes are read into the cache at start (newest first, in chunks): a catalogue up
 * to this size is read whole, so requests rarely read the catalogue at all. Measured on 1M synthetic
 * rows (process.memoryUsage after GC): ≈315 B per item (307 B heap: the attributes themselves, the
 * id and its slot ≈21 B, the slot arrays ≈10 B; 8 B of load time off heap), ≈300 MB at 1M items,
 * and ≈2.9 µs of CPU per row besides the driver's parsing. Bounded: a larger catalogue's older
 * items are read on demand.
 */
const ITEM_ATTRIBUTES_PRELOAD = 2_000_000;

/** How long start() waits for the first loads of the lists and the catalogue before serving without them. */
export const DEFAULT_BOOT_WAIT_MS = 5_000;

/** Preloaded items start() waits for (within bootWaitMs), as before the whole catalogue was preloaded; the rest loads while serving. */
const ITEM_ATTRIBUTES_BOOT_PRELOAD = 250_000;

export class ServingStack {
  readonly rules: RuleSetRepository;
  readonly trending: PopularityRanking;
  readonly fresh: PeriodicSnapshot<FreshItem[]>;
  readonly coVisitation: PeriodicSnapshot<CoVisitationTable>;
  readonly itemAttributes: ItemAttributeCache;
  /** Item → category for the `onlineFeatures` hydrator, sharing the `itemAttributes` hydrator's lookup (one per request for both). */
  readonly candidateCategories: CandidateCategoryLookup & CandidateCategoryRows;
  /** Item id → dense slot, shared by the attribute and state caches: one id lookup per candidate per request for both (itemSlots.ts). */
  readonly itemSlots: ItemSlots;
  /** Page sessions behind later pages' cursors: the deps' store (Redis: shared by replicas), else in-process. */
  readonly sessions: PageSessionStore;
  /** First pages served without a kept session (the store failed): counted and logged. */
  readonly sessionWriteFailures: SessionWriteFailures;
  /** Items' online-store state (onlineFeatureHydrator.ts): a write reaches it within 10 s; unchanged items are kept 10 min while the store's change feed is live. */
  readonly itemStates: ItemStateCache;
  /** Per user: followed creators (30 s) and hidden/disliked/bought items (5 s); see the hydrators for why a TTL. */
  readonly follows: ExpiringCache<string[]>;
  readonly exclusions: ExpiringCache<Set<string>>;
  /** Per user and consumed spec: the consumed items (the exclusions TTL). */
  readonly consumed: ExpiringCache<Set<string>>;
  readonly sources: ReadonlyMap<string, CandidateSource>;
  readonly models: ServingModels | null;
  /** The request path's Postgres reads (follows, exclusions, item attributes, creators' items). */
  readonly sql: ServingSql;
  /** Follows and exclusions per user, both in one query when a request needs both. */
  readonly userRelations: UserRelationsReader;
  /** Business time (platform/clock.ts): requests' `nowMs` and the background lists' "as of". */
  readonly clock: Clock;
  /** Where the funnel, its fallbacks and side effects record. */
  readonly metrics: EngineMetrics;
  /** Running A/B experiments per surface (null when this stack serves published configs only). */
  readonly experiments: RunningExperiments | null;
  /** First exposures of units to variants. */
  readonly exposures: ExposureLog;
  /** Per variant and minute: requests, degraded, failed, latency histogram (the serving guardrails). */
  readonly servingMinutes: ServingMinutes;
  /** Model versions that running variants pin, beside the active ones. */
  readonly pinnedModels: PinnedModels | null;
  /** The item attribute preload in flight (one at a time: start() and warm() share it). */
  private attributesPreload: { first: Promise<void>; all: Promise<void> } | undefined;
  /** The online store's change watch feeding the item state cache (start()). */
  private itemStatesWatch: Promise<ChangeWatch | undefined> | undefined;
  /** Stops the background preload between chunks (stop()). */
  private readonly stopping = new AbortController();

  constructor(
    readonly deps: ServingStackDeps,
    readonly popularity: PopularityRanking,
  ) {
    const { db, logger } = deps;
    const options = deps.serving ?? {};
    this.models = deps.activeModels ?? null;
    this.sessions = deps.pageSessions ?? new MemoryPageSessionStore();
    this.metrics = deps.metrics ?? createEngineMetrics();
    const metrics = this.metrics;
    this.sessionWriteFailures = new SessionWriteFailures(logger, () => metrics.countPageSessionWriteFailure());
    this.pinnedModels = options.experiments === false ? null : new PinnedModels({ db, logger });
    this.experiments =
      options.experiments === false
        ? null
        : new RunningExperiments({
            db,
            logger,
            pinned: this.pinnedModels,
            ...(options.experimentsRefreshIntervalMs !== undefined ? { refreshIntervalMs: options.experimentsRefreshIntervalMs } : {}),
            holdout: options.experimentHoldout ?? null,
          });
    this.exposures = new ExposureLog(db, logger);
    this.servingMinutes = new ServingMinutes(db, logger);
    const clock = (this.clock = deps.clock ?? wallClock);
    const sql = options.databaseUrl ? pooledServingSql({ databaseUrl: options.databaseUrl, logger }) : prismaServingSql(db);
    this.sql = options.wrapSql ? options.wrapSql(sql) : sql;
    // The follow-graph source's per-creator cache, filled by the user-relations read too (userRelations.ts).
    const creatorItems = new ExpiringCache<CreatorItems>({ ttlMs: options.followsTtlMs ?? 30_000, maxEntries: 200_000 });
    this.userRelations = new UserRelationsReader(this.sql, {
      clock,
      creatorItems: {
        cache: creatorItems,
        perCreator: FOLLOW_GRAPH_DEFAULTS.perCreator,
        maxAgeMs: FOLLOW_GRAPH_DEFAULTS.maxAgeDays * 24 * 3_600_000,
        maxCreators: 50,
      },
    });
    this.rules = new RuleSetRepository({
      db,
      logger,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      ...(options.rulesPollIntervalMs !== undefined ? { pollIntervalMs: options.rulesPollIntervalMs } : {}),
    });
    const refreshIntervalMs = options.listsRefreshIntervalMs ?? 60_000;
    this.trending = createTrendingRanking(db, logger, { refreshIntervalMs, clock });
    this.fresh = createFreshItemsList(db, logger, { refreshIntervalMs: Math.min(refreshIntervalMs, 30_000), clock });
    this.coVisitation = new PeriodicSnapshot({
      name: "co-visitation",
      logger,
      refreshIntervalMs: options.coVisitationRefreshIntervalMs ?? 10 * 60_000,
      // With a database URL, off the request thread (coVisitationBuilder.ts).
      load: (signal) => (options.databaseUrl ? buildCoVisitationTableInWorker(options.databaseUrl, { signal }, clock) : buildCoVisitationTable(db, {}, clock)),
    });
    // One slot per item id the request path sees (bounded: a full registry starts a new generation and the caches refill, itemSlots.ts).
    this.itemSlots = new ItemSlots();
    this.itemAttributes = new ItemAttributeCache(this.sql, { slots: this.itemSlots });
    this.itemStates = new ItemStateCache({
      ttlMs: options.itemStateTtlMs ?? 10_000,
      ...(options.itemStateWatchedTtlMs !== undefined ? { watchedTtlMs: options.itemStateWatchedTtlMs } : {}),
      slots: this.itemSlots,
    });
    this.follows = new ExpiringCache({ ttlMs: options.followsTtlMs ?? 30_000, maxEntries: 200_000 });
    this.exclusions = new ExpiringCache({ ttlMs: options.exclusionsTtlMs ?? 5_000, maxEntries: 200_000 });
    this.consumed = new ExpiringCache({ ttlMs: options.exclusionsTtlMs ?? 5_000, maxEntries: 200_000 });
    this.candidateCategories = this.itemAttributes.candidateCategories();
    const noModels: ServingModels = { retrieval: () => null, ranker: () => null };
    const all = [
      twoTowerSource(this.models ?? noModels, { slots: this.itemSlots }),
      itemToItemSource({ itemToItem: () => this.models?.itemToItem?.() ?? null }),
      trendingSource(this.trending, this.itemSlots),
      coVisitationSource(this.coVisitation),
      followGraphSource(this.sql, { cache: creatorItems }),
      freshItemsSource(this.fresh, this.itemSlots),
      popularitySource(popularity, this.itemSlots),
      coldStartSource(popularity, this.itemSlots),
      ...(options.sourceOverrides ?? []),
    ];
    this.sources = new Map(all.map((source) => [source.id, source]));
  }

  get db(): Database {
    return this.deps.db;
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  /**
   * Loads rule sets and starts every background refresh. Waits for the rule sets and the fresh
   * list (one small query each); trending and co-visitation (aggregates over the event log) load in
   * the background, and their sources report "unavailable" until then.
   */
  async start(): Promise<void> {
    // Items' changes from the online store, so unchanged items' states are kept for long; without
    // the feed every state is kept 10 s, as before it.
    this.itemStatesWatch = this.deps.store.watchChanges(entityKind("item"), this.itemStates.changeListener).catch((error: unknown) => {
      this.logger.warn({ err: error }, "item state changes: cannot watch the online store; item states are re-read every 10 s");
      return undefined;
    });
    this.trending.start();
    this.coVisitation.start();
    this.fresh.start();
    const attributesPollMs = this.deps.serving?.itemAttributesPollMs ?? 10_000;
    if (attributesPollMs > 0)
      this.itemAttributes.startChangePolling(attributesPollMs, (error) =>
        this.logger.warn(
          { err: error },
          "item attributes: reading the catalogue's changes failed; cached entries expire a minute after their read until it works again",
        ),
      );
    // Boot waits for the first load of every list, up to a bound: past it, serving starts and the
    // lists that are still loading report "unavailable" until they arrive.
    // The retrieval slots first, then the attribute preload: the slot registry's id Map keeps the
    // id strings of whichever gives an item its slot first. Filled from the model's own ids, the
    // Map shares the strings the model holds anyway; the preload's strings (1M from the catalogue
    // query) then die young instead of being kept beside them for every full collection to mark.
    // A failed prefill only costs the ann source's rows their slots on demand: the preload goes on.
    const retrievalSlots = this.prefillRetrievalSlots().catch((error: unknown) =>
      this.logger.warn({ err: error }, "retrieval slot prefill failed; the ann source's rows get their slots on demand"),
    );
    const firstLoads = Promise.all([
      this.fresh.refresh(),
      this.coVisitation.refresh(),
      this.trending.currentSnapshot().catch(() => undefined),
      retrievalSlots.then(() => this.preloadItemAttributes().first),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deps.serving?.bootWaitMs ?? DEFAULT_BOOT_WAIT_MS)));
    await Promise.all([this.rules.start(), this.experiments?.start(), Promise.race([Promise.all([firstLoads, this.warmRequestPath()]), bound])]);
    clearTimeout(timer);
  }

  /**
   * The active retrieval model's row → item slot memo (itemSlots.ts ListSlotMemo), filled before
   * traffic: otherwise each row the `ann` source returns for the first time costs a lookup in the
   * catalogue-sized id Map on the request path (~0.6 µs; 2.5% of the request thread through the
   * first minute at 1M items). ~0.6 s at 1M rows, in chunks, stopped by stop(). A model promoted
   * later fills its memo as requests meet its rows.
   */
  private async prefillRetrievalSlots(): Promise<void> {
    const retrieval = this.models?.retrieval()?.model;
    if (!retrieval) return;
    const { itemIds } = retrieval;
    await this.itemSlots.memoFor(itemIds, itemIds.length).fill(itemIds, { signal: this.stopping.signal });
  }

  /**
   * One throwaway read through the request path's store code (connection, scripts, JIT), so the
   * first real request does not pay for it inside a 30 ms hydration budget. Failures are ignored.
   */
  private async warmRequestPath(): Promise<void> {
    const query = {
      requestId: "warm-up",
      userId: "warm-up",
      surface: "warm-up",
      count: 1,
      nowMs: this.clock.nowMs(),
      context: {},
      excludeItemIds: [],
      seed: 1,
    };
    const controller = new AbortController();
    try {
      const facts = await userHistoryHydrator(this.deps.store, 5_000).hydrate(query, controller.signal);
      await onlineFeatureHydrator(this.deps.store, 5_000).score(
        { ...query, ...facts },
        [{ itemId: "warm-up", sources: [], features: {}, scores: {}, score: 0 }],
        controller.signal,
        () => {},
      );
    } catch {
      // The store may be down at boot; requests fail open on their own.
    }
  }

  /** Waits for the first load of every background list and for the whole item attribute preload (the one start() began while it runs) (tests, benchmarks). */
  async warm(): Promise<void> {
    await Promise.all([
      this.trending.refresh().catch(() => undefined),
      this.fresh.refresh(),
      this.coVisitation.refresh(),
      this.rules.refresh(),
      this.preloadItemAttributes().all,
    ]);
  }

  /**
   * The newest items' attributes into the cache (itemAttributeCache.ts preload): `first` settles
   * when the newest ITEM_ATTRIBUTES_BOOT_PRELOAD are in (or all of them, or it failed), `all` when
   * it is done. The one in flight when there is one (a whole-catalogue preload is ~300 MB of reads:
   * never two at once). Stopped between chunks by stop(). Failures are logged and ignored (requests
   * read on demand), not those of a preload stopped on purpose (its statement may fail as the pool
   * closes).
   */
  private preloadItemAttributes(): { first: Promise<void>; all: Promise<void> } {
    if (this.attributesPreload) return this.attributesPreload;
    let firstIn!: () => void;
    const first = new Promise<void>((resolve) => (firstIn = resolve));
    const signal = this.stopping.signal;
    const all = this.itemAttributes
      .preload(
        ITEM_ATTRIBUTES_PRELOAD,
        undefined,
        (loaded) => {
          if (loaded >= ITEM_ATTRIBUTES_BOOT_PRELOAD) firstIn();
        },
        signal,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          if (!signal.aborted) this.logger.warn({ err: error }, "item attributes preload failed; they are read on demand");
        },
      )
      .finally(() => {
        firstIn();
        this.attributesPreload = undefined;
      });
    this.attributesPreload = { first, all };
    return this.attributesPreload;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await (await this.itemStatesWatch)?.close();
    this.itemAttributes.stopChangePolling();
    await this.exposures.flush();
    await this.servingMinutes.stop();
    await Promise.all([this.rules.stop(), this.experiments?.stop(), this.trending.stop(), this.fresh.stop(), this.coVisitation.stop()]);
    await this.pinnedModels?.close();
    await this.sql.close();
  }
}
