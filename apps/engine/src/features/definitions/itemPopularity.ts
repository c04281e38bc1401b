// Per item: decayed engagement (trending over hours, popularity over days) and decayed impression
// and click counts with a smoothed CTR. Decayed rather than windowed so each item costs one small
// hash per half-life on the request path, whatever the window (see counters/decayedSum.ts).
import { ENGAGEMENT_WEIGHTS, engagementWeight, RATING_NEUTRAL, RATING_POINTS_PER_WEIGHT } from "../../sources/popularityScore.ts";
import { DecayedSum } from "../counters/decayedSum.ts";
import { defineFeature, type FeatureDefinition } from "../featureDefinition.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The same weights the popularity ranking uses, so "trending" means the same thing everywhere. */
const WEIGHT_PARAMETERS = { weights: JSON.stringify(ENGAGEMENT_WEIGHTS), ratingNeutral: RATING_NEUTRAL, ratingPointsPerWeight: RATING_POINTS_PER_WEIGHT };

/**
 * Beta(α, β) prior on CTR: α = 1 click in α + β = 20 impressions, a 5 % prior mean. An item with
 * few impressions stays near the prior instead of jumping to 0 % or 100 %.
 */
export const CTR_PRIOR = { alpha: 1, beta: 19 } as const;

const trending = new DecayedSum({
  id: "trend",
  entity: "item",
  halfLifeMs: 6 * HOUR_MS,
  contributions: (event) => [{ subKey: "", amount: engagementWeight(event.type, event.value ?? null) }],
  parameters: WEIGHT_PARAMETERS,
});
const popularity = new DecayedSum({
  id: "pop",
  entity: "item",
  halfLifeMs: 3 * DAY_MS,
  contributions: (event) => [{ subKey: "", amount: engagementWeight(event.type, event.value ?? null) }],
  parameters: WEIGHT_PARAMETERS,
});
const impressions = new DecayedSum({
  id: "imp",
  entity: "item",
  halfLifeMs: 3 * DAY_MS,
  contributions: (event) => (event.type === "impression" ? [{ subKey: "", amount: 1 }] : []),
});
const clicks = new DecayedSum({
  id: "clk",
  entity: "item",
  halfLifeMs: 3 * DAY_MS,
  contributions: (event) => (event.type === "click" ? [{ subKey: "", amount: 1 }] : []),
});

export const itemPopularityFeatures: readonly FeatureDefinition[] = [
  defineFeature({
    name: "item_trending_6h",
    entity: "item",
    type: "number",
    window: "half-life 6h",
    default: 0,
    description:
      "Engagement with the item (click 1, like 2, share/watch 3, purchase 5, dislike −3, hide −5, rating by value), each event halving in weight every 6 hours.",
    counters: [trending],
    compute: ({ item, atMs }) => trending.valueAt(item, atMs),
  }),
  defineFeature({
    name: "item_popularity_3d",
    entity: "item",
    type: "number",
    window: "half-life 3d",
    default: 0,
    description: "The same engagement score as item_trending_6h with a 3-day half-life (the popularity ranking's).",
    counters: [popularity],
    compute: ({ item, atMs }) => popularity.valueAt(item, atMs),
  }),
  defineFeature({
    name: "item_impressions_3d",
    entity: "item",
    type: "number",
    window: "half-life 3d",
    default: 0,
    description: "Impressions of the item, each halving in weight every 3 days (an effective count).",
    counters: [impressions],
    compute: ({ item, atMs }) => impressions.valueAt(item, atMs),
  }),
  defineFeature({
    name: "item_clicks_3d",
    entity: "item",
    type: "number",
    window: "half-life 3d",
    default: 0,
    description: "Clicks on the item, each halving in weight every 3 days (an effective count).",
    counters: [clicks],
    compute: ({ item, atMs }) => clicks.valueAt(item, atMs),
  }),
  defineFeature({
    name: "item_ctr_3d",
    entity: "item",
    type: "number",
    window: "half-life 3d",
    default: CTR_PRIOR.alpha / (CTR_PRIOR.alpha + CTR_PRIOR.beta),
    description: `Click-through rate from the decayed counts with a Beta(${CTR_PRIOR.alpha}, ${CTR_PRIOR.beta}) prior: (clicks + ${CTR_PRIOR.alpha}) / (impressions + ${CTR_PRIOR.alpha + CTR_PRIOR.beta}). Default: the prior mean.`,
    counters: [impressions, clicks],
    compute: ({ item, atMs }) => {
      const shown = impressions.valueAt(item, atMs);
      const clicked = clicks.valueAt(item, atMs);
      if (shown === null && clicked === null) return null;
      return ((clicked ?? 0) + CTR_PRIOR.alpha) / ((shown ?? 0) + CTR_PRIOR.alpha + CTR_PRIOR.beta);
    },
  }),
];
