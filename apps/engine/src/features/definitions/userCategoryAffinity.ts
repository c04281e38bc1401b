// Per user × category: how much the user engaged with the candidate item's category lately, as a
// decayed sum (3-day half-life) of positive engagement, and as a share of all their engagement.
// The item → category map comes from the catalogue (itemCategories.ts); the counter keeps one field
// per category in the user's hash, so one read serves every candidate.
import { engagementWeight } from "../../sources/popularityScore.ts";
import { DecayedSum } from "../counters/decayedSum.ts";
import { defineFeature, type FeatureDefinition } from "../featureDefinition.ts";

const DAY_MS = 24 * 3_600_000;

/** Sub-key "" is the user's total; each category has its own sub-key. Negative feedback is left out. */
const affinity = new DecayedSum({
  id: "aff",
  entity: "user",
  halfLifeMs: 3 * DAY_MS,
  contributions: (event, facts) => {
    const amount = Math.max(0, engagementWeight(event.type, event.value ?? null));
    if (amount === 0) return [];
    return facts.itemCategory === null
      ? [{ subKey: "", amount }]
      : [
          { subKey: "", amount },
          { subKey: facts.itemCategory, amount },
        ];
  },
});

export const userCategoryAffinityFeatures: readonly FeatureDefinition[] = [
  defineFeature({
    name: "user_category_affinity",
    entity: "user_item",
    type: "number",
    window: "half-life 3d",
    default: 0,
    description:
      "The user's positive engagement (click 1, like 2, share/watch 3, purchase 5, good ratings) with items of the candidate's category, halving every 3 days.",
    counters: [affinity],
    compute: ({ user, atMs, itemCategory }) => {
      if (itemCategory === null || affinity.valueAt(user, atMs) === null) return null;
      return affinity.valueAt(user, atMs, itemCategory) ?? 0;
    },
  }),
  defineFeature({
    name: "user_category_affinity_share",
    entity: "user_item",
    type: "number",
    window: "half-life 3d",
    default: 0,
    description: "user_category_affinity divided by the user's decayed engagement over all categories (0–1).",
    counters: [affinity],
    compute: ({ user, atMs, itemCategory }) => {
      const total = affinity.valueAt(user, atMs);
      if (itemCategory === null || total === null || total <= 0) return null;
      return (affinity.valueAt(user, atMs, itemCategory) ?? 0) / total;
    },
  }),
];
