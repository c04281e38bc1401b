import type { EventType } from "@cascade/db";

/**
 * A fixed colour per event type, so "click" is the same blue in every chart and table of the
 * console. Impressions, by far the most frequent, get a quiet grey so they do not drown the rest.
 */
export const EVENT_TYPE_COLORS: Record<EventType, string> = {
  impression: "#98a2b3",
  click: "#4f46e5",
  like: "#db2777",
  share: "#0ea5e9",
  watch: "#16a34a",
  purchase: "#f97316",
  rating: "#a855f7",
  hide: "#eab308",
  dislike: "#ef4444",
};

export const EVENT_TYPE_LABELS: Record<EventType, string> = {
  impression: "Impressions",
  click: "Clicks",
  like: "Likes",
  share: "Shares",
  watch: "Watches",
  purchase: "Purchases",
  rating: "Ratings",
  hide: "Hides",
  dislike: "Dislikes",
};
