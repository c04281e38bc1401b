// Freshness boost with a half-life: delta = weight · 0.5^(age_hours / halfLifeHours).
// A just-published item gets the full weight, one half-life later half of it. Items published
// "in the future" (clock skew) count as age 0; items without attributes get no boost.
import type { Rule } from "../funnel/components.ts";
import { ageHours } from "../funnel/filterableItem.ts";
import { applyScoreDeltas } from "./scoreDeltas.ts";

export function freshnessDelta(ageInHours: number, halfLifeHours: number, weight: number): number {
  if (!Number.isFinite(ageInHours)) return 0;
  return weight * Math.pow(0.5, Math.max(0, ageInHours) / halfLifeHours);
}

export function freshnessBoost(options: { id: string; halfLifeHours: number; weight: number }): Rule {
  return {
    id: options.id,
    apply: (query, candidates, ruleOptions) =>
      applyScoreDeltas(
        options.id,
        candidates,
        (candidate) => freshnessDelta(ageHours(candidate, query.nowMs), options.halfLifeHours, options.weight),
        ruleOptions,
      ),
  };
}
