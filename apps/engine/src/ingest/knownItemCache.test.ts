import { describe, expect, it } from "vitest";
import { KnownItemCache } from "./knownItemCache.ts";

function countingLookup(existing: Iterable<string>) {
  const catalogue = new Set(existing);
  const calls: string[][] = [];
  const lookup = async (ids: readonly string[]) => {
    calls.push([...ids]);
    return ids.filter((id) => catalogue.has(id));
  };
  return { lookup, calls, catalogue };
}

describe("KnownItemCache", () => {
  it("looks up only what it has not seen to exist, in one call per batch", async () => {
    const { lookup, calls, catalogue } = countingLookup(["a", "b"]);
    const cache = new KnownItemCache(lookup);
    expect(await cache.filterKnown(["a", "x", "a", "b"])).toEqual(new Set(["a", "b"]));
    expect(calls).toEqual([["a", "x", "b"]]);

    // "a" and "b" are cached; "x" is asked again (it may have been created since) and now exists.
    catalogue.add("x");
    expect(await cache.filterKnown(["a", "b", "x"])).toEqual(new Set(["a", "b", "x"]));
    expect(calls).toEqual([["a", "x", "b"], ["x"]]);
    expect(await cache.filterKnown(["x"])).toEqual(new Set(["x"]));
    expect(calls).toHaveLength(2);
  });

  it("forgets the oldest ids beyond its size", async () => {
    const { lookup, calls } = countingLookup(["a", "b", "c"]);
    const cache = new KnownItemCache(lookup, 2);
    await cache.filterKnown(["a", "b", "c"]);
    await cache.filterKnown(["b", "c"]);
    expect(calls).toHaveLength(1);
    await cache.filterKnown(["a"]);
    expect(calls).toEqual([["a", "b", "c"], ["a"]]);
  });

  it("does not call the lookup for an empty batch", async () => {
    const { lookup, calls } = countingLookup([]);
    expect(await new KnownItemCache(lookup).filterKnown([])).toEqual(new Set());
    expect(calls).toEqual([]);
  });
});
