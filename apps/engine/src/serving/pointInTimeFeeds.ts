// What the feed preview needs to show a user's feed as it would have been served at a past time T.
// The replay room implements it (replay/pointInTimePreviews.ts, over replay/feedReplay.ts); the
// serving room only names the shape, so assembly never imports the replay that is built on it.
import type { RecommendationsResponse, SurfaceConfig } from "@cascade/core";
import type { FunnelTrace } from "../funnel/index.ts";

export type PointInTimeFeed = {
  /** Events folded into the replay's online features (the preview's note says how many). */
  readonly eventsReplayed: number;
  feed(request: {
    userId: string;
    surface: string;
    count: number;
    config?: SurfaceConfig;
  }): Promise<{ response: RecommendationsResponse; trace: FunnelTrace | null }>;
};

/** A replay at T, or why none (the event log up to T exceeds what a preview may replay). */
export type PointInTimeLookup = { replay: PointInTimeFeed } | { replay: null; events: number; maxEvents: number };

export type PointInTimeFeeds = {
  replayAt(asOfMs: number): Promise<PointInTimeLookup>;
};
