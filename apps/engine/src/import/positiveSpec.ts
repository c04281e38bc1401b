// What counts as a "positive" interaction in imported data. Importers keep the raw signal (stars,
// weights, event types); training and evaluation decide what is positive with one of these specs,
// so the choice is explicit, printable and the same everywhere.
//
// Where each kind reads its signal in the event log:
// - anyRating / ratingAtLeast: events of type `rating`, their `value` (stars);
// - weightAtLeast: the `weight` an interaction import stored in the event's `context.weight`
//   (play counts and the like), whatever the event type;
// - eventTypes: the event's `type`.
//
// Defaults per kind of data (`defaultPositiveFor`):
// - MovieLens and RecBole ratings: every rating is a positive — the published RecBole protocol
//   treats each rated item as an interaction, whatever the stars (`rating>=4` is the stricter
//   alternative some papers use);
// - generic logs with a rating column: the same; with a weight column: weight ≥ 1;
// - logs of plain events: click, like, share, watch, purchase (not impression, hide, dislike).
import { eventType, type EventType } from "@cascade/core";
import { z } from "zod";

export const positiveSpecSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("anyRating") }),
  z.object({ kind: z.literal("ratingAtLeast"), threshold: z.number().finite() }),
  z.object({ kind: z.literal("eventTypes"), types: z.array(eventType).min(1) }),
  z.object({ kind: z.literal("weightAtLeast"), threshold: z.number().finite() }),
]);
export type PositiveSpec = z.infer<typeof positiveSpecSchema>;

/** The kinds of imported data that have a default positive. */
export const positiveDataKinds = ["movielens", "recbole", "ratings", "weights", "events"] as const;
export type PositiveDataKind = (typeof positiveDataKinds)[number];

const ENGAGEMENT_TYPES: EventType[] = ["click", "like", "share", "watch", "purchase"];

export function defaultPositiveFor(kind: PositiveDataKind): PositiveSpec {
  switch (kind) {
    case "movielens":
    case "recbole":
    case "ratings":
      return { kind: "anyRating" };
    case "weights":
      return { kind: "weightAtLeast", threshold: 1 };
    case "events":
      return { kind: "eventTypes", types: [...ENGAGEMENT_TYPES] };
  }
}

const THRESHOLD_FORM = /^(rating|weight)\s*>=\s*(-?\d+(?:\.\d+)?)$/;

/**
 * The CLI form: `rating` (any rating), `rating>=4`, `weight>=2`, `types:click,like`. Throws an
 * error naming the accepted forms, or the unknown event type.
 */
export function parsePositiveSpec(text: string): PositiveSpec {
  const trimmed = text.trim();
  if (trimmed === "rating") return { kind: "anyRating" };
  const threshold = THRESHOLD_FORM.exec(trimmed);
  if (threshold) {
    const value = Number(threshold[2]);
    return threshold[1] === "rating" ? { kind: "ratingAtLeast", threshold: value } : { kind: "weightAtLeast", threshold: value };
  }
  if (trimmed.startsWith("types:")) {
    const types = trimmed
      .slice("types:".length)
      .split(",")
      .map((type) => type.trim())
      .filter((type) => type !== "");
    const unknown = types.find((type) => !eventType.safeParse(type).success);
    if (unknown !== undefined) throw new Error(`positive spec "${text}": unknown event type "${unknown}" (known: ${eventType.options.join(", ")})`);
    if (types.length === 0) throw new Error(`positive spec "${text}": name at least one event type`);
    return positiveSpecSchema.parse({ kind: "eventTypes", types: [...new Set(types)] });
  }
  throw new Error(`positive spec "${text}" not understood: expected rating, rating>=N, weight>=N or types:click,like,…`);
}

/** The CLI form of a spec (`parsePositiveSpec(formatPositiveSpec(s))` equals `s`). */
export function formatPositiveSpec(spec: PositiveSpec): string {
  switch (spec.kind) {
    case "anyRating":
      return "rating";
    case "ratingAtLeast":
      return `rating>=${spec.threshold}`;
    case "weightAtLeast":
      return `weight>=${spec.threshold}`;
    case "eventTypes":
      return `types:${spec.types.join(",")}`;
  }
}

/** The fields of a stored event a spec reads. */
export type PositiveSignal = { type: string; value?: number | null; context?: Record<string, unknown> | null };

export function isPositive(spec: PositiveSpec, event: PositiveSignal): boolean {
  switch (spec.kind) {
    case "anyRating":
      return event.type === "rating";
    case "ratingAtLeast":
      return event.type === "rating" && typeof event.value === "number" && event.value >= spec.threshold;
    case "weightAtLeast": {
      const weight = event.context?.weight;
      return typeof weight === "number" && weight >= spec.threshold;
    }
    case "eventTypes":
      return (spec.types as string[]).includes(event.type);
  }
}
