// Human-readable names for the demo catalogue, picked by hashing an entity's index (not from the
// random stream), so rewording a title never shifts the random numbers and changes the world.
import { mix32 } from "@cascade/core";

/** Broad genres; a world with K categories names them genre by genre (see categoryName). */
export const CATEGORY_NAMES = [
  "music",
  "comedy",
  "gaming",
  "cooking",
  "travel",
  "fitness",
  "tech",
  "science",
  "fashion",
  "beauty",
  "diy",
  "pets",
  "sports",
  "news",
  "education",
  "finance",
  "art",
  "film",
  "books",
  "parenting",
] as const;

const ADJECTIVES = [
  "Quick",
  "Ultimate",
  "Honest",
  "Cozy",
  "Wild",
  "Tiny",
  "Epic",
  "Calm",
  "Bold",
  "Simple",
  "Hidden",
  "Daily",
  "Late-night",
  "Weekend",
  "Classic",
  "Fresh",
];
const FORMATS = ["guide", "review", "session", "story", "challenge", "deep dive", "tour", "recap", "tips", "live"];
const CREATOR_FIRST = ["Nova", "Pixel", "Maple", "Orbit", "Echo", "Lumen", "Atlas", "Juniper", "Cobalt", "Velvet", "Saffron", "Harbor"];
const CREATOR_SECOND = ["Studio", "Lab", "Kitchen", "Crew", "Channel", "Works", "House", "Club", "Collective", "Corner"];
const COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "ES", "IT", "MX", "NL", "SE", "AU"];
const TAG_FORMATS = ["short", "long-form", "tutorial", "vlog", "interview", "live"];

function pick<T>(list: readonly T[], hash: number): T {
  return list[hash % list.length]!;
}

/**
 * Categories beyond the first 20 are niches of a broad genre (world.ts: centroid k leans towards
 * genre k mod 20): "music", …, "parenting", then "music-2", "comedy-2", … .
 */
export function categoryName(index: number): string {
  const genre = CATEGORY_NAMES[index % CATEGORY_NAMES.length]!;
  const round = Math.floor(index / CATEGORY_NAMES.length);
  return round === 0 ? genre : `${genre}-${round + 1}`;
}

export function itemTitle(index: number, category: string): string {
  const hash = mix32(index ^ 0x5eed_1157);
  return `${pick(ADJECTIVES, hash)} ${category} ${pick(FORMATS, hash >>> 8)} #${index}`;
}

export function itemFormatTag(index: number): string {
  return pick(TAG_FORMATS, mix32(index ^ 0x7a6_f00d));
}

export function creatorName(index: number): string {
  const hash = mix32(index ^ 0xc0ffee);
  return `${pick(CREATOR_FIRST, hash)} ${pick(CREATOR_SECOND, hash >>> 8)} ${index}`;
}

export function userCountry(index: number): string {
  return pick(COUNTRIES, mix32(index ^ 0xba5e));
}
