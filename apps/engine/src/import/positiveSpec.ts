// The default positive of each kind of imported data (the spec itself — what counts as a positive,
// its text form and how an event is judged — is core's positives.ts, shared with training and
// evaluation). Importers keep the raw signal (ratings on the 0–10 scale, weights in
// context.weight, event types); `cascade train --positive` and `cascade eval --positive` choose.
//
// - MovieLens and RecBole ratings, generic logs with a rating column: every rating is a positive —
//   the published RecBole protocol treats each rated item as an interaction, whatever the stars
//   (`rating>=8`, i.e. 4 stars, is the stricter alternative some papers use);
// - generic logs with a weight column (play counts…): weight ≥ 1;
// - logs of plain events: click, like, share, watch, purchase (not impression, hide, dislike).
import { ENGAGEMENT_EVENT_TYPES, type PositiveSpec } from "@cascade/core";

/** The kinds of imported data that have a default positive. */
export const positiveDataKinds = ["movielens", "recbole", "ratings", "weights", "events"] as const;
export type PositiveDataKind = (typeof positiveDataKinds)[number];

export function defaultPositiveFor(kind: PositiveDataKind): PositiveSpec {
  switch (kind) {
    case "movielens":
    case "recbole":
    case "ratings":
      return { eventTypes: ["rating"], minRating: null, minWeight: null };
    case "weights":
      return { eventTypes: [...ENGAGEMENT_EVENT_TYPES], minRating: null, minWeight: 1 };
    case "events":
      return { eventTypes: [...ENGAGEMENT_EVENT_TYPES], minRating: null, minWeight: null };
  }
}
