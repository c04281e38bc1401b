// Shared by score-changing rules (freshness, boosts): add a per-item delta, record it under the
// rule's id in `scores`, re-sort by score (stable), and report boosted/buried effects.
import { writableScores, type Candidate } from "../funnel/candidate.ts";
import type { RuleOptions, RuleOutcome } from "../funnel/components.ts";
import { sortByScore } from "../funnel/blendScores.ts";
import type { RuleEffect } from "../funnel/trace.ts";

/** Effects are left out when `options.explain` is false (a freshness boost would report one per candidate). */
export function applyScoreDeltas(
  ruleId: string,
  candidates: readonly Candidate[],
  deltaOf: (candidate: Candidate) => number,
  options: RuleOptions = {},
): RuleOutcome {
  const explain = options.explain !== false;
  const effects: RuleEffect[] = [];
  for (const candidate of candidates) {
    const delta = deltaOf(candidate);
    if (delta === 0 || !Number.isFinite(delta)) continue;
    const scores = writableScores(candidate);
    scores[ruleId] = (scores[ruleId] ?? 0) + delta;
    candidate.score += delta;
    if (explain) effects.push({ itemId: candidate.itemId, kind: delta > 0 ? "boosted" : "buried", delta: Math.round(delta * 1e6) / 1e6 });
  }
  return { items: sortByScore(candidates), effects };
}
