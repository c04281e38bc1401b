// Trending: the items with the most engagement, each event halving in weight every 6 hours (the
// same weights as the item_trending_6h feature and the popularity ranking). Read every minute in the
// background (PopularityRanking with a 6 h half-life: from the incrementally kept item_engagement
// table, or a scan of the log for replays as of T) and served from memory, so the source costs no
// round trip.
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { Clock } from "../platform/clock.ts";
import type { CandidateSource } from "../funnel/index.ts";
import { PopularityRanking } from "./popularityRanking.ts";
import { rankingSource } from "./rankingSource.ts";
import type { ItemSlots } from "../caching/itemSlots.ts";

export const TRENDING_SOURCE_ID = "trending";
const HOUR_MS = 3_600_000;

export function createTrendingRanking(
  db: Database,
  logger: Pick<Logger, "warn" | "debug">,
  options: { refreshIntervalMs?: number; clock?: Clock } = {},
): PopularityRanking {
  return new PopularityRanking(db, logger, {
    halfLifeMs: 6 * HOUR_MS,
    windowMs: 3 * 24 * HOUR_MS,
    maxItems: 2_000,
    refreshIntervalMs: options.refreshIntervalMs ?? 60_000,
    // Read from item_engagement (kept by triggers on the log) under the wall or data clock.
    incremental: true,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

export function trendingSource(ranking: PopularityRanking, slots?: ItemSlots): CandidateSource {
  return rankingSource(TRENDING_SOURCE_ID, ranking, 15, slots);
}
