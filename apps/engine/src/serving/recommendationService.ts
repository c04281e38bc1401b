// The serving API's logic: POST /v1/recommendations, POST /v1/rerank and the admin feed preview,
// over the funnel (surfaceRun.ts), with the fallback chain:
//
//   full funnel (all sources → filters → features → ranker → rules → exploration)
//   → a component fails or times out: served without it (fail open; `degraded: true`)
//   → no active ranker: ranked by retrieval rank (retrievalPrior); no retrieval model: no ANN source
//   → the funnel produced nothing (every source failed, or the safety filters removed every
//     candidate) or threw: the cached popularity list through the surface's safety rules and
//     diversity caps (safeFallbackRun.ts), `degraded: true`
//   → not even that (no popularity snapshot, or nothing in it passes): an empty list, `degraded: true`.
// A dependency failure never becomes a 5xx, and never lets a published rule go: safety filters fail
// closed. Every degraded response lists its causes ({component, reason}) in `degradedCauses`.
import { randomUUID } from "node:crypto";
import {
  surfaceConfigSchema,
  type DegradedCause,
  type FeedPreviewRequest,
  type FeedPreviewResponse,
  type FunnelTrace,
  type RecommendationsRequest,
  type RecommendationsResponse,
  type RecommendedItem,
  type RerankRequest,
  type RerankResponse,
  type SurfaceConfig,
} from "@cascade/core";
import { hydrateAndLogServedFeatures } from "../features/servedFeatureLog.ts";
import { runWithinBudget, type Candidate, type ServedCandidate } from "../funnel/index.ts";
import { diversityCapsOf } from "./surfacePipeline.ts";
import { arrangeUnderCaps } from "../rules/diversityCaps.ts";
import { decodeCursor, encodeCursor, InvalidCursorError } from "./cursor.ts";
import { SESSION_PREFIX, SessionList, type PageSession, type SessionItem } from "./pageSessions.ts";
import type { ResolvedSurfaceConfig as PublishedSurfaceConfig } from "./ruleSetRepository.ts";

/** The config a request is served with: a published rule set (or the built-in default), or an experiment variant built on it. */
type ResolvedSurfaceConfig = PublishedSurfaceConfig & { experiment: string | null; variant: string | null; served?: ServedVariant };

/** The variant's pinned model versions for the surface run, if it pins any. */
function modelsOf(resolved: ResolvedSurfaceConfig): { models?: VariantModels } {
  return resolved.served?.models ? { models: resolved.served.models } : {};
}
import type { ServingStack } from "./servingStack.ts";
import type { PointInTimeFeeds } from "./pointInTimeFeeds.ts";
import type { ServedVariant, VariantModels } from "../experiments/runningExperiments.ts";
import { FALLBACK_CHAIN } from "./safeFallbackRun.ts";
import { pickUnderCaps, sessionCaps } from "./sessionPageCaps.ts";
import { runSurface, safetyBudgetOf, type SurfaceRun, type SurfaceRunInput } from "./surfaceRun.ts";

/** Waits before each look for a cursor's page session (see sessionOf): 0, then 10, 40 and 100 ms. */
const SESSION_WRITE_WAITS_MS = [0, 10, 40, 100];

/** Longest remainder kept for later pages of one feed. */
const SESSION_DEPTH = 500;

/** A draft config that does not validate: the HTTP layer answers 400 naming the fields. */
export class InvalidDraftConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super("ruleSetConfig does not validate");
  }
}

function toItem(item: { itemId: string; score: number; sources: RecommendedItem["sources"] }, position: number, propensity: number): RecommendedItem {
  return { itemId: item.itemId, position, score: item.score, sources: item.sources.map((hit) => ({ ...hit })), propensity };
}

export class RecommendationService {
  /** `pointInTime`: replays that serve the feed preview's `asOf` (replay/pointInTimePreviews.ts); without it the preview runs on the live stack at T. */
  constructor(
    private readonly stack: ServingStack,
    private readonly pointInTime?: PointInTimeFeeds,
  ) {}

  /**
   * The config a user's request on a surface is served with: the variant of the running experiment
   * the user is assigned to (experiments/runningExperiments.ts), else the surface's published rule set.
   */
  private configFor(surface: string, userId: string, context: RecommendationsRequest["context"] = {}): ResolvedSurfaceConfig {
    const published = this.stack.rules.configFor(surface);
    const served = this.stack.experiments?.resolve(surface, { userId, context }, published.config, this.stack.clock.nowMs()) ?? null;
    if (!served) return { ...published, experiment: null, variant: null };
    return { ...published, config: served.config, experiment: served.experiment, variant: served.variant, served };
  }

  /** Re-reads the running experiments now (after a lifecycle change through this engine's admin API). */
  async refreshExperiments(): Promise<void> {
    await this.stack.experiments?.refresh();
  }

  /** The unit's first exposure to its variant (first pages and reranks actually served; not previews or replays). */
  private recordExposure(resolved: ResolvedSurfaceConfig, userId: string, nowMs: number): void {
    if (resolved.served && !resolved.served.forced) this.stack.exposures.record(resolved.served, resolved.served.unitId, userId, nowMs);
  }

  /** Throws InvalidCursorError for a malformed or expired cursor. */
  async recommend(request: RecommendationsRequest): Promise<RecommendationsResponse> {
    const resolved = this.configFor(request.surface, request.userId, request.context);
    return this.countedForVariant(resolved, () => (request.cursor != null ? this.nextPage(request, resolved) : this.servedFirstPage(request, resolved)));
  }

  /**
   * Runs one request served under an experiment variant and counts it in that variant's serving
   * minutes (latency, degraded, failed): the variant's latency and error guardrails. A refused
   * cursor is the client's error, not the variant's.
   */
  private async countedForVariant<T extends { degraded: boolean }>(resolved: ResolvedSurfaceConfig, work: () => Promise<T>): Promise<T> {
    const served = resolved.served && !resolved.served.forced ? resolved.served : null;
    if (!served) return work();
    const began = performance.now();
    try {
      const response = await work();
      this.stack.servingMinutes.record(served, performance.now() - began, response.degraded ? "degraded" : "ok");
      return response;
    } catch (error) {
      if (!(error instanceof InvalidCursorError)) this.stack.servingMinutes.record(served, performance.now() - began, "error");
      throw error;
    }
  }

  private async servedFirstPage(request: RecommendationsRequest, resolved: ResolvedSurfaceConfig): Promise<RecommendationsResponse> {
    const input: SurfaceRunInput = {
      requestId: randomUUID(),
      userId: request.userId,
      surface: request.surface,
      count: request.count,
      nowMs: this.stack.clock.nowMs(),
      context: request.context,
      excludeItemIds: request.excludeItemIds,
      config: resolved.config,
      ...modelsOf(resolved),
      ruleSetVersion: resolved.ruleSetVersion,
      detail: request.debug ? "full" : "summary",
    };
    const { run, response } = await this.serve(request, resolved, input);
    if (response.items.length > 0) this.recordExposure(resolved, request.userId, input.nowMs);
    if (request.debug && run) response.trace = { ...run.result.trace, degradedBecause: run.scope.degradedBecause, notes: run.scope.notes };
    return response;
  }

  /**
   * The funnel's first page, else the first fallback in FALLBACK_CHAIN that serves one, else an
   * empty page. The run returned is the one whose trace explains the page (debug); a fallback
   * page's trace also keeps the funnel's under `funnel`.
   */
  private async serve(
    request: RecommendationsRequest,
    resolved: ResolvedSurfaceConfig,
    input: SurfaceRunInput,
    options = { session: true },
  ): Promise<{ run: SurfaceRun | null; response: RecommendationsResponse }> {
    let run: SurfaceRun | null = null;
    let failure: string | undefined;
    try {
      run = await runSurface(this.stack, input);
    } catch (error) {
      this.stack.logger.error({ err: error, requestId: input.requestId, surface: request.surface }, "funnel failed; trying the fallback chain");
      failure = String(error);
    }
    if (run && run.result.page.length > 0) return { run, response: this.firstPage(request, resolved, run, run.degradedCauses, options) };

    // A funnel that ran cleanly and found nothing (a new catalogue, a narrow surface) is not a
    // degradation: the fallback's list is then simply the answer.
    const causes: DegradedCause[] = [...(run?.degradedCauses ?? [])];
    const metrics = input.record === false ? null : this.stack.metrics;
    const requestId = run?.result.requestId ?? input.requestId;
    let previous = { name: "funnel", failure, degraded: failure !== undefined || causes.length > 0 };
    let fallback: SurfaceRun | null = null;
    for (const step of FALLBACK_CHAIN) {
      if (previous.degraded) {
        const served = `served ${step.description}`;
        causes.push({
          component: step.id,
          reason:
            previous.failure !== undefined ? `the ${previous.name} failed (${previous.failure}): ${served}` : `the ${previous.name} served no item: ${served}`,
        });
      }
      metrics?.countFallback({ surface: request.surface, component: step.id, reason: previous.failure !== undefined ? "error" : "unavailable" });
      try {
        const stepRun = await step.run(this.stack, { ...input, requestId });
        causes.push(...stepRun.degradedCauses);
        if (stepRun.result.page.length > 0 || step === FALLBACK_CHAIN.at(-1)) {
          fallback = stepRun;
          break;
        }
        previous = { name: step.id, failure: undefined, degraded: true };
      } catch (error) {
        this.stack.logger.warn({ err: error, surface: request.surface, fallback: step.id }, "fallback failed");
        causes.push({ component: step.id, reason: `no fallback list: ${String(error)}` });
        previous = { name: step.id, failure: String(error), degraded: true };
      }
    }
    const response = fallback ? this.firstPage(request, resolved, fallback, causes, options) : this.emptyPage(requestId, request.surface, resolved, causes);
    metrics?.countRecommendationResponse({ surface: request.surface, degraded: response.degraded });
    if (fallback && response.items.length > 0 && options.session) this.logServedFeatures(request, response, input.nowMs);
    if (run && fallback) fallback.result.trace = { ...fallback.result.trace, funnel: run.result.trace } as typeof fallback.result.trace;
    return { run: fallback ?? run, response };
  }

  private emptyPage(requestId: string, surface: string, resolved: ResolvedSurfaceConfig, causes: DegradedCause[]): RecommendationsResponse {
    return {
      requestId,
      surface,
      items: [],
      cursor: null,
      modelVersion: null,
      ruleSetVersion: resolved.ruleSetVersion,
      experiment: resolved.experiment,
      variant: resolved.variant,
      degraded: true,
      degradedCauses: causes,
    };
  }

  /** The funnel's side effects did not run for a fallback page: log its served features here (sampled, not awaited). */
  private logServedFeatures(request: RecommendationsRequest, response: RecommendationsResponse, nowMs: number): void {
    const { db, store, logger, servedFeatureSampleRate = 0 } = this.stack.deps;
    void hydrateAndLogServedFeatures({
      db,
      store,
      logger,
      userId: request.userId,
      itemIds: response.items.map((item) => item.itemId),
      requestId: response.requestId,
      surface: request.surface,
      at: new Date(nowMs),
      sampleRate: servedFeatureSampleRate,
      modelVersion: null,
    });
  }

  /** `session: false` (feed preview): no cursor, nothing kept for later pages, no served-feature log. */
  private firstPage(
    request: RecommendationsRequest,
    resolved: ResolvedSurfaceConfig,
    run: SurfaceRun,
    degradedCauses: DegradedCause[],
    options: { session: boolean },
  ): RecommendationsResponse {
    const page = run.result.page;
    const served = new Set(page.map((item) => item.itemId));
    // Candidates are stored as they are (SessionList copies their itemId, score and sources).
    const unserved: Candidate[] = [];
    for (const candidate of options.session ? run.ranked : []) {
      if (unserved.length >= SESSION_DEPTH) break;
      if (!served.has(candidate.itemId)) unserved.push(candidate);
    }
    // Later pages continue the list after this page: arranged again under the diversity caps, after
    // the page as served (explored items took pool items out of the ranked list, leaving gaps that
    // could put two capped items closer than the caps allow). What fits nowhere is left out.
    const caps = diversityCapsOf(resolved.config);
    const rest: SessionItem[] = caps.length > 0 && unserved.length > 0 ? arrangeUnderCaps(caps, unserved, page).items : unserved;
    let cursor: string | null = null;
    if (rest.length > 0) {
      // The session lists the served page first, so the cursor's offset (where the next page starts
      // reading) is never below the count served, as cursor.ts requires.
      const sessionId = `${SESSION_PREFIX}${run.result.requestId}`;
      const items = SessionList.of([...page, ...rest]);
      // Not awaited: the page is served whether or not the session could be kept. If the store
      // (Redis) is down, the cursor names a session that does not exist, and the next page is a
      // 400 invalid_cursor (the client starts again); the failure is counted and logged.
      this.stack.sessions
        .put({
          id: sessionId,
          surface: request.surface,
          userId: request.userId,
          items,
          ...(caps.length > 0
            ? {
                caps: sessionCaps(
                  caps,
                  page.length,
                  page.map((item) => item.itemId),
                ),
              }
            : {}),
        })
        .catch((error: unknown) => this.stack.sessionWriteFailures.record(error));
      cursor = encodeCursor({ snapshotId: sessionId, offset: page.length, served: page.length });
    }
    return {
      requestId: run.result.requestId,
      surface: request.surface,
      items: page.map((item: ServedCandidate) => toItem(item, item.position, item.propensity)),
      cursor,
      modelVersion: run.modelVersion,
      ruleSetVersion: resolved.ruleSetVersion,
      experiment: resolved.experiment,
      variant: resolved.variant,
      degraded: degradedCauses.length > 0,
      degradedCauses,
    };
  }

  /**
   * The page session of a cursor, looked for again briefly when it is not there: the first page
   * writes its session after the response (redisPageSessions.ts), so a client may ask another
   * engine for page 2 before that write has landed. An expired cursor is answered ~150 ms later.
   */
  private async sessionOf(id: string): Promise<PageSession | undefined> {
    for (const waitMs of SESSION_WRITE_WAITS_MS) {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const session = await this.stack.sessions.get(id);
      if (session) return session;
    }
    return undefined;
  }

  /** Later pages continue the first page's ranked list (kept in a page session). */
  private async nextPage(request: RecommendationsRequest, resolved: ResolvedSurfaceConfig): Promise<RecommendationsResponse> {
    const cursor = decodeCursor(request.cursor!);
    if (!cursor) throw new InvalidCursorError("is not a cursor returned by this API");
    // A store that cannot answer rejects with PageSessionStoreError: 503 dependency_unavailable, the cursor stays good for a retry.
    const session = cursor.snapshotId.startsWith(SESSION_PREFIX) ? await this.sessionOf(cursor.snapshotId) : undefined;
    if (!session) throw new InvalidCursorError("has expired; request the first page again");
    if (session.userId !== request.userId || session.surface !== request.surface || cursor.offset > session.items.length) {
      throw new InvalidCursorError("belongs to another user or surface");
    }
    const excluded = new Set(request.excludeItemIds);
    let indexes: number[] = [];
    let offset = cursor.offset;
    const degradedCauses: DegradedCause[] = [];
    if (session.caps) {
      const safetyMs = safetyBudgetOf(resolved.config);
      const outcome = await runWithinBudget(safetyMs, () =>
        pickUnderCaps({
          items: session.items,
          offset,
          served: cursor.served,
          count: request.count,
          excluded,
          caps: session.caps!,
          attributesOf: (ids) => this.stack.itemAttributes.attributesOf(ids),
        }),
      );
      if (outcome.status === "ok") {
        ({ indexes, nextOffset: offset } = outcome.value);
        // What this page served is where the next one continues under the caps, maybe on another
        // replica: written back before the cursor goes out (a failed write is a 503; retry the cursor).
        await this.stack.sessions.putTail(session.id, offset, session.caps.tails.get(offset) ?? []);
      } else {
        // Fail closed: without categories and creators no item can be checked against the caps; the same cursor can be retried.
        const reason = outcome.status === "timeout" ? `timed out: exceeded its ${safetyMs} ms budget` : `failed: ${String(outcome.error)}`;
        degradedCauses.push({ component: "itemAttributes", reason: `${reason}; no item of this page could be checked against the diversity caps` });
      }
    } else {
      while (offset < session.items.length && indexes.length < request.count) {
        if (!excluded.has(session.items.itemIdAt(offset))) indexes.push(offset);
        offset += 1;
      }
    }
    const picks = indexes.map((index, i) => toItem(session.items.itemAt(index), cursor.served + i, 1));
    return {
      requestId: randomUUID(),
      surface: request.surface,
      items: picks,
      cursor: offset < session.items.length ? encodeCursor({ snapshotId: session.id, offset, served: cursor.served + picks.length }) : null,
      modelVersion: (resolved.served?.models?.ranker ?? this.stack.models?.ranker())?.version.id ?? null,
      ruleSetVersion: resolved.ruleSetVersion,
      experiment: resolved.experiment,
      variant: resolved.variant,
      degraded: degradedCauses.length > 0,
      degradedCauses,
    };
  }

  async rerank(request: RerankRequest): Promise<RerankResponse> {
    const resolved = this.configFor(request.surface, request.userId, request.context);
    return this.countedForVariant(resolved, () => this.rerankResolved(request, resolved));
  }

  private async rerankResolved(request: RerankRequest, resolved: ResolvedSurfaceConfig): Promise<RerankResponse> {
    const supplied = [...new Set(request.itemIds)];
    const count = request.count ?? Math.min(supplied.length, 200);
    const requestId = randomUUID();
    const base = { requestId, surface: request.surface, ruleSetVersion: resolved.ruleSetVersion, experiment: resolved.experiment, variant: resolved.variant };
    let run: SurfaceRun | null = null;
    try {
      run = await runSurface(this.stack, {
        requestId,
        userId: request.userId,
        surface: request.surface,
        count,
        nowMs: this.stack.clock.nowMs(),
        context: request.context,
        excludeItemIds: [],
        config: resolved.config,
        ...modelsOf(resolved),
        ...modelsOf(resolved),
        ruleSetVersion: resolved.ruleSetVersion,
        detail: request.debug ? "full" : "summary",
        suppliedItemIds: supplied,
      });
    } catch (error) {
      this.stack.logger.error({ err: error, requestId }, "rerank funnel failed; returning no candidates");
    }
    if (!run) {
      // Nothing verified the candidates (the safety filters did not run): none is served.
      return {
        ...base,
        items: [],
        modelVersion: null,
        degraded: true,
        degradedCauses: [{ component: "rerank", reason: "the funnel failed: no candidate could be checked against the surface's rules" }],
        removed: [],
      };
    }
    const removed = run.result.trace.stages
      .filter((stage) => stage.stage === "filters" || stage.stage === "merge" || stage.stage === "rules")
      .flatMap((stage) => stage.components.flatMap((component) => component.removed ?? []));
    const response: RerankResponse = {
      ...base,
      items: run.result.page.map((item) => toItem(item, item.position, item.propensity)),
      modelVersion: run.modelVersion,
      degraded: run.degraded,
      degradedCauses: run.degradedCauses,
      removed,
    };
    if (response.items.length > 0) this.recordExposure(resolved, request.userId, this.stack.clock.nowMs());
    if (request.debug) response.trace = { ...run.result.trace, degradedBecause: run.scope.degradedBecause, notes: run.scope.notes };
    return response;
  }

  /**
   * Admin feed debugger: the user's feed with a full trace, under the published or a draft config.
   * `asOf` (ISO, validated by the contract) sets this request's business time: features, seen and
   * fresh windows, freshness boosts read as of it. The background lists (trending, popularity,
   * co-visitation) stay those computed as of the engine's clock.
   */
  async preview(request: FeedPreviewRequest): Promise<FeedPreviewResponse> {
    let resolved = this.configFor(request.surface, request.userId, request.context);
    let source: FeedPreviewResponse["config"]["source"] = resolved.ruleSetVersion === null ? "default" : "published";
    if (request.ruleSetConfig !== undefined) {
      const parsed = surfaceConfigSchema.safeParse(request.ruleSetConfig);
      if (!parsed.success) {
        throw new InvalidDraftConfigError(
          parsed.error.issues.map((issue) => ({ path: ["ruleSetConfig", ...issue.path.map(String)].join("."), message: issue.message })),
        );
      }
      resolved = { config: parsed.data, ruleSetVersion: null, ruleSetId: null, experiment: null, variant: null };
      source = "draft";
    }
    if (request.variant !== undefined) {
      const { experiment, variant } = request.variant;
      if (request.ruleSetConfig !== undefined)
        throw new InvalidDraftConfigError([{ path: "variant", message: "preview a draft config or a variant, not both" }]);
      const published = this.stack.rules.configFor(request.surface);
      const served = this.stack.experiments?.variantFor(request.surface, experiment, variant, published.config);
      if (!served)
        throw new InvalidDraftConfigError([
          { path: "variant", message: `no running experiment "${experiment}" with a servable variant "${variant}" on surface "${request.surface}"` },
        ]);
      resolved = { ...published, config: served.config, experiment: served.experiment, variant: served.variant, served };
      source = "variant";
    }
    const nowMs = request.asOf !== undefined ? Date.parse(request.asOf) : this.stack.clock.nowMs();
    const input: SurfaceRunInput = {
      requestId: randomUUID(),
      userId: request.userId,
      surface: request.surface,
      count: request.count,
      nowMs,
      context: request.context,
      excludeItemIds: [],
      config: resolved.config,
      ...modelsOf(resolved),
      ruleSetVersion: resolved.ruleSetVersion,
      detail: "full",
      record: false,
    };
    const history = this.recentHistory(request.userId, nowMs).catch((error: unknown) => {
      this.stack.logger.warn({ err: error }, "feed preview: history unavailable");
      return [];
    });
    const config = { source, ruleSetVersion: resolved.ruleSetVersion };
    if (request.asOf !== undefined && this.pointInTime) {
      const lookup = await this.pointInTime.replayAt(nowMs);
      if (lookup.replay) {
        const replayed = await lookup.replay.feed({ userId: request.userId, surface: request.surface, count: request.count, config: resolved.config });
        const note = `replayed at T: online features from the ${lookup.replay.eventsReplayed} events up to T, lists as of T, active models; time budgets not replayed`;
        return { response: replayed.response, trace: replayed.trace, history: await history, config, pointInTime: { mode: "replay", note } };
      }
      const note = `the live stack at business time T (windows, seen items and history as of T; today's online features and lists): ${lookup.events} events up to T exceed the preview's replay limit of ${lookup.maxEvents} (cascade replay has none)`;
      const served = await this.serve({ ...request, excludeItemIds: [], cursor: null, debug: true }, resolved, input, { session: false });
      return { response: served.response, trace: this.traceOf(served.run), history: await history, config, pointInTime: { mode: "live", note } };
    }
    const served = await this.serve({ ...request, excludeItemIds: [], cursor: null, debug: true }, resolved, input, { session: false });
    return { response: served.response, trace: this.traceOf(served.run), history: await history, config };
  }

  private traceOf(run: SurfaceRun | null): FeedPreviewResponse["trace"] {
    return run ? { ...run.result.trace, degradedBecause: run.scope.degradedBecause, notes: run.scope.notes } : null;
  }

  /**
   * The page a request would have been served at business time `nowMs` (replay/feedReplay.ts): the
   * same path as `recommend` (funnel, safe fallback, first page under the surface's caps), with a
   * full trace and nothing recorded — no page session, metrics, served-feature or impression log.
   * `config` replaces the surface's published config (e.g. exploration switched off).
   */
  async replay(request: {
    userId: string;
    surface: string;
    count: number;
    nowMs: number;
    excludeItemIds: readonly string[];
    config?: SurfaceConfig;
  }): Promise<{ response: RecommendationsResponse; trace: FunnelTrace | null }> {
    const published = this.configFor(request.surface, request.userId);
    const resolved: ResolvedSurfaceConfig = request.config
      ? { config: request.config, ruleSetVersion: null, ruleSetId: null, experiment: null, variant: null }
      : published;
    const input: SurfaceRunInput = {
      requestId: randomUUID(),
      userId: request.userId,
      surface: request.surface,
      count: request.count,
      nowMs: request.nowMs,
      context: {},
      excludeItemIds: request.excludeItemIds,
      config: resolved.config,
      ...modelsOf(resolved),
      ruleSetVersion: resolved.ruleSetVersion,
      detail: "full",
      record: false,
    };
    const asRequest: RecommendationsRequest = {
      userId: request.userId,
      surface: request.surface,
      count: request.count,
      context: {},
      excludeItemIds: [...request.excludeItemIds],
      cursor: null,
      debug: true,
    };
    const served = await this.serve(asRequest, resolved, input, { session: false });
    return { response: served.response, trace: served.run ? served.run.result.trace : null };
  }

  /** The user's events up to business time `nowMs` (later ones had not happened "as of" it), newest first. */
  private async recentHistory(userId: string, nowMs: number, limit = 50): Promise<FeedPreviewResponse["history"]> {
    const rows = await this.stack.db.$queryRaw<{ itemId: string; type: string; occurredAt: Date; value: number | null }[]>`
      SELECT item_id AS "itemId", type::text AS type, occurred_at AS "occurredAt", value
      FROM events WHERE user_id = ${userId} AND occurred_at <= ${new Date(nowMs)}::timestamptz ORDER BY occurred_at DESC LIMIT ${limit}::int`;
    return rows.map((row) => ({
      itemId: row.itemId,
      type: row.type,
      occurredAt: row.occurredAt.toISOString(),
      value: row.value === null ? null : Number(row.value),
    }));
  }
}
