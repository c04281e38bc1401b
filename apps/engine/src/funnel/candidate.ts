// A candidate item travelling through the funnel. Provenance (`sources`) is set once at merge;
// scorers add features and scores; rules change `score` and the order; exploration sets the slot.

/** One source that found the item: its id, the item's 0-based rank in that source's list, and its retrieval score. */
export type SourceHit = { id: string; rank: number; score?: number };

/** Catalogue attributes rules and filter expressions read (hydrated once per request). */
export type ItemAttributes = {
  category: string;
  creatorId: string | null;
  tags: readonly string[];
  publishedAtMs: number;
  available: boolean;
  /** Numeric item attributes (e.g. price), readable by filter expressions. */
  numbers?: Readonly<Record<string, number>>;
};

export type Candidate = {
  itemId: string;
  /** Every source that found the item, in source declaration order. */
  sources: SourceHit[];
  item?: ItemAttributes;
  /** Unit-length (or at least comparable) vector for similarity rules such as MMR. */
  embedding?: Float32Array | readonly number[];
  /**
   * Hydrated features of this candidate (item, user×item) keyed by feature name. Until a scorer
   * writes some, NO_VALUES (shared, frozen): replace the object, or write through writableFeatures().
   * Read a candidate's whole vector with featureOf / allFeatures: features the request shares
   * (user, context) are in `requestFeatures`, and a name in both reads this object's value.
   */
  features: Record<string, number>;
  /**
   * Features with one value for every candidate of the request (the user's, the context's), ONE
   * object shared by all of them, set by the hydrator that computed it (ScoreUpdate.requestFeatures).
   * Not copied into each candidate's `features`: ~15 values × ~400 candidates per request were
   * ~380 B of garbage per candidate. NO_VALUES (or absent) when none were hydrated.
   */
  requestFeatures?: Readonly<Record<string, number>>;
  /** Per-action predictions (click, like, …), `blend`, and each rule's score delta keyed by rule id. NO_VALUES until written, as `features`. */
  scores: Record<string, number>;
  /** The current ranking score: the blend plus rule deltas. */
  score: number;
  /** The item's slot as a source found it (caching/itemSlots.ts), valid in generation `itemSlotEpoch` only; NO_SLOT when no source gave one. */
  itemSlot?: number;
  itemSlotEpoch?: number;
};

/** What a source returns, best first (its rank is the index). */
export type SourceCandidate = {
  itemId: string;
  score?: number;
  item?: ItemAttributes;
  embedding?: Float32Array | readonly number[];
  /** The item's slot and its generation, from the source's ListSlotMemo (caching/itemSlots.ts): saves the request a catalogue-sized Map lookup. */
  itemSlot?: number;
  itemSlotEpoch?: number;
};

/** A served item: a candidate at a page position with the policy's probability of placing it there. */
export type ServedCandidate = Candidate & {
  position: number;
  propensity: number;
  /** "explore" when an exploration policy put it here. */
  slot: "ranked" | "explore";
};

/**
 * `candidate` served at `position`: the same object as `{ ...candidate, position, propensity, slot }`.
 * Built by Object.assign onto an empty literal and then named stores because V8 gives each object
 * spread and then extended in one literal a hidden class of its own (≈1.3 KB per served item, and
 * every later read of it megamorphic).
 */
export function servedCandidate(candidate: Candidate, position: number, propensity: number, slot: ServedCandidate["slot"]): ServedCandidate {
  const served = Object.assign({}, candidate) as ServedCandidate;
  served.position = position;
  served.propensity = propensity;
  served.slot = slot;
  return served;
}

/**
 * The features and scores of a merged candidate before any scorer wrote them. The first scorer
 * replaces it (runFunnel adopts or copies its update), so one shared frozen object saves two empty
 * objects per candidate (≈100 B × 500 per request) that were thrown away at once.
 */
export const NO_VALUES: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** The candidate's value of feature `name`: its own, else the request's; undefined when neither has one. */
export function featureOf(candidate: Candidate, name: string): number | undefined {
  const own = candidate.features[name];
  return own !== undefined ? own : candidate.requestFeatures?.[name];
}

/** The candidate's whole feature vector (the request's features overlaid with its own) as one object; its own map when the request shares none. */
export function allFeatures(candidate: Candidate): Record<string, number> {
  const shared = candidate.requestFeatures;
  if (shared === undefined || shared === NO_VALUES) return candidate.features;
  return { ...shared, ...candidate.features };
}

/** `candidate.features`, made its own object first if it is still NO_VALUES. */
export function writableFeatures(candidate: Candidate): Record<string, number> {
  if (candidate.features === NO_VALUES) candidate.features = {};
  return candidate.features;
}

/** `candidate.scores`, made its own object first if it is still NO_VALUES. */
export function writableScores(candidate: Candidate): Record<string, number> {
  if (candidate.scores === NO_VALUES) candidate.scores = {};
  return candidate.scores;
}
