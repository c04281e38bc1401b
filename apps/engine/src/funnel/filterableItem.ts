// The view of a candidate that compiled filter expressions read. Numbers are the item's numeric
// attributes overlaid with its hydrated features (features win: they are fresher).
import type { FilterableItem } from "@cascade/core";
import { allFeatures, type Candidate } from "./candidate.ts";

const HOUR_MS = 3_600_000;

export function toFilterableItem(candidate: Candidate, nowMs: number): FilterableItem {
  const item = candidate.item;
  return {
    id: candidate.itemId,
    category: item?.category ?? "",
    creator: item?.creatorId ?? null,
    tags: item?.tags ?? [],
    ageHours: item ? (nowMs - item.publishedAtMs) / HOUR_MS : Number.NaN,
    available: item?.available ?? true,
    numbers: item?.numbers ? { ...item.numbers, ...allFeatures(candidate) } : allFeatures(candidate),
  };
}

/** Age in hours at `nowMs`; NaN when the item's attributes were not hydrated. */
export function ageHours(candidate: Candidate, nowMs: number): number {
  return candidate.item ? (nowMs - candidate.item.publishedAtMs) / HOUR_MS : Number.NaN;
}
