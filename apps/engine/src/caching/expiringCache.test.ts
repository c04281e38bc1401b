import { describe, expect, it } from "vitest";
import { ExpiringCache } from "./expiringCache.ts";

function clock() {
  let nowMs = 1_000;
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe("ExpiringCache", () => {
  it("serves a value until its TTL, then loads it again", async () => {
    const time = clock();
    const cache = new ExpiringCache<string>({ ttlMs: 100, maxEntries: 10, now: time.now });
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.get("k", load)).toBe("v1");
    time.advance(99);
    expect(await cache.get("k", load)).toBe("v1");
    time.advance(1);
    expect(await cache.get("k", load)).toBe("v2");
  });

  it("shares one load between concurrent callers and does not cache a failure", async () => {
    const cache = new ExpiringCache<number>({ ttlMs: 100, maxEntries: 10 });
    let loads = 0;
    const failing = async () => {
      loads += 1;
      throw new Error("down");
    };
    await Promise.all([expect(cache.get("k", failing)).rejects.toThrow("down"), expect(cache.get("k", failing)).rejects.toThrow("down")]);
    expect(loads).toBe(1);
    expect(await cache.get("k", async () => 7)).toBe(7);
  });

  it("getMany loads only the missing keys, in one call, caching absent ones as `absent`", async () => {
    const cache = new ExpiringCache<string[]>({ ttlMs: 100, maxEntries: 10 });
    const asked: string[][] = [];
    const loadMissing = async (missing: string[]) => {
      asked.push(missing);
      return new Map(missing.filter((key) => key !== "none").map((key) => [key, [`${key}-item`]]));
    };
    expect([...(await cache.getMany(["a", "none"], loadMissing, []))]).toEqual([
      ["a", ["a-item"]],
      ["none", []],
    ]);
    expect((await cache.getMany(["a", "b", "none"], loadMissing, [])).get("b")).toEqual(["b-item"]);
    expect(asked).toEqual([["a", "none"], ["b"]]);
  });

  it("holds at most maxEntries, keeping what is in use when it drops the rest", async () => {
    const cache = new ExpiringCache<number>({ ttlMs: 1_000, maxEntries: 4 });
    for (let i = 0; i < 100; i += 1) {
      cache.set(`k${i}`, i);
      await cache.get("hot", async () => -1); // read between writes: survives every drop
    }
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(await cache.get("hot", async () => -2)).toBe(-1);
    expect(await cache.get("k99", async () => -3)).toBe(99);
  });

  it("with a TTL of 0 caches nothing", async () => {
    const cache = new ExpiringCache<number>({ ttlMs: 0, maxEntries: 4 });
    cache.set("k", 1);
    expect(await cache.get("k", async () => 2)).toBe(2);
    expect(cache.size).toBe(0);
  });
});
