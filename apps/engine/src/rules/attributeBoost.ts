// Boosts (delta > 0) or buries (delta < 0) the items an expression selects, e.g.
// `category == "news"` +0.2 or `creator in ("c-1", "c-2")` −1.
import { compileFilterExpression, type FieldCatalog } from "@cascade/core";
import type { Rule } from "../funnel/components.ts";
import { toFilterableItem } from "../funnel/filterableItem.ts";
import { applyScoreDeltas } from "./scoreDeltas.ts";

export function attributeBoost(options: { id: string; when: string; delta: number; catalog?: FieldCatalog }): Rule {
  const selects = compileFilterExpression(options.when, options.catalog);
  return {
    id: options.id,
    apply: (query, candidates, ruleOptions) =>
      applyScoreDeltas(options.id, candidates, (candidate) => (selects.test(toFilterableItem(candidate, query.nowMs)) ? options.delta : 0), ruleOptions),
  };
}
