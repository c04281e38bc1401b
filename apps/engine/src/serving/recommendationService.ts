// The serving API's logic: POST /v1/recommendations, POST /v1/rerank and the admin feed preview,
// over the funnel (surfaceRun.ts), with the fallback chain:
//
//   full funnel (all sources → filters → features → ranker → rules → exploration)
//   → a component fails or times out: served without it (fail open; `degraded: true`)
//   → no active ranker: ranked by retrieval rank (retrievalPrior); no retrieval model: no ANN source
//   → the funnel produced nothing (every source failed) or threw: the cached popularity list
//     (recommend/popularityRecommender.ts, minus the user's exclusions), `degraded: true`
//   → not even that (no popularity snapshot was ever loaded): an empty list, `degraded: true`.
// A dependency failure never becomes a 5xx.
import { randomUUID } from "node:crypto";
import {
  surfaceConfigSchema,
  type FeedPreviewRequest,
  type FeedPreviewResponse,
  type RecommendationsRequest,
  type RecommendationsResponse,
  type RecommendedItem,
  type RerankRequest,
  type RerankResponse,
} from "@cascade/core";
import { hydrateAndLogServedFeatures } from "../features/servedFeatureLog.ts";
import { engineMetricsFor } from "../server/metrics/engineMetricsFor.ts";
import type { ServedCandidate } from "../funnel/index.ts";
import { decodeCursor, encodeCursor, InvalidCursorError } from "../recommend/cursor.ts";
import { PopularityRecommender } from "../recommend/popularityRecommender.ts";
import { SESSION_PREFIX, SessionList, type SessionItem } from "./pageSessions.ts";
import type { ResolvedSurfaceConfig } from "./ruleSetRepository.ts";
import type { ServingStack } from "./servingStack.ts";
import { runSurface, type SurfaceRun } from "./surfaceRun.ts";

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
  private readonly popularityFallback: PopularityRecommender;

  constructor(private readonly stack: ServingStack) {
    this.popularityFallback = new PopularityRecommender(stack.popularity, stack.db, stack.logger);
  }

  /** Throws InvalidCursorError for a malformed or expired cursor. */
  async recommend(request: RecommendationsRequest): Promise<RecommendationsResponse> {
    if (request.cursor != null) return this.nextPage(request);
    const resolved = this.stack.rules.configFor(request.surface);
    const count = request.count;
    const requestId = randomUUID();
    let run: SurfaceRun;
    try {
      run = await runSurface(this.stack, {
        requestId,
        userId: request.userId,
        surface: request.surface,
        count,
        nowMs: Date.now(),
        context: request.context,
        excludeItemIds: request.excludeItemIds,
        config: resolved.config,
        ruleSetVersion: resolved.ruleSetVersion,
        detail: request.debug ? "full" : "summary",
      });
    } catch (error) {
      this.stack.logger.error({ err: error, requestId, surface: request.surface }, "funnel failed; serving the cached popularity list");
      return this.popularity(request, resolved, { failure: String(error) });
    }
    if (run.result.page.length === 0) return this.popularity(request, resolved, { run });
    return this.firstPage(request, resolved, run);
  }

  private firstPage(request: RecommendationsRequest, resolved: ResolvedSurfaceConfig, run: SurfaceRun): RecommendationsResponse {
    const page = run.result.page;
    const served = new Set(page.map((item) => item.itemId));
    // Candidates are stored as they are (SessionList copies their itemId, score and sources).
    const rest: SessionItem[] = [];
    for (const candidate of run.ranked) {
      if (rest.length >= SESSION_DEPTH) break;
      if (!served.has(candidate.itemId)) rest.push(candidate);
    }
    let cursor: string | null = null;
    if (rest.length > 0) {
      // The session lists the served page first, so the cursor's offset (where the next page starts
      // reading) is never below the count served, as cursor.ts requires.
      const sessionId = `${SESSION_PREFIX}${run.result.requestId}`;
      const items = SessionList.of([...page, ...rest]);
      this.stack.sessions.put({ id: sessionId, surface: request.surface, userId: request.userId, items });
      cursor = encodeCursor({ snapshotId: sessionId, offset: page.length, served: page.length });
    }
    const response: RecommendationsResponse = {
      requestId: run.result.requestId,
      surface: request.surface,
      items: page.map((item: ServedCandidate) => toItem(item, item.position, item.propensity)),
      cursor,
      modelVersion: run.modelVersion,
      ruleSetVersion: resolved.ruleSetVersion,
      variant: null,
      degraded: run.degraded,
    };
    if (request.debug) response.trace = { ...run.result.trace, degradedBecause: run.scope.degradedBecause, notes: run.scope.notes };
    return response;
  }

  /** Later pages continue the first page's ranked list; popularity cursors go to the popularity recommender. */
  private async nextPage(request: RecommendationsRequest): Promise<RecommendationsResponse> {
    const cursor = decodeCursor(request.cursor!);
    if (!cursor) throw new InvalidCursorError("is not a cursor returned by this API");
    if (!cursor.snapshotId.startsWith(SESSION_PREFIX)) return this.popularityFallback.recommend(request);
    const session = this.stack.sessions.get(cursor.snapshotId);
    if (!session) throw new InvalidCursorError("has expired; request the first page again");
    if (session.userId !== request.userId || session.surface !== request.surface || cursor.offset > session.items.length) {
      throw new InvalidCursorError("belongs to another user or surface");
    }
    const excluded = new Set(request.excludeItemIds);
    const picks: RecommendedItem[] = [];
    let offset = cursor.offset;
    while (offset < session.items.length && picks.length < request.count) {
      const index = offset;
      offset += 1;
      if (!excluded.has(session.items.itemIdAt(index))) picks.push(toItem(session.items.itemAt(index), cursor.served + picks.length, 1));
    }
    const resolved = this.stack.rules.configFor(request.surface);
    return {
      requestId: randomUUID(),
      surface: request.surface,
      items: picks,
      cursor: offset < session.items.length ? encodeCursor({ snapshotId: session.id, offset, served: cursor.served + picks.length }) : null,
      modelVersion: this.stack.models?.ranker()?.version.id ?? null,
      ruleSetVersion: resolved.ruleSetVersion,
      variant: null,
      degraded: false,
    };
  }

  private async popularity(request: RecommendationsRequest, resolved: ResolvedSurfaceConfig, why: { run?: SurfaceRun; failure?: string }): Promise<RecommendationsResponse> {
    const degraded = why.failure !== undefined || (why.run?.degraded ?? false);
    const metrics = engineMetricsFor(this.stack.deps);
    metrics.countFallback({ surface: request.surface, component: "popularityFallback", reason: why.failure !== undefined ? "error" : "unavailable" });
    metrics.countRecommendationResponse({ surface: request.surface, degraded });
    const trace = request.debug ? { fallback: "popularity", ...(why.failure ? { failure: why.failure } : {}), funnel: why.run?.result.trace ?? null } : undefined;
    try {
      const response = await this.popularityFallback.recommend({ ...request, cursor: null, debug: false });
      // The funnel's side effects did not run for this page: log its served features here (sampled, not awaited).
      const { db, store, logger, servedFeatureSampleRate = 0 } = this.stack.deps;
      void hydrateAndLogServedFeatures({
        db,
        store,
        logger,
        userId: request.userId,
        itemIds: response.items.map((item) => item.itemId),
        requestId: response.requestId,
        surface: request.surface,
        at: new Date(),
        sampleRate: servedFeatureSampleRate,
        modelVersion: null,
      });
      return { ...response, ruleSetVersion: resolved.ruleSetVersion, degraded: response.degraded || degraded, ...(trace ? { trace } : {}) };
    } catch (error) {
      this.stack.logger.warn({ err: error, surface: request.surface }, "no popularity list either; serving an empty page");
      return {
        requestId: why.run?.result.requestId ?? randomUUID(),
        surface: request.surface,
        items: [],
        cursor: null,
        modelVersion: null,
        ruleSetVersion: resolved.ruleSetVersion,
        variant: null,
        degraded: true,
        ...(trace ? { trace } : {}),
      };
    }
  }

  async rerank(request: RerankRequest): Promise<RerankResponse> {
    const resolved = this.stack.rules.configFor(request.surface);
    const supplied = [...new Set(request.itemIds)];
    const count = request.count ?? Math.min(supplied.length, 200);
    const requestId = randomUUID();
    const base = { requestId, surface: request.surface, ruleSetVersion: resolved.ruleSetVersion, variant: null };
    let run: SurfaceRun | null = null;
    try {
      run = await runSurface(this.stack, {
        requestId,
        userId: request.userId,
        surface: request.surface,
        count,
        nowMs: Date.now(),
        context: request.context,
        excludeItemIds: [],
        config: resolved.config,
        ruleSetVersion: resolved.ruleSetVersion,
        detail: request.debug ? "full" : "summary",
        suppliedItemIds: supplied,
      });
    } catch (error) {
      this.stack.logger.error({ err: error, requestId }, "rerank funnel failed; returning the candidates in the given order");
    }
    const failedHydration = run?.result.trace.stages.some((stage) => stage.stage === "hydrateCandidates" && stage.components.some((component) => component.status !== "ok"));
    if (!run || (run.result.page.length === 0 && failedHydration)) {
      // Fallback: the client's own order, unscored.
      return {
        ...base,
        items: supplied.slice(0, count).map((itemId, position) => ({ itemId, position, score: 0, sources: [{ id: "supplied", rank: position }], propensity: 1 })),
        modelVersion: null,
        degraded: true,
        removed: [],
      };
    }
    const removed = run.result.trace.stages
      .filter((stage) => stage.stage === "filters" || stage.stage === "merge")
      .flatMap((stage) => stage.components.flatMap((component) => component.removed ?? []));
    const response: RerankResponse = {
      ...base,
      items: run.result.page.map((item) => toItem(item, item.position, item.propensity)),
      modelVersion: run.modelVersion,
      degraded: run.degraded,
      removed,
    };
    if (request.debug) response.trace = { ...run.result.trace, degradedBecause: run.scope.degradedBecause, notes: run.scope.notes };
    return response;
  }

  /** Admin feed debugger: the user's feed with a full trace, under the published or a draft config. */
  async preview(request: FeedPreviewRequest): Promise<FeedPreviewResponse> {
    let resolved = this.stack.rules.configFor(request.surface);
    let source: FeedPreviewResponse["config"]["source"] = resolved.ruleSetVersion === null ? "default" : "published";
    if (request.ruleSetConfig !== undefined) {
      const parsed = surfaceConfigSchema.safeParse(request.ruleSetConfig);
      if (!parsed.success) {
        throw new InvalidDraftConfigError(parsed.error.issues.map((issue) => ({ path: ["ruleSetConfig", ...issue.path.map(String)].join("."), message: issue.message })));
      }
      resolved = { config: parsed.data, ruleSetVersion: null, ruleSetId: null };
      source = "draft";
    }
    const [response, history] = await Promise.all([
      (async () => {
        const requestId = randomUUID();
        try {
          const run = await runSurface(this.stack, {
            requestId,
            userId: request.userId,
            surface: request.surface,
            count: request.count,
            nowMs: Date.now(),
            context: request.context,
            excludeItemIds: [],
            config: resolved.config,
            ruleSetVersion: resolved.ruleSetVersion,
            detail: "full",
          });
          return { run, response: this.previewResponse(request, resolved, run) };
        } catch (error) {
          return { run: null, response: await this.popularity({ ...request, excludeItemIds: [], cursor: null, debug: false }, resolved, { failure: String(error) }) };
        }
      })(),
      this.recentHistory(request.userId).catch((error: unknown) => {
        this.stack.logger.warn({ err: error }, "feed preview: history unavailable");
        return [];
      }),
    ]);
    return {
      response: response.response,
      trace: response.run ? { ...response.run.result.trace, degradedBecause: response.run.scope.degradedBecause, notes: response.run.scope.notes } : null,
      history,
      config: { source, ruleSetVersion: resolved.ruleSetVersion },
    };
  }

  private previewResponse(request: FeedPreviewRequest, resolved: ResolvedSurfaceConfig, run: SurfaceRun): RecommendationsResponse {
    return {
      requestId: run.result.requestId,
      surface: request.surface,
      items: run.result.page.map((item) => toItem(item, item.position, item.propensity)),
      cursor: null,
      modelVersion: run.modelVersion,
      ruleSetVersion: resolved.ruleSetVersion,
      variant: null,
      degraded: run.degraded,
    };
  }

  private async recentHistory(userId: string, limit = 50): Promise<FeedPreviewResponse["history"]> {
    const rows = await this.stack.db.$queryRaw<{ itemId: string; type: string; occurredAt: Date; value: number | null }[]>`
      SELECT item_id AS "itemId", type::text AS type, occurred_at AS "occurredAt", value
      FROM events WHERE user_id = ${userId} ORDER BY occurred_at DESC LIMIT ${limit}::int`;
    return rows.map((row) => ({ itemId: row.itemId, type: row.type, occurredAt: row.occurredAt.toISOString(), value: row.value === null ? null : Number(row.value) }));
  }
}
