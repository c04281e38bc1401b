import { DEFAULT_SURFACE_CONFIGS } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { expressionProblems, moveItem, newRule, parseList, startingConfig, validateConfig } from "./config-editor.ts";

describe("rules editor helpers", () => {
  it("validates with the shared schema and keys issues by path", () => {
    expect(validateConfig(DEFAULT_SURFACE_CONFIGS.home).count).toBe(0);
    const broken = structuredClone(DEFAULT_SURFACE_CONFIGS.home);
    broken.filters.expressions = [{ id: "recent", keep: "age_hours < " }];
    const { issues, count } = validateConfig(broken);
    expect(count).toBe(1);
    expect(issues.get("filters.expressions.0.keep")?.[0]).toMatch(/^column \d+/);
    // A number cleared in its field (NaN) is refused too.
    const cleared = structuredClone(DEFAULT_SURFACE_CONFIGS.home);
    cleared.sources[0]!.quota = Number.NaN;
    expect(validateConfig(cleared).issues.has("sources.0.quota")).toBe(true);
  });

  it("reports an expression problem's column and span for underlining", () => {
    const [problem] = expressionProblems('category == "news" and bogus > 3', DEFAULT_SURFACE_CONFIGS.home);
    expect(problem).toMatchObject({ line: 1, column: 24, start: 23 });
    expect(problem!.message).toContain("bogus");
    expect(expressionProblems("price > 3", { numericFields: [] })).toEqual([]);
    expect(expressionProblems("", { numericFields: [] })).toEqual([]);
  });

  it("starts from the draft, then the published version, then the default, saying why it skipped one", () => {
    const published = { version: 3, config: DEFAULT_SURFACE_CONFIGS.related, configValid: true };
    expect(startingConfig("home", null, published)).toMatchObject({ from: "published", version: 3, warning: null });
    const legacy = { version: 4, config: { sources: { popularity: { quota: 500 } } }, configValid: false };
    const fallback = startingConfig("home", legacy, null);
    expect(fallback).toMatchObject({ from: "default", version: null });
    expect(fallback.warning).toContain("draft version 4");
    expect(fallback.config).toEqual(DEFAULT_SURFACE_CONFIGS.home);
    expect(fallback.config).not.toBe(DEFAULT_SURFACE_CONFIGS.home);
  });

  it("gives new rules unique ids and valid defaults", () => {
    const rules = DEFAULT_SURFACE_CONFIGS.home.rules;
    const rule = newRule("freshness", rules);
    expect(rule.id).toBe("freshness2");
    const config = { ...DEFAULT_SURFACE_CONFIGS.home, rules: [...rules, rule, newRule("boost", rules), newRule("mmr", rules), newRule("diversity", rules)] };
    expect(validateConfig(config).count).toBe(0);
  });

  it("parses typed lists and moves entries", () => {
    expect(parseList("news, sports\n\nnews\n music ")).toEqual(["news", "sports", "music"]);
    expect(moveItem(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(moveItem(["a", "b"], 0, -1)).toEqual(["a", "b"]);
  });
});
