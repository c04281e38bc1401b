import { describe, expect, it } from "vitest";
import { ItemAttributeCache } from "./itemAttributeCache.ts";
import type { ServingSql } from "../postgres/servingSql.ts";

const PUBLISHED_MS = Date.UTC(2026, 0, 1);

/** A catalogue of items "a" and "b"; records the ids of every query, fails them all when `fail`. */
function fakeSql(options: { fail?: boolean } = {}) {
  const asked: string[][] = [];
  const sql: ServingSql = {
    async rows<Row>(_text: string, [ids]: readonly unknown[]) {
      asked.push([...(ids as string[])]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (options.fail) throw new Error("connection refused");
      const known = (ids as string[]).filter((id) => id === "a" || id === "b");
      return known.map(
        (id) =>
          ({ id, category: `cat-${id}`, creatorId: null, tags: [], publishedAtMs: PUBLISHED_MS, available: true, attributes: { price: 3, label: "x" } }) as Row,
      );
    },
    close: async () => undefined,
  };
  return { sql, asked };
}

const candidate = (itemId: string) => ({ itemId, sources: [], features: {}, scores: {}, score: 0 });

describe("ItemAttributeCache", () => {
  it("reads missing ids once, shares an in-flight read and serves repeats from memory", async () => {
    const { sql, asked } = fakeSql();
    const cache = new ItemAttributeCache(sql);
    const [first, second] = await Promise.all([cache.attributesOf(["a", "zz"]), cache.attributesOf(["a", "b"])]);
    expect(asked).toEqual([["a", "zz"], ["b"]]);
    expect(first.get("a")).toEqual({ category: "cat-a", creatorId: null, tags: [], publishedAtMs: PUBLISHED_MS, available: true, numbers: { price: 3 } });
    expect(first.has("zz")).toBe(false);
    expect([...second.keys()].sort()).toEqual(["a", "b"]);
    await cache.attributesOf(["a", "b", "zz"]);
    expect(asked).toHaveLength(2);
  });

  it("preloads the newest items so that the first requests read nothing", async () => {
    const asked: unknown[][] = [];
    const sql: ServingSql = {
      async rows<Row>(text: string, parameters: readonly unknown[]) {
        asked.push([text.includes("LIMIT") ? "preload" : "by id", ...parameters]);
        return [{ id: "a", category: "cat-a", creatorId: "c1", tags: ["t"], publishedAtMs: PUBLISHED_MS, available: false, attributes: {} }] as Row[];
      },
      close: async () => undefined,
    };
    const cache = new ItemAttributeCache(sql);
    expect(await cache.preload(10)).toBe(1);
    const found = await cache.attributesOf(["a"]);
    expect(found.get("a")).toEqual({ category: "cat-a", creatorId: "c1", tags: ["t"], publishedAtMs: PUBLISHED_MS, available: false });
    expect(asked).toEqual([["preload", 10]]);
  });

  it("looks a candidate list up once for both hydrators", async () => {
    const { sql, asked } = fakeSql();
    const cache = new ItemAttributeCache(sql);
    const candidates = [candidate("a"), candidate("b")];
    const [attributes, categories] = await Promise.all([
      cache.attributesOfCandidates(candidates),
      cache.candidateCategories().categoriesOfCandidates(candidates),
    ]);
    expect(asked).toHaveLength(1);
    expect(attributes.get("b")?.category).toBe("cat-b");
    expect(categories.get("a")).toBe("cat-a");
  });

  it("fails the caller whose read failed, gives the waiters on it no attributes, and caches nothing", async () => {
    const { sql, asked } = fakeSql({ fail: true });
    const cache = new ItemAttributeCache(sql);
    const reading = cache.attributesOf(["a"]);
    const waiting = cache.attributesOf(["a"]);
    await expect(reading).rejects.toThrow("connection refused");
    expect((await waiting).size).toBe(0);
    await expect(cache.attributesOf(["a"])).rejects.toThrow("connection refused");
    expect(asked).toEqual([["a"], ["a"]]);
  });
});
