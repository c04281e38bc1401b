// Text PostgreSQL and Prisma can store: PostgreSQL text and jsonb cannot hold NUL (U+0000), and a
// lone UTF-16 surrogate can be neither encoded as UTF-8 (Prisma's query engine refuses it) nor
// percent-encoded into an engine URL (encodeURIComponent throws). The console's inputs are checked
// with these, once.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` holds a lone surrogate (not part of a pair). */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/** True when `value` holds neither NUL nor a lone surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && !hasLoneSurrogate(value);
}

/** True when some string (or key) in `value` holds a NUL or a lone surrogate (nested up to 32 levels). */
export function holdsUnstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return !isStorableText(value);
  if (depth > 32 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((entry) => holdsUnstorableText(entry, depth + 1));
  return Object.entries(value).some(([key, entry]) => holdsUnstorableText(key) || holdsUnstorableText(entry, depth + 1));
}
