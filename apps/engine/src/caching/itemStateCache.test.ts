import { describe, expect, it } from "vitest";
import { ExpiringCache } from "./expiringCache.ts";
import { ItemStateCache, itemStatesFrom } from "./itemStateCache.ts";

const state = (value: number) => ({ hashes: new Map([["d1", { x: value }]]), sortedSets: new Map() });

describe("ItemStateCache", () => {
  it("serves stored states until they expire and evicts the least recently stored", () => {
    let now = 1_000;
    const cache = new ItemStateCache({ ttlMs: 100, maxEntries: 2, now: () => now });
    cache.store(["a", "b"], [state(1), state(2)]);
    expect(cache.lookup(["a", "b", "c"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([1, 2, undefined]);
    cache.store(["c"], [state(3)]);
    expect(cache.lookup(["a", "c"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([undefined, 3]);
    now += 100;
    expect(cache.lookup(["b", "c"])).toEqual([undefined, undefined]);
  });

  it("reads items without state as one shared read-only empty state, in every batch, and the others as their own", () => {
    const shape = { hashNames: ["d1", "d2"], sortedSets: [{ name: "z", limit: 5 }] };
    const first = itemStatesFrom(shape, ["a", "b", "c"], [{}, {}, { x: 1 }, {}, {}, {}], 0, [[], [], []], 0);
    const second = itemStatesFrom(shape, ["d", "e"], [{ u: 0 }, {}, {}, {}, {}], 1, [[{ member: "m", score: 1 }], []], 0);
    expect(first[0]).toBe(first[2]);
    expect(second[1]).toBe(first[0]);
    expect(first[1]!.hashes.get("d1")).toEqual({ x: 1 });
    expect(first[1]).not.toBe(first[0]);
    expect(second[0]).not.toBe(first[0]);
    expect(second[0]!.sortedSets.get("z")).toEqual([{ member: "m", score: 1 }]);
    expect([...first[0]!.hashes.keys(), ...first[0]!.sortedSets.keys()]).toEqual(["d1", "d2", "z"]);
    expect(Object.isFrozen(first[0]!.hashes.get("d1"))).toBe(true);
    expect(first[0]!.sortedSets.get("z")).toEqual([]);
  });

  it("keeps nothing with a TTL of 0", () => {
    const cache = new ItemStateCache({ ttlMs: 0 });
    cache.store(["a"], [state(1)]);
    expect(cache.size).toBe(0);
  });
});

describe("ExpiringCache", () => {
  it("shares one load between concurrent callers and reloads after the TTL", async () => {
    let now = 0;
    let loads = 0;
    const cache = new ExpiringCache<number>({ ttlMs: 50, maxEntries: 10, now: () => now });
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("u", load), cache.get("u", load)])).toEqual([1, 1]);
    expect(await cache.get("u", load)).toBe(1);
    now = 50;
    expect(await cache.get("u", load)).toBe(2);
  });

  it("does not cache a failed load", async () => {
    const cache = new ExpiringCache<number>({ ttlMs: 50, maxEntries: 10 });
    await expect(cache.get("u", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("u", async () => 7)).toBe(7);
  });

  it("loads only the missing keys of a batch, in one call, and caches absent ones as the given value", async () => {
    const cache = new ExpiringCache<string[]>({ ttlMs: 1_000, maxEntries: 10 });
    const calls: string[][] = [];
    const loadMissing = async (missing: string[]) => {
      calls.push(missing);
      return new Map(missing.filter((key) => key !== "none").map((key) => [key, [`${key}-item`]]));
    };
    expect([...(await cache.getMany(["a", "none"], loadMissing, []))]).toEqual([
      ["a", ["a-item"]],
      ["none", []],
    ]);
    expect([...(await cache.getMany(["a", "b", "none"], loadMissing, []))]).toEqual([
      ["a", ["a-item"]],
      ["none", []],
      ["b", ["b-item"]],
    ]);
    expect(calls).toEqual([["a", "none"], ["b"]]);
  });
});
