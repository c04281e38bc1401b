// The funnel trace: per stage and per component, time, counts in/out, removed items with reasons,
// names written, rule effects; and per served item its score breakdown, sources and propensity.
// Plain JSON (no Maps, no typed arrays) so the engine can return it with `debug: true` or from its
// feed-preview endpoint, and the console's feed debugger can draw it and explain items from it.
// The engine's funnel (apps/engine/src/funnel/trace.ts) re-exports these types.

/** One source that found an item: its id, the item's 0-based rank in that source's list, and its retrieval score. */
export type SourceHit = { id: string; rank: number; score?: number };

export type ComponentStatus = "ok" | "timeout" | "error";

/** What a rule or explorer did to one item. Positions are 0-based indices in the list. */
export type RuleEffect = {
  itemId: string;
  kind: "boosted" | "buried" | "moved" | "explored" | "removed";
  from?: number;
  to?: number;
  /** Score added (boosted/buried). */
  delta?: number;
  propensity?: number;
  reason?: string;
};

export type RemovedItem = { itemId: string; reason: string };

export type ComponentTrace = {
  id: string;
  status: ComponentStatus;
  ms: number;
  in: number;
  out: number;
  /** The error message (status "error") or the budget (status "timeout"). */
  error?: string;
  removed?: RemovedItem[];
  writes?: string[];
  effects?: RuleEffect[];
  /** Effects left out of `effects` because they only touched positions past the trace horizon (max(50, 2 × count)). */
  effectsOmitted?: number;
  /** Tallies the component reported while it ran, by name (e.g. `defaults.<feature>`: candidate values that fell back to the declared default). */
  counts?: Record<string, number>;
};

export const STAGE_NAMES = ["hydrateQuery", "sources", "merge", "filters", "hydrateCandidates", "score", "blend", "rules", "exploration"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export type StageTrace = { stage: StageName; ms: number; in: number; out: number; components: ComponentTrace[] };

export type ServedItemTrace = {
  itemId: string;
  position: number;
  score: number;
  /** Per-action predictions, blend and each rule's delta: the score's breakdown. */
  scores: Record<string, number>;
  sources: SourceHit[];
  propensity: number;
  slot: "ranked" | "explore";
  features?: Record<string, number>;
};

export type CandidateTrace = { sources: SourceHit[]; scores: Record<string, number>; features: Record<string, number> };

/**
 * "summary": stages and components with times, counts, statuses and removed items, and the served
 * items' score breakdowns — what every request records (metrics, rerank's `removed`). "full"
 * (debug, feed preview) adds rule and exploration effects, the ranked list, and every candidate's
 * features and scores.
 */
export type TraceDetail = "summary" | "full";

export type FunnelTrace = {
  requestId: string;
  surface: string;
  nowMs: number;
  totalMs: number;
  detail: TraceDetail;
  /** True when any component timed out or failed and the page was served without it. */
  degraded: boolean;
  stages: StageTrace[];
  served: ServedItemTrace[];
  /** detail "full": every surviving candidate's id in its final order (the page is its prefix unless exploration replaced slots). */
  ranked?: string[];
  /** detail "full": every candidate that reached scoring, with its features and scores. */
  candidates?: Record<string, CandidateTrace>;
};
