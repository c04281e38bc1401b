// The view of a candidate that compiled filter expressions read. Numbers are the item's numeric
// attributes overlaid with its hydrated features (features win: they are fresher).
import type { FilterableItem } from "@cascade/core";
import { allFeatures, NO_VALUES, type Candidate } from "./candidate.ts";

const HOUR_MS = 3_600_000;

/**
 * No copy of the candidate's features unless the item has numeric attributes to overlay: the
 * request's features go as `sharedNumbers` (the same object for every candidate). Predicates run
 * over many candidates per request (an exploration pool's condition over the whole ranked list), and
 * merging ~35 features into a new object per candidate there was most of what a request promoted.
 */
export function toFilterableItem(candidate: Candidate, nowMs: number): FilterableItem {
  const item = candidate.item;
  const shared = candidate.requestFeatures;
  return {
    id: candidate.itemId,
    category: item?.category ?? "",
    creator: item?.creatorId ?? null,
    tags: item?.tags ?? [],
    ageHours: item ? (nowMs - item.publishedAtMs) / HOUR_MS : Number.NaN,
    available: item?.available ?? true,
    // Features win over attributes, the candidate's own over the request's (allFeatures).
    numbers: item?.numbers ? { ...item.numbers, ...allFeatures(candidate) } : candidate.features,
    sharedNumbers: item?.numbers || shared === NO_VALUES ? undefined : shared,
  };
}

/** Age in hours at `nowMs`; NaN when the item's attributes were not hydrated. */
export function ageHours(candidate: Candidate, nowMs: number): number {
  return candidate.item ? (nowMs - candidate.item.publishedAtMs) / HOUR_MS : Number.NaN;
}
