// What counts as a positive interaction ("the user wanted this item"): one definition, read the
// same way by importers (each format's default), training (retrieval positives, the ranker's
// positives when there are no impressions) and evaluation (the benchmark protocol's positives).
//
// A spec is a set of event types, plus two optional thresholds:
// - minRating: a `rating` event counts only from this value on (the API's 0–10 scale, 5 neutral;
//   MovieLens stars are imported ×2, so "4 stars or more" is rating>=8); null = every rating, as
//   the published MovieLens/RecBole protocol counts each rated item;
// - minWeight: an event counts only if its `context.weight` (play counts and the like, kept there
//   by interaction imports) is at least this.
//
// Text form (CLI): comma-separated terms — event types (`click,like,purchase`), `rating` or
// `rating>=T`, `weight>=W` (alone: every engagement type, with that weight), and `any` (every
// engagement type and every rating).
import { z } from "zod";

export const positiveEventTypes = ["click", "like", "share", "watch", "purchase", "rating"] as const;
export type PositiveEventType = (typeof positiveEventTypes)[number];

/** Types that say "engaged" by themselves (not impression, hide, dislike; rating is separate). */
export const ENGAGEMENT_EVENT_TYPES: readonly PositiveEventType[] = ["click", "like", "share", "watch", "purchase"];

export const positiveSpecSchema = z
  .object({
    eventTypes: z.array(z.enum(positiveEventTypes)).min(1),
    minRating: z.number().min(0).max(10).nullable().default(null),
    minWeight: z.number().finite().nullable().default(null),
  })
  .strict();
export type PositiveSpec = z.output<typeof positiveSpecSchema>;

const THRESHOLD = /^(rating|weight)\s*>=\s*(-?\d+(?:\.\d+)?)$/;

/** Parses the text form; an error names the term it does not understand and the accepted forms. */
export function parsePositiveSpec(text: string): PositiveSpec {
  const types = new Set<PositiveEventType>();
  let minRating: number | null = null;
  let minWeight: number | null = null;
  const terms = text
    .split(",")
    .map((term) => term.trim())
    .filter((term) => term !== "");
  if (terms.length === 0) throw new Error(`positive "${text}": name at least one event type (e.g. click,like or rating>=8)`);
  for (const term of terms) {
    const threshold = THRESHOLD.exec(term);
    if (term === "any") {
      for (const type of ENGAGEMENT_EVENT_TYPES) types.add(type);
      types.add("rating");
    } else if (threshold) {
      const value = Number(threshold[2]);
      if (threshold[1] === "rating") {
        if (value < 0 || value > 10) throw new Error(`positive "${term}": ratings are on the API's 0–10 scale (MovieLens stars × 2)`);
        minRating = value;
        types.add("rating");
      } else minWeight = value;
    } else if ((positiveEventTypes as readonly string[]).includes(term)) {
      types.add(term as PositiveEventType);
    } else {
      throw new Error(`positive "${term}" not understood: expected event types (${positiveEventTypes.join(", ")}), rating>=T, weight>=W or any`);
    }
  }
  // `weight>=W` alone: every engagement type, when it carries that weight.
  if (types.size === 0) for (const type of ENGAGEMENT_EVENT_TYPES) types.add(type);
  return { eventTypes: positiveEventTypes.filter((type) => types.has(type)), minRating, minWeight };
}

/** The text form (`parsePositiveSpec(formatPositiveSpec(s))` equals `s`). */
export function formatPositiveSpec(spec: PositiveSpec): string {
  const terms: string[] = spec.eventTypes.map((type) => (type === "rating" && spec.minRating !== null ? `rating>=${spec.minRating}` : type));
  if (spec.minWeight !== null) terms.push(`weight>=${spec.minWeight}`);
  return terms.join(",");
}

/** For reports: "click, like, any rating" / "rating ≥ 8, weight ≥ 1". */
export function describePositiveSpec(spec: PositiveSpec): string {
  const parts = spec.eventTypes.map((type) => (type === "rating" ? (spec.minRating === null ? "any rating" : `rating ≥ ${spec.minRating}`) : type));
  return spec.minWeight === null ? parts.join(", ") : `${parts.join(", ")} with weight ≥ ${spec.minWeight}`;
}

/** The fields of a stored event a spec reads (`weight` = context.weight when it is a number). */
export type PositiveSignal = { type: string; value?: number | null; weight?: number | null };

export function isPositive(spec: PositiveSpec, event: PositiveSignal): boolean {
  if (!(spec.eventTypes as readonly string[]).includes(event.type)) return false;
  if (event.type === "rating" && spec.minRating !== null && !(typeof event.value === "number" && event.value >= spec.minRating)) return false;
  if (spec.minWeight !== null && !(typeof event.weight === "number" && event.weight >= spec.minWeight)) return false;
  return true;
}

/** `context.weight` when it is a finite number. */
export function weightOf(context: unknown): number | null {
  const weight = typeof context === "object" && context !== null ? (context as { weight?: unknown }).weight : undefined;
  return typeof weight === "number" && Number.isFinite(weight) ? weight : null;
}
