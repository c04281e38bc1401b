// Type-checks a parsed filter expression against the field whitelist. Collects every problem
// (not just the first) so the console can underline them all while the user types.
import type { FieldCatalog, FieldType } from "./itemFields.ts";
import type { ExpressionNode, ExpressionProblem, FieldNode, LiteralNode } from "./expressionSyntax.ts";
import { problemAt } from "./expressionSyntax.ts";

const TYPE_NAMES: Record<FieldType, string> = { string: "text", number: "a number", boolean: "true/false", stringList: "a list of text" };

function literalType(literal: LiteralNode): "string" | "number" | "boolean" {
  return typeof literal.value as "string" | "number" | "boolean";
}

export function checkExpression(source: string, node: ExpressionNode, catalog: FieldCatalog): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const report = (span: { start: number; end: number }, what: string) => problems.push(problemAt(source, span, what));

  const fieldType = (field: FieldNode): FieldType | undefined => {
    const type = Object.hasOwn(catalog, field.name) ? catalog[field.name] : undefined;
    if (!type) report(field.span, `unknown field "${field.name}" (known: ${Object.keys(catalog).join(", ")})`);
    return type;
  };

  const expectLiteral = (field: FieldNode, type: FieldType, literal: LiteralNode) => {
    const wanted = type === "stringList" ? "string" : type;
    if (literalType(literal) !== wanted) {
      report(literal.span, `type mismatch: "${field.name}" is ${TYPE_NAMES[type]}, compared with ${TYPE_NAMES[literalType(literal)]}`);
    }
  };

  const visit = (current: ExpressionNode): void => {
    switch (current.kind) {
      case "and":
      case "or":
        visit(current.left);
        visit(current.right);
        return;
      case "not":
        visit(current.operand);
        return;
      case "literal":
        if (typeof current.value !== "boolean") report(current.span, `a ${typeof current.value} is not a condition; compare a field with it`);
        return;
      case "field": {
        const type = fieldType(current);
        if (type && type !== "boolean") report(current.span, `"${current.name}" is ${TYPE_NAMES[type]}, not a condition; compare it with a value`);
        return;
      }
      case "compare": {
        const type = fieldType(current.field);
        if (!type) return;
        if (type === "stringList") {
          report(current.field.span, `"${current.field.name}" is a list; use "${current.field.name} has \\"value\\""`);
          return;
        }
        const ordering = current.operator !== "==" && current.operator !== "!=";
        if (ordering && type !== "number") report(current.span, `"${current.operator}" needs a number field; "${current.field.name}" is ${TYPE_NAMES[type]}`);
        else expectLiteral(current.field, type, current.value);
        return;
      }
      case "in": {
        const type = fieldType(current.field);
        if (!type) return;
        if (type === "boolean" || type === "stringList") {
          report(current.field.span, `"in" needs a text or number field; "${current.field.name}" is ${TYPE_NAMES[type]}`);
          return;
        }
        for (const value of current.values) expectLiteral(current.field, type, value);
        return;
      }
      case "has": {
        const type = fieldType(current.field);
        if (!type) return;
        if (type !== "stringList") report(current.field.span, `"has" needs a list field such as "tags"; "${current.field.name}" is ${TYPE_NAMES[type]}`);
        else expectLiteral(current.field, type, current.value);
        return;
      }
    }
  };
  visit(node);
  return problems;
}
