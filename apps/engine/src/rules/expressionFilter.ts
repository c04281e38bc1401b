// Keeps only the items for which a filter expression (validated at save time) is true.
import { compileFilterExpression, type FieldCatalog } from "@cascade/core";
import type { Filter } from "../funnel/components.ts";
import { toFilterableItem } from "../funnel/filterableItem.ts";

/** Throws FilterExpressionError for an invalid expression (configs are validated before they get here). */
export function expressionFilter(id: string, expression: string, catalog?: FieldCatalog): Filter {
  const compiled = compileFilterExpression(expression, catalog);
  return {
    id,
    apply(query, candidates) {
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        if (compiled.test(toFilterableItem(candidate, query.nowMs))) kept.push(candidate);
        else removed.push({ itemId: candidate.itemId, reason: `fails "${expression}"` });
      }
      return { kept, removed };
    },
  };
}
