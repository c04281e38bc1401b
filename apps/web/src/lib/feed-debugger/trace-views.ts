// Pure views over a funnel trace for the feed debugger: stage timings, candidates per source, the
// ranked list with scores, and "why / why not" sentences built on explainItem from @cascade/core.
import { explainItem, type FunnelTrace, type ItemEffect, type ItemExplanation, type SourceHit, type StageName } from "@cascade/core";

export const STAGE_LABELS: Record<StageName, string> = {
  hydrateQuery: "Hydrate query",
  sources: "Candidate sources",
  merge: "Merge + dedupe",
  filters: "Filters",
  hydrateCandidates: "Hydrate features",
  score: "Score (ranker)",
  blend: "Blend",
  rules: "Business rules",
  exploration: "Exploration",
};

export function stageTimings(trace: FunnelTrace): { stage: string; ms: number }[] {
  return trace.stages.map((stage) => ({ stage: STAGE_LABELS[stage.stage], ms: stage.ms }));
}

export type SourceCandidateRow = { itemId: string; rank: number; score: number | null; served: boolean };

/**
 * Per source, the candidates it found that reached scoring (from a "full" trace), best rank first.
 * Items a filter removed are listed with the filter, not here.
 */
export function candidatesBySource(trace: FunnelTrace): Map<string, SourceCandidateRow[]> {
  const served = new Set(trace.served.map((item) => item.itemId));
  const bySource = new Map<string, SourceCandidateRow[]>();
  const add = (itemId: string, hit: SourceHit) => {
    const rows = bySource.get(hit.id) ?? [];
    rows.push({ itemId, rank: hit.rank, score: hit.score ?? null, served: served.has(itemId) });
    bySource.set(hit.id, rows);
  };
  if (trace.candidates) {
    for (const [itemId, candidate] of Object.entries(trace.candidates)) for (const hit of candidate.sources) add(itemId, hit);
  } else {
    for (const item of trace.served) for (const hit of item.sources) add(item.itemId, hit);
  }
  for (const rows of bySource.values()) rows.sort((a, b) => a.rank - b.rank || a.itemId.localeCompare(b.itemId));
  return bySource;
}

export type RankedRow = {
  itemId: string;
  /** 0-based position in the final ranked order. */
  rank: number;
  servedPosition: number | null;
  slot: "ranked" | "explore" | null;
  score: number | null;
  scores: Record<string, number>;
  features: Record<string, number>;
  sources: SourceHit[];
};

/** The candidates in final order (served items first at their positions when the trace is a summary). */
export function rankedRows(trace: FunnelTrace): RankedRow[] {
  const ruleIds = ruleComponentIds(trace);
  const servedById = new Map(trace.served.map((item) => [item.itemId, item]));
  const order = trace.ranked ?? trace.served.map((item) => item.itemId);
  // Exploration may serve items from outside the greedy prefix: list them too.
  const ids = [...order, ...trace.served.map((item) => item.itemId).filter((id) => !order.includes(id))];
  return ids.map((itemId, rank) => {
    const served = servedById.get(itemId);
    const candidate = trace.candidates?.[itemId];
    return {
      itemId,
      rank,
      servedPosition: served?.position ?? null,
      slot: served?.slot ?? null,
      score: served?.score ?? (candidate ? estimatedScore(candidate.scores, ruleIds) : null),
      scores: served?.scores ?? candidate?.scores ?? {},
      features: served?.features ?? candidate?.features ?? {},
      sources: served?.sources ?? candidate?.sources ?? [],
    };
  });
}

/** A candidate's ranking score as the rules left it: the blend plus every rule's delta (the trace keeps the parts, not the sum). */
export function estimatedScore(scores: Record<string, number>, ruleIds: ReadonlySet<string>): number | null {
  if (scores.blend === undefined) return null;
  let score = scores.blend;
  for (const [key, value] of Object.entries(scores)) if (ruleIds.has(key)) score += value;
  return score;
}

/** Score keys that are rule deltas (written by a rule component) rather than predictions. */
export function ruleComponentIds(trace: FunnelTrace): Set<string> {
  return new Set(
    trace.stages
      .filter((stage) => stage.stage === "rules" || stage.stage === "exploration")
      .flatMap((stage) => stage.components.map((component) => component.id)),
  );
}

export function describeEffect(effect: ItemEffect): string {
  const positions = effect.from !== undefined && effect.to !== undefined ? ` from #${effect.from + 1} to #${effect.to + 1}` : "";
  const delta = effect.delta !== undefined ? ` (${effect.delta >= 0 ? "+" : ""}${effect.delta.toPrecision(3)})` : "";
  const propensity = effect.propensity !== undefined ? ` with propensity ${effect.propensity.toPrecision(3)}` : "";
  const reason = effect.reason ? `: ${effect.reason}` : "";
  return `${effect.componentId} ${effect.kind} it${positions}${delta}${propensity}${reason}`;
}

export type ExplanationView = { explanation: ItemExplanation; headline: string; details: string[] };

/** "Why this item?" / "why not item X?" in sentences, from the trace alone. */
export function explainForPeople(trace: FunnelTrace, itemId: string): ExplanationView {
  const explanation = explainItem(trace, itemId);
  const details = explanation.effects.map(describeEffect);
  switch (explanation.status) {
    case "served": {
      const { served } = explanation;
      const found = served.sources
        .map((hit) => `${hit.id} (#${hit.rank + 1}${hit.score !== undefined ? `, score ${hit.score.toPrecision(3)}` : ""})`)
        .join(", ");
      const slot =
        served.slot === "explore"
          ? `an exploration slot (propensity ${served.propensity.toPrecision(3)})`
          : `a ranked slot (propensity ${served.propensity.toPrecision(3)})`;
      return {
        explanation,
        headline: `Served at position ${served.position + 1} in ${slot}, final score ${served.score.toPrecision(4)}.`,
        details: [`Found by ${found || "no recorded source"}.`, ...details],
      };
    }
    case "removed":
      return {
        explanation,
        headline: `Removed at the ${STAGE_LABELS[explanation.stage]} stage by ${explanation.componentId}: ${explanation.reason}.`,
        details,
      };
    case "belowPage":
      return {
        explanation,
        headline: `Survived every filter but ranked #${explanation.rankedPosition + 1}, below the ${trace.served.length}-item page.`,
        details,
      };
    case "notRetrieved":
      return { explanation, headline: "No candidate source returned it, so it never entered the funnel.", details };
    case "notServed":
      return {
        explanation,
        headline: "Not served. This trace is a summary, so it cannot tell whether it was never retrieved or ranked below the page.",
        details,
      };
  }
}

type ServedItem = { itemId: string; position: number; score: number; sources: SourceHit[]; propensity: number };

/**
 * The trace to draw: the engine's, or — when the funnel failed and the engine answered from its
 * popularity fallback without one — a summary built from the served items alone.
 */
export function traceOrFallback(trace: FunnelTrace | null, response: { requestId: string; surface: string; items: readonly ServedItem[] }): FunnelTrace {
  if (trace) return trace;
  return {
    requestId: response.requestId,
    surface: response.surface,
    nowMs: 0,
    totalMs: 0,
    detail: "summary",
    degraded: true,
    stages: [],
    served: response.items.map((item) => ({ ...item, scores: {}, slot: "ranked" as const })),
  };
}
