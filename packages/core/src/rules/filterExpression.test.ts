import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkFilterExpression, compileFilterExpression } from "./filterExpression.ts";
import { FilterExpressionError } from "./expressionSyntax.ts";
import { itemFieldCatalog, itemNumber, type FilterableItem } from "./itemFields.ts";

const catalog = itemFieldCatalog(["price"]);

function item(overrides: Partial<FilterableItem> = {}): FilterableItem {
  return { id: "i-1", category: "news", creator: "c-1", tags: ["a"], ageHours: 10, available: true, numbers: { price: 12 }, ...overrides };
}

function problemsOf(source: string) {
  const checked = checkFilterExpression(source, catalog);
  if (checked.ok) throw new Error(`expected "${source}" to be refused`);
  return checked.problems;
}

describe("filter expressions: valid input", () => {
  const example = 'category in ("news", "sports") and not creator == "c-12" and age_hours < 48 and price >= 10';

  it("evaluates the documented example", () => {
    const filter = compileFilterExpression(example, catalog);
    expect(filter.test(item())).toBe(true);
    expect(filter.test(item({ category: "music" }))).toBe(false);
    expect(filter.test(item({ creator: "c-12" }))).toBe(false);
    expect(filter.test(item({ ageHours: 48 }))).toBe(false);
    expect(filter.test(item({ numbers: { price: 9.5 } }))).toBe(false);
    expect(filter.fields.sort()).toEqual(["age_hours", "category", "creator", "price"]);
  });

  it("gives and precedence over or, and parentheses override it", () => {
    const loose = compileFilterExpression('category == "x" or category == "news" and available', catalog);
    const grouped = compileFilterExpression('(category == "x" or category == "news") and available', catalog);
    const xUnavailable = item({ category: "x", available: false });
    expect(loose.test(xUnavailable)).toBe(true);
    expect(grouped.test(xUnavailable)).toBe(false);
  });

  it("supports has, not in, bare booleans, single quotes with escapes and negative numbers", () => {
    expect(compileFilterExpression('tags has "a" and not tags has "b"', catalog).test(item())).toBe(true);
    expect(compileFilterExpression('category not in ("news")', catalog).test(item())).toBe(false);
    expect(compileFilterExpression("not available", catalog).test(item({ available: false }))).toBe(true);
    expect(compileFilterExpression("id == 'it\\'s'", catalog).test(item({ id: "it's" }))).toBe(true);
    expect(compileFilterExpression("price > -1.5e0", catalog).test(item({ numbers: { price: -1 } }))).toBe(true);
  });

  it("treats a missing numeric feature like NaN: comparisons false, != true", () => {
    const missing = item({ numbers: {} });
    expect(compileFilterExpression("price >= 0", catalog).test(missing)).toBe(false);
    expect(compileFilterExpression("price < 0", catalog).test(missing)).toBe(false);
    expect(compileFilterExpression("price != 3", catalog).test(missing)).toBe(true);
  });

  it("reads a number the item lacks from the request's shared numbers, the item's own first", () => {
    const shared = { price: 3 };
    expect(compileFilterExpression("price == 3", catalog).test(item({ numbers: {}, sharedNumbers: shared }))).toBe(true);
    expect(compileFilterExpression("price == 12", catalog).test(item({ sharedNumbers: shared }))).toBe(true);
    expect(compileFilterExpression("price != 0", catalog).test(item({ numbers: {}, sharedNumbers: {} }))).toBe(true);
    expect(compileFilterExpression("price >= 0", catalog).test(item({ numbers: {}, sharedNumbers: {} }))).toBe(false);
    expect(itemNumber(item({ numbers: {}, sharedNumbers: shared }), "price")).toBe(3);
    expect(itemNumber(item({ sharedNumbers: shared }), "price")).toBe(12);
    expect(itemNumber(item({ numbers: {} }), "price")).toBeUndefined();
  });

  it("matches a null creator only with !=", () => {
    expect(compileFilterExpression('creator == "c-1"', catalog).test(item({ creator: null }))).toBe(false);
    expect(compileFilterExpression('creator != "c-1"', catalog).test(item({ creator: null }))).toBe(true);
  });
});

describe("filter expressions: problems carry positions", () => {
  it.each([
    ['category == "news" and pricee > 3', 24, /unknown field "pricee"/],
    ['age_hours < "soon"', 13, /type mismatch: "age_hours" is a number/],
    ['category > "a"', 1, /">" needs a number field/],
    ['tags == "a"', 1, /is a list/],
    ['price has "a"', 1, /"has" needs a list field/],
    ["available in (true)", 1, /"in" needs a text or number field/],
    ["price", 1, /not a condition/],
    ['category == "news" and', 23, /expected a field/],
    ['(category == "news"', 20, /expected "\)" to close the "\(" at column 1/],
    ['category = "news"', 10, /did you mean "==" or "!="/],
    ['category == "news', 13, /unterminated string/],
    ['category in "news"', 13, /expected "\(" to start the list/],
    ["price > 3abc", 9, /malformed number/],
    ["price > 3 price", 11, /expected "and", "or" or the end/],
    ["  ", 1, /empty/],
    ["price @ 3", 7, /unexpected character "@"/],
  ])("%s → column %i", (source, column, message) => {
    const [first] = problemsOf(source);
    expect(first!.column).toBe(column);
    expect(first!.message).toMatch(message);
    expect(first!.message).toMatch(new RegExp(`^column ${column}:`));
  });

  it("reports every type problem, not only the first, with line numbers on later lines", () => {
    const problems = problemsOf('pricee > 1 and\ncategory < 2 and colour == "red"');
    expect(problems.map((problem) => [problem.line, problem.column])).toEqual([
      [1, 1],
      [2, 1],
      [2, 18],
    ]);
  });

  it("refuses nesting past the depth limit instead of overflowing the stack", () => {
    const deep = "(".repeat(200) + "available" + ")".repeat(200);
    expect(problemsOf(deep)[0]!.message).toMatch(/nested deeper/);
  });

  it("compile throws FilterExpressionError listing the problems", () => {
    expect(() => compileFilterExpression("nope == 1", catalog)).toThrow(FilterExpressionError);
  });
});

// ───── property-based: random well-typed trees round-trip through text and agree with a reference evaluator ─────

type Tree =
  | { kind: "and" | "or"; left: Tree; right: Tree }
  | { kind: "not"; operand: Tree }
  | { kind: "cmp"; field: "age_hours" | "price"; op: "==" | "!=" | "<" | "<=" | ">" | ">="; value: number }
  | { kind: "in"; values: string[] }
  | { kind: "has"; tag: string }
  | { kind: "available" };

const words = fc.constantFrom("news", "sports", "music", "a", "b");
const { tree } = fc.letrec<{ tree: Tree }>((recurse) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      kind: fc.constant("cmp" as const),
      field: fc.constantFrom("age_hours" as const, "price" as const),
      op: fc.constantFrom("==" as const, "!=" as const, "<" as const, "<=" as const, ">" as const, ">=" as const),
      value: fc.integer({ min: -5, max: 60 }),
    }),
    fc.record({ kind: fc.constant("in" as const), values: fc.array(words, { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("has" as const), tag: words }),
    fc.constant({ kind: "available" as const }),
    fc.record({ kind: fc.constantFrom("and" as const, "or" as const), left: recurse("tree"), right: recurse("tree") }),
    fc.record({ kind: fc.constant("not" as const), operand: recurse("tree") }),
  ),
}));

function print(node: Tree): string {
  switch (node.kind) {
    case "and":
    case "or":
      return `(${print(node.left)}) ${node.kind} (${print(node.right)})`;
    case "not":
      return `not (${print(node.operand)})`;
    case "cmp":
      return `${node.field} ${node.op} ${node.value}`;
    case "in":
      return `category in (${node.values.map((value) => JSON.stringify(value)).join(", ")})`;
    case "has":
      return `tags has "${node.tag}"`;
    case "available":
      return "available";
  }
}

function reference(node: Tree, subject: FilterableItem): boolean {
  switch (node.kind) {
    case "and":
      return reference(node.left, subject) && reference(node.right, subject);
    case "or":
      return reference(node.left, subject) || reference(node.right, subject);
    case "not":
      return !reference(node.operand, subject);
    case "cmp": {
      const actual = node.field === "price" ? (subject.numbers.price ?? Number.NaN) : subject.ageHours;
      const operations = {
        "==": actual === node.value,
        "!=": actual !== node.value,
        "<": actual < node.value,
        "<=": actual <= node.value,
        ">": actual > node.value,
        ">=": actual >= node.value,
      };
      return operations[node.op];
    }
    case "in":
      return node.values.includes(subject.category);
    case "has":
      return subject.tags.includes(node.tag);
    case "available":
      return subject.available;
  }
}

const subjects = fc.record({
  id: fc.constant("x"),
  category: words,
  creator: fc.constant(null),
  tags: fc.array(words, { maxLength: 3 }),
  ageHours: fc.integer({ min: -5, max: 60 }),
  available: fc.boolean(),
  numbers: fc.option(fc.integer({ min: -5, max: 60 }), { nil: undefined }).map((price): Record<string, number> => (price === undefined ? {} : { price })),
});

describe("filter expressions: properties", () => {
  it("a printed well-typed tree compiles and agrees with a reference evaluator", () => {
    fc.assert(
      fc.property(tree, fc.array(subjects, { minLength: 1, maxLength: 5 }), (node, items) => {
        const filter = compileFilterExpression(print(node), catalog);
        for (const subject of items) expect(filter.test(subject)).toBe(reference(node, subject));
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });

  it("arbitrary text never throws from check, and every problem points inside the text", () => {
    const alphabet = fc.constantFrom(..."ab_ (),\"'=<>!0123456789.-".split(""), "and ", "or ", "not ", "in ", "has ", "price", "category", "tags");
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 30 }).map((parts) => parts.join("")),
        (source) => {
          const checked = checkFilterExpression(source, catalog);
          if (!checked.ok) {
            expect(checked.problems.length).toBeGreaterThan(0);
            for (const problem of checked.problems) {
              expect(problem.start).toBeGreaterThanOrEqual(0);
              expect(problem.end).toBeLessThanOrEqual(source.length);
              expect(problem.start).toBeLessThanOrEqual(problem.end);
            }
          }
        },
      ),
      { seed: 7, numRuns: 1000 },
    );
  });
});
