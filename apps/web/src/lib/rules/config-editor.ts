// Pure helpers behind the Rules editor: validation as you type (the same zod schema the server and
// the engine use), the config the editor starts from, and new rows with unique ids.
import {
  checkFilterExpression,
  defaultSurfaceConfig,
  surfaceConfigSchema,
  surfaceFieldCatalog,
  type ExpressionProblem,
  type RuleConfig,
  type SourceConfig,
  type SurfaceConfig,
} from "@cascade/core";

/** Issue messages by dotted path ("rules.2.when", "sources.0.quota"); "" holds config-wide ones. */
export type IssueMap = ReadonlyMap<string, readonly string[]>;

export function validateConfig(config: SurfaceConfig): { config: SurfaceConfig | null; issues: IssueMap; count: number } {
  const parsed = surfaceConfigSchema.safeParse(config);
  if (parsed.success) return { config: parsed.data, issues: new Map(), count: 0 };
  const issues = new Map<string, string[]>();
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String).join(".");
    issues.set(path, [...(issues.get(path) ?? []), issue.message]);
  }
  return { config: null, issues, count: parsed.error.issues.length };
}

/** Problems of one expression with 1-based line/column and offsets for underlining; [] when valid or empty. */
export function expressionProblems(source: string, config: Pick<SurfaceConfig, "numericFields">): ExpressionProblem[] {
  if (source.trim() === "") return [];
  let catalog;
  try {
    catalog = surfaceFieldCatalog(config);
  } catch {
    catalog = surfaceFieldCatalog({ numericFields: [] });
  }
  const checked = checkFilterExpression(source, catalog);
  return checked.ok ? [] : checked.problems;
}

export type EditorStart = { config: SurfaceConfig; from: "draft" | "published" | "default"; version: number | null; warning: string | null };

type StoredVersion = { version: number; config: unknown; configValid: boolean } | null;

/** The editor opens the draft if there is one, else the published version, else the surface's default. */
export function startingConfig(surfaceId: string, draft: StoredVersion, published: StoredVersion): EditorStart {
  const skipped: string[] = [];
  for (const [from, stored] of [
    ["draft", draft],
    ["published", published],
  ] as const) {
    if (!stored) continue;
    const parsed = surfaceConfigSchema.safeParse(stored.config);
    if (parsed.success) return { config: parsed.data, from, version: stored.version, warning: skipped.length ? skipped.join(" ") : null };
    skipped.push(`The ${from} version ${stored.version} does not match the current rule-set schema, so it cannot be edited.`);
  }
  return {
    config: structuredClone(defaultSurfaceConfig(surfaceId)),
    from: "default",
    version: null,
    warning: skipped.length ? `${skipped.join(" ")} Starting from the built-in default for this surface.` : null,
  };
}

export function uniqueId(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) if (!taken.includes(`${base}${n}`)) return `${base}${n}`;
}

export const RULE_TYPES = ["freshness", "boost", "diversity", "mmr"] as const satisfies readonly RuleConfig["type"][];

export const RULE_TYPE_LABELS: Record<RuleConfig["type"], string> = {
  freshness: "Freshness boost",
  boost: "Boost / bury by expression",
  diversity: "Diversity cap",
  mmr: "MMR diversity",
};

export function newRule(type: RuleConfig["type"], existing: readonly RuleConfig[]): RuleConfig {
  const taken = existing.map((rule) => rule.id);
  switch (type) {
    case "freshness":
      return { type, id: uniqueId("freshness", taken), halfLifeHours: 48, weight: 0.05 };
    case "boost":
      return { type, id: uniqueId("boost", taken), when: 'category == "news"', delta: 0.1 };
    case "diversity":
      return { type, id: uniqueId("diversity", taken), attribute: "category", maxPerWindow: 2, window: 5, depth: 100 };
    case "mmr":
      return { type, id: uniqueId("mmr", taken), lambda: 0.7, depth: 50 };
  }
}

export function newSource(existing: readonly SourceConfig[], known: readonly string[]): SourceConfig {
  const taken = existing.map((source) => source.id);
  const id = known.find((candidate) => !taken.includes(candidate)) ?? uniqueId("source", taken);
  return { id, enabled: true, quota: 100, budgetMs: 15, weight: 1 };
}

/** A list typed one per line or comma-separated, trimmed, without blanks or repeats. */
export function parseList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]/)
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    ),
  ];
}

export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length) return [...list];
  const next = [...list];
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved!);
  return next;
}

/** Every expression in a config with where it lives, for a check that does not depend on the rest being valid. */
export function configExpressions(config: SurfaceConfig): { path: string; source: string; optional: boolean }[] {
  const expressions = config.filters.expressions.map((entry, index) => ({ path: `filters.expressions.${index}.keep`, source: entry.keep, optional: false }));
  config.rules.forEach((rule, index) => {
    if (rule.type === "boost") expressions.push({ path: `rules.${index}.when`, source: rule.when, optional: false });
  });
  if (config.exploration.policy !== "none" && config.exploration.pool.when !== undefined) {
    expressions.push({ path: "exploration.pool.when", source: config.exploration.pool.when, optional: true });
  }
  return expressions;
}

/** Problems that block saving: the schema's issues plus any expression problem (checked on its own, since zod skips refinements while a plain field is invalid). */
export function blockingProblems(config: SurfaceConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [path, messages] of validateConfig(config).issues) for (const message of messages) problems.push({ path, message });
  for (const expression of configExpressions(config)) {
    if (problems.some((problem) => problem.path === expression.path)) continue;
    if (!expression.optional && expression.source.trim() === "") problems.push({ path: expression.path, message: "enter an expression" });
    for (const problem of expressionProblems(expression.source, config)) problems.push({ path: expression.path, message: problem.message });
  }
  return problems;
}
