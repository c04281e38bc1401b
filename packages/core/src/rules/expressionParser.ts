// Lexer and recursive-descent parser for filter expressions.
//
// Hand-written on purpose: node_modules has no maintained small expression-parser library (only
// acorn, a full JavaScript parser, whose grammar is far wider than ours and would have to be
// whitelisted node by node). The grammar is a dozen lines, this parser has no dependencies and
// no Node APIs, so the console runs the same code in the browser as the engine does at save time.
//
//   expression := or
//   or         := and ("or" and)*
//   and        := unary ("and" unary)*
//   unary      := "not" unary | primary
//   primary    := "(" expression ")" | predicate | literal
//   predicate  := field ( compareOp literal
//                       | "not"? "in" "(" literal ("," literal)* ")"
//                       | "has" literal )?
//   compareOp  := "==" | "!=" | "<" | "<=" | ">" | ">="
//   literal    := string | number | "true" | "false"
//   string     := '"' chars '"' | "'" chars "'"     (backslash escapes \" \' \\)
//   number     := "-"? digits ("." digits)? (("e"|"E") ("+"|"-")? digits)?
//   field      := [A-Za-z_][A-Za-z0-9_]*
import type { ComparisonOperator, ExpressionNode, FieldNode, LiteralNode, Span } from "./expressionSyntax.ts";
import { FilterExpressionError, problemAt } from "./expressionSyntax.ts";

/** Guards against pathological input (the console parses on every keystroke). */
export const EXPRESSION_LIMITS = { maxLength: 2000, maxDepth: 32, maxListLength: 200 } as const;

type TokenKind = "identifier" | "keyword" | "string" | "number" | "operator" | "punctuation" | "end";
type Token = { kind: TokenKind; text: string; value?: string | number; span: Span };

const KEYWORDS = new Set(["and", "or", "not", "in", "has", "true", "false"]);
const OPERATORS = ["==", "!=", "<=", ">=", "<", ">"] as const;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (start: number, end: number, what: string): never => {
    throw new FilterExpressionError([problemAt(source, { start, end }, what)]);
  };
  while (i < source.length) {
    const char = source[i]!;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const start = i;
    if (char === "(" || char === ")" || char === ",") {
      tokens.push({ kind: "punctuation", text: char, span: { start, end: ++i } });
      continue;
    }
    const operator = OPERATORS.find((op) => source.startsWith(op, i));
    if (operator) {
      i += operator.length;
      tokens.push({ kind: "operator", text: operator, span: { start, end: i } });
      continue;
    }
    if (char === "=" || char === "!") fail(start, start + 1, `unexpected "${char}" (did you mean "==" or "!="?)`);
    if (char === '"' || char === "'") {
      let value = "";
      i++;
      while (i < source.length && source[i] !== char) {
        if (source[i] === "\\") {
          const escaped = source[i + 1];
          if (escaped !== char && escaped !== "\\") fail(i, i + 2, `unknown escape "\\${escaped ?? ""}" in string`);
          value += escaped;
          i += 2;
        } else {
          value += source[i];
          i++;
        }
      }
      if (i >= source.length) fail(start, source.length, "unterminated string");
      i++;
      tokens.push({ kind: "string", text: source.slice(start, i), value, span: { start, end: i } });
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      i += number[0].length;
      if (i < source.length && /[A-Za-z_]/.test(source[i]!)) fail(start, i + 1, `malformed number "${source.slice(start, i + 1)}"`);
      tokens.push({ kind: "number", text: number[0], value: Number(number[0]), span: { start, end: i } });
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (word) {
      i += word[0].length;
      tokens.push({ kind: KEYWORDS.has(word[0]) ? "keyword" : "identifier", text: word[0], span: { start, end: i } });
      continue;
    }
    fail(start, start + 1, `unexpected character "${char}"`);
  }
  tokens.push({ kind: "end", text: "end of expression", span: { start: source.length, end: source.length } });
  return tokens;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseWhole(): ExpressionNode {
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind !== "end") this.fail(next, `expected "and", "or" or the end, found ${describe(next)}`);
    return node;
  }

  private parseOr(): ExpressionNode {
    let left = this.parseAnd();
    while (this.isKeyword("or")) {
      this.position++;
      const right = this.parseAnd();
      left = { kind: "or", left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private parseAnd(): ExpressionNode {
    let left = this.parseUnary();
    while (this.isKeyword("and")) {
      this.position++;
      const right = this.parseUnary();
      left = { kind: "and", left, right, span: { start: left.span.start, end: right.span.end } };
    }
    return left;
  }

  private parseUnary(): ExpressionNode {
    if (this.isKeyword("not")) {
      const start = this.next().span.start;
      const operand = this.nested(() => this.parseUnary());
      return { kind: "not", operand, span: { start, end: operand.span.end } };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ExpressionNode {
    const token = this.peek();
    if (token.kind === "punctuation" && token.text === "(") {
      this.position++;
      const inner = this.nested(() => this.parseOr());
      const close = this.peek();
      if (close.kind !== "punctuation" || close.text !== ")")
        this.fail(close, `expected ")" to close the "(" at column ${token.span.start + 1}, found ${describe(close)}`);
      this.position++;
      return inner;
    }
    if (token.kind === "identifier") return this.parsePredicate();
    if (token.kind === "string" || token.kind === "number" || this.isKeyword("true") || this.isKeyword("false")) return this.parseLiteral();
    return this.fail(token, `expected a field, "not" or "(", found ${describe(token)}`);
  }

  private parsePredicate(): ExpressionNode {
    const token = this.next();
    const field: FieldNode = { kind: "field", name: token.text, span: token.span };
    const next = this.peek();
    if (next.kind === "operator") {
      this.position++;
      const value = this.parseLiteral();
      return { kind: "compare", field, operator: next.text as ComparisonOperator, value, span: { start: field.span.start, end: value.span.end } };
    }
    if (this.isKeyword("has")) {
      this.position++;
      const value = this.parseLiteral();
      return { kind: "has", field, value, span: { start: field.span.start, end: value.span.end } };
    }
    const negated = this.isKeyword("not") && this.peek(1).kind === "keyword" && this.peek(1).text === "in";
    if (negated) this.position++;
    if (this.isKeyword("in")) {
      this.position++;
      const values = this.parseList();
      const end = this.tokens[this.position - 1]!.span.end;
      const membership: ExpressionNode = { kind: "in", field, values, span: { start: field.span.start, end } };
      return negated ? { kind: "not", operand: membership, span: membership.span } : membership;
    }
    return field;
  }

  private parseList(): LiteralNode[] {
    const open = this.peek();
    if (open.kind !== "punctuation" || open.text !== "(") this.fail(open, `expected "(" to start the list after "in", found ${describe(open)}`);
    this.position++;
    const values = [this.parseLiteral()];
    while (this.peek().kind === "punctuation" && this.peek().text === ",") {
      this.position++;
      values.push(this.parseLiteral());
      if (values.length > EXPRESSION_LIMITS.maxListLength) this.fail(this.peek(), `a list may hold at most ${EXPRESSION_LIMITS.maxListLength} values`);
    }
    const close = this.peek();
    if (close.kind !== "punctuation" || close.text !== ")") this.fail(close, `expected "," or ")" in the list, found ${describe(close)}`);
    this.position++;
    return values;
  }

  private parseLiteral(): LiteralNode {
    const token = this.next();
    if (token.kind === "string" || token.kind === "number") return { kind: "literal", value: token.value!, span: token.span };
    if (token.kind === "keyword" && (token.text === "true" || token.text === "false"))
      return { kind: "literal", value: token.text === "true", span: token.span };
    return this.fail(token, `expected a value (string, number, true or false), found ${describe(token)}`);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > EXPRESSION_LIMITS.maxDepth) this.fail(this.peek(), `nested deeper than ${EXPRESSION_LIMITS.maxDepth} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token.kind === "keyword" && token.text === word;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.position + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.position++;
    return token;
  }

  private fail(token: Token, what: string): never {
    const span = token.kind === "end" ? { start: token.span.start, end: token.span.start } : token.span;
    throw new FilterExpressionError([problemAt(this.source, span, what)]);
  }
}

function describe(token: Token): string {
  return token.kind === "end" ? "the end of the expression" : `"${token.text}"`;
}

/** Parses `source` into a syntax tree; throws FilterExpressionError with the position of the first syntax error. */
export function parseExpression(source: string): ExpressionNode {
  if (source.length > EXPRESSION_LIMITS.maxLength) {
    throw new FilterExpressionError([
      problemAt(source, { start: EXPRESSION_LIMITS.maxLength, end: source.length }, `longer than ${EXPRESSION_LIMITS.maxLength} characters`),
    ]);
  }
  if (source.trim() === "") throw new FilterExpressionError([problemAt(source, { start: 0, end: source.length }, "the expression is empty")]);
  return new Parser(source, tokenize(source)).parseWhole();
}
