import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EntityState } from "../features/counters/counter.ts";
import { ExpiringCache } from "./expiringCache.ts";
import { ItemSlots } from "./itemSlots.ts";
import { ItemStateCache, itemStatesFrom } from "./itemStateCache.ts";
import type { SlotTable } from "./slotTable.ts";

const state = (value: number) => ({ hashes: new Map([["d1", { x: value }]]), sortedSets: new Map() });

describe("ItemStateCache", () => {
  it("serves stored states until they expire", () => {
    let now = 1_000;
    const cache = new ItemStateCache({ ttlMs: 100, now: () => now });
    cache.store(["a", "b"], [state(1), state(2)]);
    expect(cache.lookup(["a", "b", "c"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([1, 2, undefined]);
    now += 50;
    cache.store(["c", "a"], [state(3), state(4)]);
    expect(cache.lookup(["a", "b", "c"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([4, 2, 3]);
    now += 50;
    expect(cache.lookup(["a", "b", "c"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([4, undefined, 3]);
    now += 50;
    expect(cache.lookup(["a", "c"])).toEqual([undefined, undefined]);
  });

  it("drops every state held when the registry starts a new generation, and caches new ids again after it", () => {
    const slots = new ItemSlots({ maxSlots: 2 });
    const cache = new ItemStateCache({ ttlMs: 100, slots, now: () => 0 });
    const table = (cache as unknown as { table: SlotTable<EntityState> }).table;
    cache.store(["a", "b"], [state(1), state(2)]);
    expect(cache.size).toBe(2);
    expect(table.times.length).toBeGreaterThan(0);
    cache.store(["c"], [state(3)]); // a new generation: a and b are dropped with the tables
    expect(cache.size).toBe(1);
    expect(cache.lookup(["c"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([3]);
    cache.store(["d"], [state(4)]);
    expect(cache.lookup(["c", "d"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([3, 4]);
    // One more generation (the lookup of "a" starts it): the table is dropped whole, a misses.
    expect(cache.lookup(["a"])).toEqual([undefined]);
    expect(table.times.length).toBe(0);
    expect(cache.size).toBe(0);
  });

  it("bounds its own registry by maxSlotsPerGeneration", () => {
    const cache = new ItemStateCache({ ttlMs: 100, maxSlotsPerGeneration: 1, now: () => 0 });
    cache.store(["a"], [state(1)]);
    cache.store(["b"], [state(2)]);
    expect(cache.slots.maxSlots).toBe(1);
    expect(cache.lookup(["b"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([2]);
    expect(cache.size).toBe(1);
  });

  it("never serves nor keeps states by slots of an old generation (they name other items now)", () => {
    const slots = new ItemSlots({ maxSlots: 2 });
    const cache = new ItemStateCache({ ttlMs: 100, slots, now: () => 0 });
    const oldSlots = slots.slotsOf(["a", "b"]);
    const oldEpoch = slots.epoch;
    cache.store(["x"], [state(9)]); // a new generation: x takes slot 0, a's old slot
    const states: (EntityState | undefined)[] = [];
    expect(cache.lookupSlots(oldSlots, oldEpoch, states)).toBe(2);
    expect(states).toEqual([undefined, undefined]);
    // A read that began before the new generation stores nothing (without the epoch, "a"'s state would land in x's slot).
    cache.storeSlots(oldSlots, oldEpoch, [state(1), state(2)]);
    expect(cache.lookup(["x"]).map((s) => s?.hashes.get("d1")?.x)).toEqual([9]);
    expect(cache.size).toBe(1);
  });

  it("releases expired states as later stores sweep past them", () => {
    let now = 0;
    const cache = new ItemStateCache({ ttlMs: 100, now: () => now });
    cache.store(["a", "b", "c"], [state(1), state(2), state(3)]);
    expect(cache.size).toBe(3);
    now = 100;
    cache.store(["d"], [state(4)]);
    expect(cache.size).toBe(1);
    expect(cache.lookup(["d"])[0]?.hashes.get("d1")?.x).toBe(4);
  });

  it("sweeps a large table a bounded chunk per store, so every expired state is released after a few stores", () => {
    let now = 0;
    const cache = new ItemStateCache({ ttlMs: 100, now: () => now });
    const ids = Array.from({ length: 3_000 }, (_, index) => `item-${index}`);
    cache.store(
      ids,
      ids.map(() => state(1)),
    );
    now = 100;
    cache.store(["x"], [state(2)]);
    expect(cache.size).toBeGreaterThan(1_000); // one chunk swept, not the whole table
    for (let store = 0; store < 3; store += 1) cache.store(["x"], [state(2)]);
    expect(cache.size).toBe(1);
  });

  it("answers as a plain map of {state, expiresAt} over any sequence of stores, lookups and clock moves", () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    const operation = fc.oneof(
      fc.record({ kind: fc.constant("store" as const), items: fc.array(fc.tuple(fc.constantFrom(...ids), fc.integer({ min: 0, max: 9 })), { maxLength: 6 }) }),
      fc.record({ kind: fc.constant("lookup" as const), items: fc.array(fc.constantFrom(...ids), { maxLength: 8 }) }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 150 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), fc.integer({ min: 1, max: 200 }), (operations, ttlMs) => {
        let now = 0;
        const cache = new ItemStateCache({ ttlMs, now: () => now });
        const reference = new Map<string, { state: EntityState; expiresAt: number }>();
        for (const operation of operations) {
          if (operation.kind === "advance") now += operation.ms;
          else if (operation.kind === "store") {
            const states = operation.items.map(([, value]) => state(value));
            cache.store(
              operation.items.map(([itemId]) => itemId),
              states,
            );
            operation.items.forEach(([itemId], index) => reference.set(itemId, { state: states[index]!, expiresAt: now + ttlMs }));
          } else {
            const expected = operation.items.map((itemId) => {
              const entry = reference.get(itemId);
              return entry && entry.expiresAt > now ? entry.state : undefined;
            });
            const found: (EntityState | undefined)[] = [];
            const misses = cache.lookupItems(
              operation.items.map((itemId) => ({ itemId })),
              found,
            );
            expect(found).toEqual(expected);
            for (let index = 0; index < expected.length; index += 1) expect(found[index]).toBe(expected[index]);
            expect(misses).toBe(expected.filter((value) => value === undefined).length);
          }
        }
      }),
    );
  });

  it("with a registry bound far below the ids, answers each id its own fresh state or a miss, never another's, and holds at most the bound", () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    const operation = fc.oneof(
      fc.record({ kind: fc.constant("store" as const), items: fc.array(fc.tuple(fc.constantFrom(...ids), fc.integer({ min: 0, max: 9 })), { maxLength: 6 }) }),
      fc.record({ kind: fc.constant("lookup" as const), items: fc.array(fc.constantFrom(...ids), { maxLength: 8 }) }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 150 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (operations, maxSlots) => {
        let now = 0;
        const cache = new ItemStateCache({ ttlMs: 100, slots: new ItemSlots({ maxSlots }), now: () => now });
        const reference = new Map<string, { state: EntityState; expiresAt: number }>();
        for (const operation of operations) {
          if (operation.kind === "advance") now += operation.ms;
          else if (operation.kind === "store") {
            const states = operation.items.map(([, value]) => state(value));
            cache.store(
              operation.items.map(([itemId]) => itemId),
              states,
            );
            operation.items.forEach(([itemId], index) => reference.set(itemId, { state: states[index]!, expiresAt: now + 100 }));
          } else {
            const found = cache.lookup(operation.items);
            operation.items.forEach((itemId, index) => {
              const entry = reference.get(itemId);
              if (found[index] !== undefined) expect(found[index]).toBe(entry && entry.expiresAt > now ? entry.state : "a miss");
            });
          }
          expect(cache.size).toBeLessThanOrEqual(maxSlots);
        }
      }),
    );
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

  it("holds each state with data in maps over the shape's shared names: its own hashes, one shared empty sorted-set map when the shape reads none", () => {
    const shape = { hashNames: ["d1", "d2"], sortedSets: [] };
    const [a, b] = itemStatesFrom(shape, ["a", "b"], [{ x: 1 }, {}, {}, { y: 2 }], 0, [], 0);
    expect([...a!.hashes]).toEqual([
      ["d1", { x: 1 }],
      ["d2", {}],
    ]);
    expect(b!.hashes.get("d2")).toEqual({ y: 2 });
    expect(a!.sortedSets).toBe(b!.sortedSets);
    expect(a!.sortedSets.size).toBe(0);
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
