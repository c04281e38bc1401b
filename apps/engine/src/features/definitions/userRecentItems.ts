// Per user: the last 50 distinct items they interacted with (click, like, share, watch, purchase,
// rating — rating an item means having consumed it; ratings-only logs like MovieLens would
// otherwise leave every user without history), and per candidate whether and how long ago it was
// among them (re-engagement vs. already seen).
import { RecentItems } from "../counters/recentItems.ts";
import { defineFeature, type FeatureDefinition } from "../featureDefinition.ts";

const HOUR_MS = 3_600_000;
const RETENTION_DAYS = 30;
const INTERACTIONS = new Set(["click", "like", "share", "watch", "purchase", "rating"]);

const recent = new RecentItems({
  id: "recent",
  keep: 50,
  retentionMs: RETENTION_DAYS * 24 * HOUR_MS,
  includes: (event) => INTERACTIONS.has(event.type),
});

export const userRecentItemsFeatures: readonly FeatureDefinition[] = [
  defineFeature({
    name: "user_recent_items_count",
    entity: "user",
    type: "number",
    window: `last ${recent.keep} items`,
    default: 0,
    description: `How many distinct items the user interacted with recently (capped at ${recent.keep}; dropped after ${RETENTION_DAYS} idle days).`,
    counters: [recent],
    compute: ({ user, atMs }) => {
      const count = recent.countAt(user, atMs);
      return count > 0 ? count : null;
    },
  }),
  defineFeature({
    name: "user_item_recently_interacted",
    entity: "user_item",
    type: "number",
    window: `last ${recent.keep} items`,
    default: 0,
    description: `1 when the candidate is among the user's last ${recent.keep} interacted items, else 0.`,
    counters: [recent],
    compute: ({ user, atMs, itemId }) => {
      if (!recent.hasItemsAt(user, atMs)) return null;
      return recent.scoreAt(user, atMs, itemId) === undefined ? 0 : 1;
    },
  }),
  defineFeature({
    name: "user_item_hours_since_interaction",
    entity: "user_item",
    type: "number",
    window: `last ${recent.keep} items`,
    default: RETENTION_DAYS * 24,
    description: `Hours since the user last interacted with the candidate, when it is among their last ${recent.keep} items; otherwise ${RETENTION_DAYS * 24} (the list's retention).`,
    counters: [recent],
    compute: ({ user, atMs, itemId }) => {
      const score = recent.scoreAt(user, atMs, itemId);
      return score === undefined ? null : (atMs - score) / HOUR_MS;
    },
  }),
];
