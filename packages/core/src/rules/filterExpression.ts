// The filter expression language's entry points: check (for the console, as you type, and for
// the zod schema at save time) and compile (for the engine).
import { compileExpression, type ItemPredicate } from "./expressionCompiler.ts";
import { checkExpression } from "./expressionChecker.ts";
import { parseExpression } from "./expressionParser.ts";
import { FilterExpressionError, type ExpressionNode, type ExpressionProblem } from "./expressionSyntax.ts";
import { itemFieldCatalog, type FieldCatalog } from "./itemFields.ts";

export type ExpressionCheck = { ok: true; tree: ExpressionNode; fields: string[] } | { ok: false; problems: ExpressionProblem[] };

export type CompiledFilterExpression = {
  source: string;
  /** The fields the expression reads (so the engine hydrates only those). */
  fields: string[];
  test: ItemPredicate;
};

function fieldsOf(node: ExpressionNode, into = new Set<string>()): Set<string> {
  switch (node.kind) {
    case "and":
    case "or":
      fieldsOf(node.left, into);
      fieldsOf(node.right, into);
      break;
    case "not":
      fieldsOf(node.operand, into);
      break;
    case "field":
      into.add(node.name);
      break;
    case "compare":
    case "in":
    case "has":
      into.add(node.field.name);
      break;
    case "literal":
      break;
  }
  return into;
}

/** Parses and type-checks; never throws. Problems carry 0-based offsets and 1-based line/column. */
export function checkFilterExpression(source: string, catalog: FieldCatalog = itemFieldCatalog()): ExpressionCheck {
  let tree: ExpressionNode;
  try {
    tree = parseExpression(source);
  } catch (error) {
    if (error instanceof FilterExpressionError) return { ok: false, problems: error.problems };
    throw error;
  }
  const problems = checkExpression(source, tree, catalog);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tree, fields: [...fieldsOf(tree)] };
}

/** Throws FilterExpressionError listing every problem. */
export function compileFilterExpression(source: string, catalog: FieldCatalog = itemFieldCatalog()): CompiledFilterExpression {
  const checked = checkFilterExpression(source, catalog);
  if (!checked.ok) throw new FilterExpressionError(checked.problems);
  return { source, fields: checked.fields, test: compileExpression(checked.tree) };
}
