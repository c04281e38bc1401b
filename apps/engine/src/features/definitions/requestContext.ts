// Context: the request time's hour of day and day of week, in UTC (no per-user time zone yet).
// Computed from the "as of" time only, so serving and training agree by construction.
import { defineFeature, type FeatureDefinition } from "../featureDefinition.ts";

export const requestContextFeatures: readonly FeatureDefinition[] = [
  defineFeature({
    name: "context_hour_of_day",
    entity: "context",
    type: "number",
    window: null,
    default: 0,
    description: "Hour of the request, 0–23, UTC.",
    counters: [],
    compute: ({ atMs }) => new Date(atMs).getUTCHours(),
  }),
  defineFeature({
    name: "context_day_of_week",
    entity: "context",
    type: "number",
    window: null,
    default: 0,
    description: "Day of the request, 0 = Sunday … 6 = Saturday, UTC.",
    counters: [],
    compute: ({ atMs }) => new Date(atMs).getUTCDay(),
  }),
];
