// Builds the JSON trace from the runner's stage records and final lists.
import { NO_VALUES, type Candidate, type ServedCandidate } from "./candidate.ts";
import type { FunnelQuery } from "./query.ts";
import { roundMs, type CandidateTrace, type FunnelTrace, type RuleEffect, type ServedItemTrace, type StageTrace, type TraceDetail } from "./trace.ts";

/**
 * A rule's effects for the trace: its own effects (boosted/buried…) annotated with the item's
 * position before and after the rule, plus "moved" for items it reordered and "removed" for items
 * it dropped. Only items before `horizon` (before or after the rule) are kept: one insertion
 * shifts everything after it by one, and a freshness boost touches every candidate, while only
 * the top of a 500-item list matters for a 20-item page. `omitted` counts what was left out.
 */
export function ruleEffects(
  own: readonly RuleEffect[],
  before: readonly Candidate[],
  after: readonly Candidate[],
  horizon: number,
): { effects: RuleEffect[]; omitted: number } {
  const beforeIndex = new Map(before.map((candidate, index) => [candidate.itemId, index]));
  const afterIndex = new Map(after.map((candidate, index) => [candidate.itemId, index]));
  const effects: RuleEffect[] = [];
  const explained = new Set<string>();
  let omitted = 0;
  const near = (from: number | undefined, to: number | undefined) => (from !== undefined && from < horizon) || (to !== undefined && to < horizon);
  for (const effect of own) {
    explained.add(effect.itemId);
    const from = effect.from ?? beforeIndex.get(effect.itemId);
    const to = effect.to ?? afterIndex.get(effect.itemId);
    if (!near(from, to)) {
      omitted++;
      continue;
    }
    const annotated: RuleEffect = { ...effect };
    if (from !== undefined && from !== to) annotated.from = from;
    if (to !== undefined && from !== to) annotated.to = to;
    effects.push(annotated);
  }
  before.forEach((candidate, from) => {
    if (explained.has(candidate.itemId)) return;
    const to = afterIndex.get(candidate.itemId);
    if (to === undefined) effects.push({ itemId: candidate.itemId, kind: "removed", from });
    else if (to !== from) {
      if (near(from, to)) effects.push({ itemId: candidate.itemId, kind: "moved", from, to });
      else omitted++;
    }
  });
  return { effects, omitted };
}

function rounded(values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  // Object.keys, not Object.entries: the same keys in the same order, without a pair array per key.
  const keys = Object.keys(values);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = Math.round(values[keys[i]!]! * 1e6) / 1e6;
  return out;
}

/**
 * rounded(allFeatures(candidate)) in one pass: the same keys in the same order (the request's, with
 * the candidate's own value where it has one, then the candidate's others), without first building
 * the merged copy. A full trace does this for every ranked candidate, and the copy (a second object
 * spread into the first) was ~10% of a replayed request's CPU.
 */
function roundedFeatures(candidate: Candidate): Record<string, number> {
  const own = candidate.features;
  const shared = candidate.requestFeatures;
  if (shared === undefined || shared === NO_VALUES) return rounded(own);
  const out: Record<string, number> = {};
  const sharedKeys = Object.keys(shared);
  for (let i = 0; i < sharedKeys.length; i++) {
    const key = sharedKeys[i]!;
    out[key] = Math.round((Object.hasOwn(own, key) ? own[key]! : shared[key]!) * 1e6) / 1e6;
  }
  const ownKeys = Object.keys(own);
  for (let i = 0; i < ownKeys.length; i++) {
    const key = ownKeys[i]!;
    if (!Object.hasOwn(shared, key)) out[key] = Math.round(own[key]! * 1e6) / 1e6;
  }
  return out;
}

export function buildTrace(input: {
  query: FunnelQuery;
  surface: string;
  detail: TraceDetail;
  totalMs: number;
  degraded: boolean;
  stages: StageTrace[];
  page: readonly ServedCandidate[];
  ranked: readonly Candidate[];
}): FunnelTrace {
  const full = input.detail === "full";
  const served = input.page.map((candidate): ServedItemTrace => {
    const item: ServedItemTrace = {
      itemId: candidate.itemId,
      position: candidate.position,
      score: Math.round(candidate.score * 1e6) / 1e6,
      scores: rounded(candidate.scores),
      sources: candidate.sources,
      propensity: candidate.propensity,
      slot: candidate.slot,
    };
    if (full) item.features = roundedFeatures(candidate);
    return item;
  });
  const trace: FunnelTrace = {
    requestId: input.query.requestId,
    surface: input.surface,
    nowMs: input.query.nowMs,
    totalMs: roundMs(input.totalMs),
    detail: input.detail,
    degraded: input.degraded,
    stages: input.stages,
    served,
  };
  if (full) {
    trace.ranked = input.ranked.map((candidate) => candidate.itemId);
    const candidates: Record<string, CandidateTrace> = {};
    for (const candidate of input.ranked)
      candidates[candidate.itemId] = { sources: candidate.sources, scores: rounded(candidate.scores), features: roundedFeatures(candidate) };
    trace.candidates = candidates;
  }
  return trace;
}
