import { describe, expect, it } from "vitest";
import { DEFAULT_SURFACE_CONFIGS } from "../../rules/defaultSurfaceConfigs.ts";
import { surfaceConfigSchema } from "../../rules/surfaceConfig.ts";
import { applyVariantOverrides, safeApplyVariantOverrides, VariantOverridesError } from "./variantOverrides.ts";

const home = DEFAULT_SURFACE_CONFIGS.home;
const related = DEFAULT_SURFACE_CONFIGS.related;

function issues(base: typeof home, overrides: unknown) {
  const result = safeApplyVariantOverrides(base, overrides);
  if (result.ok) throw new Error("expected the overrides to be refused");
  return result.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

describe("applyVariantOverrides", () => {
  it("returns the base config unchanged for no overrides, without mutating the base", () => {
    const before = structuredClone(home);
    expect(applyVariantOverrides(home, {})).toEqual(home);
    applyVariantOverrides(home, { blend: { click: 3 }, sources: { ann: { quota: 10 } }, rules: { patch: { freshness: { weight: 0.5 } } } });
    expect(home).toEqual(before);
  });

  it("merges blend weights, source quotas/weights, fusion, caps and exploration into a config that passes surfaceConfigSchema", () => {
    const config = applyVariantOverrides(home, {
      blend: { like: 4, share: 1 },
      sources: { trending: { quota: 20, weight: 2 }, fresh: { enabled: false } },
      fusion: { k: 30 },
      maxCandidates: 300,
      exploration: { policy: "epsilonGreedy", epsilon: 0.2, slots: [7, 3] },
    });
    expect(surfaceConfigSchema.parse(config)).toEqual(config);
    expect(config.blend).toEqual({ ...home.blend, like: 4, share: 1 });
    expect(config.sources.find((source) => source.id === "trending")).toMatchObject({ quota: 20, weight: 2, budgetMs: 15 });
    expect(config.sources.find((source) => source.id === "fresh")?.enabled).toBe(false);
    expect(config.fusion.k).toBe(30);
    expect(config.maxCandidates).toBe(300);
    expect(config.exploration).toEqual({ policy: "epsilonGreedy", epsilon: 0.2, slots: [3, 7], pool: { size: 50 } });
    expect(config.rules).toEqual(home.rules);
  });

  it("patches, removes or replaces rules", () => {
    expect(applyVariantOverrides(related, { rules: { patch: { mmr: { lambda: 0.4 } } } }).rules).toEqual([{ type: "mmr", id: "mmr", lambda: 0.4, depth: 30 }]);
    expect(applyVariantOverrides(home, { rules: { remove: ["creatorDiversity"] } }).rules.map((rule) => rule.id)).toEqual(["freshness"]);
    const replaced = applyVariantOverrides(home, { rules: { replace: [{ type: "boost", id: "cheap", when: "price < 10", delta: 1 }] } });
    expect(replaced.rules).toEqual([{ type: "boost", id: "cheap", when: "price < 10", delta: 1 }]);
  });

  it("refuses keys outside the whitelist, naming them", () => {
    expect(issues(home, { page: { defaultCount: 5 } })).toEqual([{ path: "", message: expect.stringContaining("page") }]);
    expect(issues(home, { sources: { ann: { budgetMs: 1 } } })).toEqual([{ path: "sources.ann", message: expect.stringContaining("budgetMs") }]);
    expect(issues(home, { models: { itemToItem: "m1" } })).toEqual([{ path: "models", message: expect.stringContaining("itemToItem") }]);
    expect(issues(related, { rules: { patch: { mmr: { lamda: 0.4 } } } })).toEqual([
      { path: "rules.patch.mmr.lamda", message: '"lamda" is not a parameter a mmr rule can change' },
    ]);
    expect(issues(related, { rules: { patch: { mmr: { type: "boost" } } } })).toEqual([
      { path: "rules.patch.mmr.type", message: '"type" is not a parameter a mmr rule can change' },
    ]);
    expect(issues(home, { rules: { replace: [{ type: "mmr", id: "m", lambda: 0.5, dept: 3 }] } })[0]?.path).toBe("rules.replace.0");
  });

  it("refuses references to rules or sources the base does not have", () => {
    expect(issues(home, { sources: { nope: { quota: 5 } } })).toEqual([{ path: "sources.nope", message: expect.stringContaining("no source") }]);
    expect(issues(home, { rules: { remove: ["nope"] } })).toEqual([{ path: "rules.remove.0", message: 'no rule "nope" in the base config' }]);
    expect(issues(home, { rules: { patch: { nope: { weight: 1 } } } })).toEqual([{ path: "rules.patch.nope", message: 'no rule "nope" in the base config' }]);
    expect(issues(home, { rules: { replace: [], remove: ["freshness"] } })).toEqual([{ path: "rules.replace", message: expect.stringContaining("either") }]);
  });

  it("refuses senseless blends and out-of-range values", () => {
    expect(issues(home, { blend: { click: 0, like: 0, watch_seconds: 0 } })).toEqual([
      { path: "blend", message: expect.stringContaining("no positive weight") },
    ]);
    expect(issues(home, { blend: {} })).toEqual([{ path: "blend", message: expect.stringContaining("at least one") }]);
    expect(issues(home, { blend: { click: 5000 } })[0]?.path).toBe("blend.click");
    expect(issues(home, { blend: { "bad name": 1 } })[0]?.path).toBe("blend.bad name");
    expect(issues(home, { sources: { trending: { quota: 0 } } })[0]?.path).toBe("sources.trending.quota");
    expect(issues(home, { sources: Object.fromEntries(home.sources.map((source) => [source.id, { enabled: false }])) })).toEqual([
      { path: "sources", message: "the variant disables every source" },
    ]);
  });

  it("reports problems only visible in the resulting config at config.<path>, and throws them from applyVariantOverrides", () => {
    expect(issues(home, { rules: { patch: { creatorDiversity: { window: 0 } } } })).toEqual([{ path: "config.rules.1.window", message: expect.any(String) }]);
    expect(issues(home, { rules: { replace: [{ type: "boost", id: "b", when: "nosuchfield > 1", delta: 1 }] } })).toEqual([
      { path: "config.rules.0.when", message: expect.stringContaining("nosuchfield") },
    ]);
    expect(issues(home, { exploration: { policy: "epsilonGreedy", epsilon: 0.1, slots: [150] } })).toEqual([
      { path: "config.exploration.slots", message: "slot 150 is beyond page.maxCount 100" },
    ]);
    expect(() => applyVariantOverrides(home, { blend: { click: 0, like: 0, watch_seconds: 0 } })).toThrow(VariantOverridesError);
    expect(() => applyVariantOverrides(home, { blend: { click: 0, like: 0, watch_seconds: 0 } })).toThrow(/blend: the resulting blend has no positive weight/);
  });
});
