// How much an event says about an item's popularity, and how that fades with age. The SQL
// aggregate in popularityRanking.ts evaluates exactly these definitions (it receives the weights
// and constants from here); `popularityScore` is the reference the integration test compares it to.
import type { EventType } from "@cascade/core";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Weight per event type. Impressions carry no signal on their own (being shown is not engagement);
 * explicit negative feedback outweighs a click. `rating` is scored from its value instead.
 */
export const ENGAGEMENT_WEIGHTS: Readonly<Record<Exclude<EventType, "rating">, number>> = {
  impression: 0,
  click: 1,
  like: 2,
  share: 3,
  watch: 3,
  purchase: 5,
  dislike: -3,
  hide: -5,
};

/** Ratings are 0–10: 5 is neutral, 10 counts like a like (+2), 0 like a strong dislike (−2). */
export const RATING_NEUTRAL = 5;
export const RATING_POINTS_PER_WEIGHT = 2.5;

export type PopularityScoring = {
  /** Age at which an event counts half. */
  halfLifeMs: number;
  /** Events older than this (relative to the reference time) are ignored. */
  windowMs: number;
};

export const DEFAULT_POPULARITY_SCORING: PopularityScoring = { halfLifeMs: 3 * DAY_MS, windowMs: 30 * DAY_MS };

export function engagementWeight(type: EventType, value: number | null): number {
  if (type === "rating") return ((value ?? RATING_NEUTRAL) - RATING_NEUTRAL) / RATING_POINTS_PER_WEIGHT;
  return ENGAGEMENT_WEIGHTS[type];
}

/** 1 for a brand-new event, ½ after one half-life, ¼ after two. */
export function decayFactor(ageMs: number, halfLifeMs: number): number {
  return 0.5 ** (ageMs / halfLifeMs);
}

export type ScoredEvent = { type: EventType; value: number | null; occurredAt: Date };

/**
 * Σ weight × decay over the events inside (reference − window, reference]. The reference is the
 * newest event time at or before business time (platform/clock.ts), not the wall clock, so a quiet period or
 * old demo data still produces a ranking instead of everything decaying to zero.
 */
export function popularityScore(events: readonly ScoredEvent[], referenceTime: Date, scoring: PopularityScoring): number {
  const reference = referenceTime.getTime();
  let score = 0;
  for (const event of events) {
    const ageMs = reference - event.occurredAt.getTime();
    if (ageMs < 0 || ageMs >= scoring.windowMs) continue;
    score += engagementWeight(event.type, event.value) * decayFactor(ageMs, scoring.halfLifeMs);
  }
  return score;
}
