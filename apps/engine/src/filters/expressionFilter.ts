// Keeps only the items for which a filter expression (validated at save time) is true. An item
// whose attributes could not be read is dropped (fail closed): the expression cannot be judged on it.
import { compileFilterExpression, type FieldCatalog } from "@cascade/core";
import type { Filter } from "../funnel/components.ts";
import { toFilterableItem } from "../funnel/filterableItem.ts";
import { filterWithKnownAttributes } from "./attributesUnavailable.ts";

/** Throws FilterExpressionError for an invalid expression (configs are validated before they get here). */
export function expressionFilter(id: string, expression: string, catalog?: FieldCatalog): Filter {
  const compiled = compileFilterExpression(expression, catalog);
  const reason = `fails "${expression}"`;
  return {
    id,
    apply(query, candidates) {
      return filterWithKnownAttributes(candidates, (candidate) => (compiled.test(toFilterableItem(candidate, query.nowMs)) ? null : reason));
    },
  };
}
