// Popularity recommendations: the first thin slice of the funnel, before any model exists.
//
//   popularity (source)  → the cached ranking snapshot, from the cursor's offset
//   exclusions (filter)  → drops `excludeItemIds` and what the user hid, disliked or bought
//   page (selector)      → the first `count` survivors, with a cursor to continue
//
// Every user gets the same ranking minus their exclusions, so unknown users get the cold-start
// list rather than an error. If the exclusion lookup fails or overruns its budget, the page is
// still served without it (fail open) and flagged `degraded`, like a page served from a ranking
// whose last refresh failed.
import { randomUUID } from "node:crypto";
import type { RecommendationsRequest, RecommendationsResponse, RecommendedItem } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { decodeCursor, encodeCursor, InvalidCursorError } from "./cursor.ts";
import { selectPage } from "./pageSelection.ts";
import type { PopularityRanking, PopularitySnapshot } from "./popularityRanking.ts";
import { withinBudget } from "./timeBudget.ts";
import { loadUserExclusions } from "./userExclusions.ts";

export const POPULARITY_SOURCE_ID = "popularity";

/** The user's history lookup is one indexed query; past this, serve without it rather than wait. */
const EXCLUSIONS_BUDGET_MS = 500;

export type StageTrace = { id: string; ms: number; in: number; out: number };
export type RecommendationTrace = { snapshotId: string; stages: StageTrace[] };

export class PopularityRecommender {
  constructor(
    private readonly ranking: PopularityRanking,
    private readonly db: Database,
    private readonly logger: Pick<Logger, "warn">,
  ) {}

  /** Throws InvalidCursorError for a malformed or expired cursor. */
  async recommend(request: RecommendationsRequest): Promise<RecommendationsResponse> {
    const stages: StageTrace[] = [];
    const cursor = request.cursor == null ? null : decodeCursor(request.cursor);
    if (request.cursor != null && !cursor) throw new InvalidCursorError("is not a cursor returned by this API");

    let startedAt = performance.now();
    const snapshot = cursor ? this.ranking.snapshotById(cursor.snapshotId) : await this.ranking.currentSnapshot();
    if (!snapshot) throw new InvalidCursorError("has expired; request the first page again");
    if (cursor && cursor.offset > snapshot.items.length) throw new InvalidCursorError("is not a cursor returned by this API");
    const offset = cursor?.offset ?? 0;
    const remaining = snapshot.items.length - offset;
    stages.push({ id: POPULARITY_SOURCE_ID, ms: elapsed(startedAt), in: snapshot.items.length, out: remaining });

    startedAt = performance.now();
    const { excluded, exclusionsFailed } = await this.exclusionsFor(request);
    const page = selectPage(snapshot.items, { offset, count: request.count, excluded });
    const kept = page.scanned - page.excludedCount;
    stages.push({ id: "exclusions", ms: elapsed(startedAt), in: page.scanned, out: kept });
    stages.push({ id: "page", ms: 0, in: kept, out: page.picks.length });

    const served = cursor?.served ?? 0;
    const items: RecommendedItem[] = page.picks.map(({ item, rank }, index) => ({
      itemId: item.itemId,
      position: served + index,
      score: item.score,
      sources: [{ id: POPULARITY_SOURCE_ID, rank, score: item.score }],
      propensity: 1,
    }));
    const exhausted = page.nextOffset >= snapshot.items.length;

    const response: RecommendationsResponse = {
      requestId: randomUUID(),
      surface: request.surface,
      items,
      cursor: exhausted ? null : encodeCursor({ snapshotId: snapshot.id, offset: page.nextOffset, served: served + items.length }),
      modelVersion: null,
      ruleSetVersion: null,
      variant: null,
      degraded: this.ranking.degraded || exclusionsFailed,
      degradedCauses: [
        ...(this.ranking.degraded ? [{ component: POPULARITY_SOURCE_ID, reason: "the popularity ranking's last refresh failed: serving an older list" }] : []),
        ...(exclusionsFailed ? [{ component: "exclusions", reason: "the user's hidden, disliked and bought items could not be read" }] : []),
      ],
    };
    if (request.debug) response.trace = traceOf(snapshot, stages);
    return response;
  }

  private async exclusionsFor(request: RecommendationsRequest): Promise<{ excluded: Set<string>; exclusionsFailed: boolean }> {
    const excluded = new Set(request.excludeItemIds);
    try {
      const history = await withinBudget(loadUserExclusions(this.db, request.userId), EXCLUSIONS_BUDGET_MS, "user exclusions");
      for (const itemId of history) excluded.add(itemId);
      return { excluded, exclusionsFailed: false };
    } catch (error) {
      this.logger.warn({ err: error, userId: request.userId }, "user exclusions unavailable; serving without them");
      return { excluded, exclusionsFailed: true };
    }
  }
}

function traceOf(snapshot: PopularitySnapshot, stages: StageTrace[]): RecommendationTrace {
  return { snapshotId: snapshot.id, stages };
}

function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000;
}
