// Compiles a checked filter expression into a predicate made of closures. No eval / new Function:
// safe by construction and allowed under a strict Content-Security-Policy in the console.
import { itemNumber, type FilterableItem } from "./itemFields.ts";
import type { ExpressionNode, FieldNode } from "./expressionSyntax.ts";

export type ItemPredicate = (item: FilterableItem) => boolean;
type Reader = (item: FilterableItem) => string | number | boolean | null | readonly string[];

function reader(field: FieldNode): Reader {
  switch (field.name) {
    case "id":
      return (item) => item.id;
    case "category":
      return (item) => item.category;
    case "creator":
      return (item) => item.creator;
    case "tags":
      return (item) => item.tags;
    case "age_hours":
      return (item) => item.ageHours;
    case "available":
      return (item) => item.available;
    default: {
      const name = field.name;
      return (item) => itemNumber(item, name) ?? Number.NaN;
    }
  }
}

/** `node` must have passed checkExpression; the compiler trusts field names and types. */
export function compileExpression(node: ExpressionNode): ItemPredicate {
  switch (node.kind) {
    case "and": {
      const left = compileExpression(node.left);
      const right = compileExpression(node.right);
      return (item) => left(item) && right(item);
    }
    case "or": {
      const left = compileExpression(node.left);
      const right = compileExpression(node.right);
      return (item) => left(item) || right(item);
    }
    case "not": {
      const operand = compileExpression(node.operand);
      return (item) => !operand(item);
    }
    case "literal": {
      const value = node.value === true;
      return () => value;
    }
    case "field": {
      const read = reader(node);
      return (item) => read(item) === true;
    }
    case "compare": {
      const read = reader(node.field);
      const value = node.value.value;
      switch (node.operator) {
        case "==":
          return (item) => read(item) === value;
        case "!=":
          return (item) => read(item) !== value;
        case "<":
          return (item) => (read(item) as number) < (value as number);
        case "<=":
          return (item) => (read(item) as number) <= (value as number);
        case ">":
          return (item) => (read(item) as number) > (value as number);
        case ">=":
          return (item) => (read(item) as number) >= (value as number);
      }
      throw new Error("unreachable comparison operator");
    }
    case "in": {
      const read = reader(node.field);
      const values = new Set<unknown>(node.values.map((literal) => literal.value));
      return (item) => values.has(read(item));
    }
    case "has": {
      const read = reader(node.field);
      const value = node.value.value;
      return (item) => (read(item) as readonly string[]).includes(value as string);
    }
  }
}
