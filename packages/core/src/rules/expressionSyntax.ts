// The filter expression language's syntax tree and its error type. Every node keeps its source
// span so the checker can point at the offending column.

export type Span = { start: number; end: number };

export type ComparisonOperator = "==" | "!=" | "<" | "<=" | ">" | ">=";

export type LiteralNode = { kind: "literal"; value: string | number | boolean; span: Span };
export type FieldNode = { kind: "field"; name: string; span: Span };

export type ExpressionNode =
  | { kind: "and" | "or"; left: ExpressionNode; right: ExpressionNode; span: Span }
  | { kind: "not"; operand: ExpressionNode; span: Span }
  | { kind: "compare"; field: FieldNode; operator: ComparisonOperator; value: LiteralNode; span: Span }
  | { kind: "in"; field: FieldNode; values: LiteralNode[]; span: Span }
  | { kind: "has"; field: FieldNode; value: LiteralNode; span: Span }
  /** A bare boolean field (`available`) or literal (`true`). */
  | FieldNode
  | LiteralNode;

export type ExpressionProblem = {
  message: string;
  /** 0-based character offsets into the source. */
  start: number;
  end: number;
  /** 1-based, for people. */
  line: number;
  column: number;
};

export function problemAt(source: string, span: Span, what: string): ExpressionProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < span.start && i < source.length; i++) {
    if (source[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  const column = span.start - lineStart + 1;
  const where = line === 1 ? `column ${column}` : `line ${line}, column ${column}`;
  return { message: `${where}: ${what}`, start: span.start, end: span.end, line, column };
}

export class FilterExpressionError extends Error {
  override readonly name = "FilterExpressionError";
  constructor(readonly problems: ExpressionProblem[]) {
    super(problems.map((problem) => problem.message).join("; "));
  }
}
