// Stage contracts (after Twitter's product-mixer; see ../shared/DESIGN.md). Every component has a
// stable `id` that keys the trace, metrics and fail-open policy.
//
//   source    returns candidates with provenance; never ranks the final list
//   filter    returns {kept, removed}, with a reason per removed item
//   scorer    returns one update per input, same order; never drops or reorders
//   rule      the only thing that reorders or truncates
//   explorer  picks the page and the propensity of every slot
//   sideEffect fire-and-forget; cannot fail the request
import type { Candidate, ItemAttributes, ServedCandidate, SourceCandidate } from "./candidate.ts";
import type { FunnelQuery, QueryFacts } from "./query.ts";
import type { FunnelResult, RuleEffect } from "./trace.ts";

/** Set on a component that reads its `signal` (funnel/componentBudget.ts): only then does the runner make one per call. */
type Abortable = {
  /** The component reads `signal` (to stop its work when its budget runs out); without this it gets one that throws when read. */
  abortable?: boolean;
};

export type QueryHydrator = Abortable & {
  id: string;
  budgetMs: number;
  hydrate(query: FunnelQuery, signal: AbortSignal): Promise<Partial<QueryFacts>>;
};

export type CandidateSource = Abortable & {
  id: string;
  budgetMs: number;
  /** `limit` is the source's quota; the runner also truncates to it. Stop work when `signal` aborts (declare `abortable` to read it). */
  fetch(query: FunnelQuery, limit: number, signal: AbortSignal): Promise<SourceCandidate[]>;
};

export type FilterOutcome = {
  kept: Candidate[];
  removed: { itemId: string; reason: string }[];
  /**
   * Set when the filter could not check some items and removed them (fail closed: a safety filter
   * whose input was missing): the page is degraded and this says why.
   */
  degraded?: string;
};
export type Filter = {
  id: string;
  /** A safety filter (availability, blocked, consumed, …): if it throws, every candidate is removed rather than the filter skipped. */
  failClosed?: boolean;
  apply(query: FunnelQuery, candidates: readonly Candidate[]): FilterOutcome;
};

/** One scorer's writes for one candidate. */
export type ScoreUpdate = {
  features?: Record<string, number>;
  /** Features the whole request shares (user, context): one object, the same in every update of a call; becomes Candidate.requestFeatures. */
  requestFeatures?: Readonly<Record<string, number>>;
  scores?: Record<string, number>;
  item?: ItemAttributes;
  embedding?: Float32Array | readonly number[];
};

/**
 * Hydrators and scorers (the ranker too). Returning updates instead of mutating means a scorer
 * that overruns its budget can never write into candidates after the runner moved on.
 */
export type Scorer = Abortable & {
  id: string;
  budgetMs: number;
  /** Names written (for the trace), e.g. ["scores.click", "features.item_ctr_3d"]. */
  writes: string[];
  /** Written into every candidate when the scorer fails or times out (fail open with defaults). */
  defaults?: { features?: Record<string, number>; scores?: Record<string, number> };
  /**
   * The `features` objects of this scorer's updates are fresh, one per candidate, never reused: the
   * runner may adopt one as a candidate's feature map instead of copying it (a perf hint; unset → copied).
   */
  freshFeatureObjects?: boolean;
  /** The same for the `scores` objects of its updates. */
  freshScoreObjects?: boolean;
  /** `count` adds to a named tally that the trace keeps under this component (`counts`). */
  score(query: FunnelQuery, candidates: readonly Candidate[], signal: AbortSignal, count: TallyCounter): Promise<ScoreUpdate[]>;
};

/** Adds `by` (default 1) to the tally `name` of the component being run; reports after its budget ran out are dropped. */
export type TallyCounter = (name: string, by?: number) => void;

export type RuleOutcome = { items: Candidate[]; effects: RuleEffect[] };
/**
 * `explain: false` (the runner at summary detail, where only removals are traced): the rule may
 * leave out effects that only explain (boosted, buried, …), but still reports every item it removed.
 */
export type RuleOptions = { explain?: boolean };
export type Rule = {
  id: string;
  /** A published constraint (diversity caps): if it throws, the list is emptied rather than the rule skipped. */
  failClosed?: boolean;
  apply(query: FunnelQuery, candidates: readonly Candidate[], options?: RuleOptions): RuleOutcome;
};

export type ExplorationOutcome = { page: ServedCandidate[]; effects: RuleEffect[] };
export type Explorer = {
  id: string;
  /** Picks `count` items from the ranked list, each with its propensity. */
  select(query: FunnelQuery, ranked: readonly Candidate[], count: number): ExplorationOutcome;
};

export type SideEffect = {
  id: string;
  run(query: FunnelQuery, result: FunnelResult): Promise<void>;
};
