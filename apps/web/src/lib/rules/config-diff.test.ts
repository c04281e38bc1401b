import { DEMO_SURFACE_CONFIGS } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { diffConfigs, type JsonValue } from "./config-diff.ts";

const home = () => structuredClone(DEMO_SURFACE_CONFIGS.home) as unknown as { [key: string]: JsonValue } & typeof DEMO_SURFACE_CONFIGS.home;

describe("diffConfigs", () => {
  it("finds nothing between equal configs", () => {
    expect(diffConfigs(home() as JsonValue, home() as JsonValue)).toEqual([]);
  });

  it("names changed scalars, added list entries and new keys by path", () => {
    const before = home();
    const after = home();
    after.filters.blocked.categories = ["news"];
    after.filters.seenWindowHours = 24;
    after.blend = { ...after.blend, share: 3 };
    const changes = diffConfigs(before as unknown as JsonValue, after as unknown as JsonValue);
    expect(changes).toHaveLength(3);
    expect(changes).toEqual(
      expect.arrayContaining([
        { kind: "changed", path: "filters.seenWindowHours", before: 72, after: 24 },
        { kind: "added", path: "filters.blocked.categories[0]", after: "news" },
        { kind: "added", path: "blend.share", after: 3 },
      ]),
    );
  });

  it("matches rules by id: a reorder reads as moves, an edit as a change inside the rule", () => {
    const before = home();
    const after = home();
    after.rules = [after.rules[1]!, after.rules[0]!, after.rules[2]!];
    (after.rules[1] as { weight: number }).weight = 0.2;
    const changes = diffConfigs(before as unknown as JsonValue, after as unknown as JsonValue);
    expect(changes).toContainEqual({ kind: "moved", path: "rules[id=freshness]", from: 0, to: 1 });
    expect(changes).toContainEqual({ kind: "moved", path: "rules[id=creatorDiversity]", from: 1, to: 0 });
    expect(changes).toContainEqual({ kind: "changed", path: "rules[id=freshness].weight", before: 0.05, after: 0.2 });
    expect(changes.some((change) => change.path.startsWith("rules[id=categoryDiversity]"))).toBe(false);
  });

  it("reports removed and added id-keyed entries without touching the others", () => {
    const before = home();
    const after = home();
    after.sources = after.sources.filter((source) => source.id !== "fresh");
    after.sources.push({ id: "editorial", enabled: true, quota: 10, budgetMs: 5, weight: 1 });
    const changes = diffConfigs(before as unknown as JsonValue, after as unknown as JsonValue);
    expect(changes.map((change) => [change.kind, change.path])).toEqual([
      ["removed", "sources[id=fresh]"],
      ["added", "sources[id=editorial]"],
    ]);
  });
});
