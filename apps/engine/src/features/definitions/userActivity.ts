// Per user: how much they did in the last 5 minutes, hour and day — impressions, clicks, likes and
// watch seconds. Session-level intent (5m) vs habit (24h). Each window has its own bucket size so a
// read touches at most 24 buckets per window (see counters/windowedCount.ts for the math).
import type { EventType } from "@cascade/core";
import { WindowedCount } from "../counters/windowedCount.ts";
import type { FeatureEvent } from "../featureEvent.ts";
import { defineFeature, type FeatureDefinition } from "../featureDefinition.ts";

const MINUTE_MS = 60_000;

/** Window label → (window, bucket size). */
const WINDOWS = [
  { label: "5m", windowMs: 5 * MINUTE_MS, bucketMs: MINUTE_MS },
  { label: "1h", windowMs: 60 * MINUTE_MS, bucketMs: 5 * MINUTE_MS },
  { label: "24h", windowMs: 24 * 60 * MINUTE_MS, bucketMs: 60 * MINUTE_MS },
] as const;

type Action = { name: string; what: string; amount: (event: FeatureEvent) => number };

const countOf = (type: EventType) => (event: FeatureEvent) => (event.type === type ? 1 : 0);

const ACTIONS: readonly Action[] = [
  { name: "impressions", what: "items shown to the user", amount: countOf("impression") },
  { name: "clicks", what: "clicks by the user", amount: countOf("click") },
  { name: "likes", what: "likes by the user", amount: countOf("like") },
  { name: "watch_seconds", what: "seconds watched by the user", amount: (event) => (event.type === "watch" ? (event.value ?? 0) : 0) },
];

export const userActivityFeatures: readonly FeatureDefinition[] = WINDOWS.flatMap(({ label, windowMs, bucketMs }) =>
  ACTIONS.map(({ name, what, amount }) => {
    const counter = new WindowedCount({ id: `${name}_${label}`, entity: "user", bucketMs, windowMs, amount });
    return defineFeature({
      name: `user_${name}_${label}`,
      entity: "user",
      type: "number",
      window: label,
      default: 0,
      description: `Total of ${what} in the last ${label} (${bucketMs / MINUTE_MS}-minute buckets: the current partial bucket plus the full ones before it).`,
      counters: [counter],
      compute: ({ user, atMs }) => counter.valueAt(user, atMs),
    });
  }),
);
