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

  describe("with a change feed", () => {
    const valueOf = (found: EntityState | undefined) => found?.hashes.get("d1")?.x;

    /** A cache on a settable clock, and a read of `ids` as the hydrator makes one: slots first, then the read's start. */
    function fedCache(ttlMs = 100, watchedTtlMs = 10_000) {
      const clock = { now: 0 };
      const cache = new ItemStateCache({ ttlMs, watchedTtlMs, now: () => clock.now });
      const read = (ids: string[]) => {
        const slots = cache.slots.slotsOf(ids);
        const epoch = cache.slots.epoch;
        const startedAt = cache.readStarted();
        return { store: (states: EntityState[]) => cache.storeSlots(slots, epoch, states, startedAt) };
      };
      return { clock, cache, read };
    }

    it("keeps an unchanged item's state for watchedTtlMs while the feed is live, and for ttlMs without one", () => {
      const { clock, cache, read } = fedCache();
      read(["before"]).store([state(1)]); // not live yet
      cache.changeListener.live(true);
      clock.now = 1;
      read(["a"]).store([state(2)]);
      clock.now = 150;
      expect(cache.lookup(["before", "a"]).map(valueOf)).toEqual([undefined, 2]);
      clock.now = 10_000;
      expect(cache.lookup(["a"]).map(valueOf)).toEqual([2]);
      clock.now = 10_001;
      expect(cache.lookup(["a"]).map(valueOf)).toEqual([undefined]);
    });

    it("brings a changed item back to ttlMs after its read: kept a little after a change soon after the read, dropped after a later one", () => {
      const { clock, cache, read } = fedCache();
      cache.changeListener.live(true);
      clock.now = 1;
      read(["soon", "late", "other"]).store([state(1), state(2), state(3)]);
      clock.now = 40;
      cache.changeListener.changed(["soon", "unknown-id"]);
      clock.now = 100;
      expect(cache.lookup(["soon"]).map(valueOf)).toEqual([1]);
      clock.now = 101;
      expect(cache.lookup(["soon"]).map(valueOf)).toEqual([undefined]);
      clock.now = 5_000;
      cache.changeListener.changed(["late"]);
      expect(cache.lookup(["late", "other"]).map(valueOf)).toEqual([undefined, 3]);
    });

    it("keeps for ttlMs only a state whose read started before a change of its item arrived, or before the feed was live", () => {
      const { clock, cache, read } = fedCache();
      const early = read(["x", "y"]);
      cache.changeListener.live(true); // in the millisecond `early` started: it may predate the feed
      clock.now = 1;
      const during = read(["a", "b"]);
      clock.now = 10;
      cache.changeListener.changed(["a"]); // the read of a may have come before this write
      clock.now = 20;
      during.store([state(1), state(2)]);
      early.store([state(3), state(4)]);
      clock.now = 500;
      expect(cache.lookup(["a", "b", "x", "y"]).map(valueOf)).toEqual([undefined, 2, undefined, undefined]);
    });

    it("cuts every state kept on the feed's word back to ttlMs after its read when the feed stops being live, until it is live again", () => {
      const { clock, cache, read } = fedCache();
      cache.changeListener.live(true);
      clock.now = 1;
      read(["old", "recent"]).store([state(1), state(2)]);
      clock.now = 1_000;
      read(["recent"]).store([state(3)]);
      clock.now = 1_050;
      cache.changeListener.live(false);
      expect(cache.lookup(["old", "recent"]).map(valueOf)).toEqual([undefined, 3]);
      clock.now = 1_100;
      expect(cache.lookup(["recent"]).map(valueOf)).toEqual([undefined]);
      const whileDown = read(["down"]);
      whileDown.store([state(4)]);
      const straddling = read(["straddling"]);
      clock.now = 1_150;
      cache.changeListener.live(true);
      straddling.store([state(5)]);
      clock.now = 1_151;
      read(["up"]).store([state(6)]);
      clock.now = 1_400;
      expect(cache.lookup(["down", "straddling", "up"]).map(valueOf)).toEqual([undefined, undefined, 6]);
    });

    it("over any sequence of reads, changes, feed outages and clock moves: kept past ttlMs only on the feed's word, within ttlMs of any change, and for watchedTtlMs when nothing changed", () => {
      const ids = ["a", "b", "c", "d"];
      // The feed mostly up (it starts live), outages rarer than the rest.
      const operation = fc.oneof(
        {
          arbitrary: fc.record({ kind: fc.constant("begin" as const), items: fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1, maxLength: 3 }) }),
          weight: 3,
        },
        { arbitrary: fc.record({ kind: fc.constant("finish" as const), pick: fc.nat() }), weight: 3 },
        { arbitrary: fc.record({ kind: fc.constant("change" as const), items: fc.array(fc.constantFrom(...ids), { maxLength: 3 }) }), weight: 2 },
        { arbitrary: fc.record({ kind: fc.constant("live" as const), isLive: fc.boolean() }), weight: 1 },
        { arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 400 }) }), weight: 3 },
        { arbitrary: fc.record({ kind: fc.constant("lookup" as const), items: fc.array(fc.constantFrom(...ids), { maxLength: 4 }) }), weight: 3 },
      );
      fc.assert(
        fc.property(
          fc.array(operation, { maxLength: 80 }),
          fc.integer({ min: 1, max: 200 }),
          fc.integer({ min: 200, max: 2_000 }),
          (operations, ttlMs, watchedTtlMs) => {
            const { clock, cache, read } = fedCache(ttlMs, watchedTtlMs);
            cache.slots.slotsOf(ids); // every id has its slot from the start (reads take theirs first anyway)
            const changes = new Map<string, number[]>();
            const outages: number[] = []; // times the feed stopped being live
            cache.changeListener.live(true);
            let liveSince = 0;
            clock.now = 1;
            const pending: { items: string[]; startedAt: number; store: (states: EntityState[]) => void }[] = [];
            const kept = new Map<string, { state: EntityState; startedAt: number; storedAt: number; liveAtStart: boolean }>();
            let serial = 0;
            for (const op of operations) {
              const now = clock.now;
              if (op.kind === "advance") clock.now += op.ms;
              else if (op.kind === "begin") pending.push({ items: op.items, startedAt: now, ...read(op.items) });
              else if (op.kind === "finish") {
                if (pending.length === 0) continue;
                const [done] = pending.splice(op.pick % pending.length, 1);
                const states = done!.items.map(() => state((serial += 1)));
                done!.store(states);
                const liveAtStart = liveSince < done!.startedAt;
                done!.items.forEach((itemId, index) => kept.set(itemId, { state: states[index]!, startedAt: done!.startedAt, storedAt: now, liveAtStart }));
              } else if (op.kind === "change") {
                for (const itemId of op.items) changes.set(itemId, [...(changes.get(itemId) ?? []), now]);
                cache.changeListener.changed(op.items);
              } else if (op.kind === "live") {
                if (op.isLive && Number.isNaN(liveSince)) liveSince = now;
                if (!op.isLive) {
                  liveSince = Number.NaN;
                  outages.push(now);
                }
                cache.changeListener.live(op.isLive);
              } else {
                const found = cache.lookup(op.items);
                op.items.forEach((itemId, index) => {
                  const entry = kept.get(itemId);
                  if (found[index] !== undefined) expect(found[index]).toBe(entry?.state);
                  if (!entry) return;
                  const changedSinceRead = (changes.get(itemId) ?? []).filter((at) => at >= entry.startedAt);
                  const outageSinceRead = outages.some((at) => at >= entry.startedAt);
                  if (found[index] !== undefined) {
                    // Within ttlMs of every change the read may predate (or of the store, when later).
                    for (const at of changedSinceRead) expect(now).toBeLessThan(Math.max(at, entry.storedAt) + ttlMs);
                    // Past ttlMs after the store only on the feed's word: live all along, nothing changed.
                    if (now >= entry.storedAt + ttlMs) {
                      expect(entry.liveAtStart).toBe(true);
                      expect(outageSinceRead).toBe(false);
                      expect(changedSinceRead).toEqual([]);
                    }
                  } else {
                    // What the feed vouches for is kept for watchedTtlMs; the rest at least ttlMs, when nothing cut it.
                    if (entry.liveAtStart && !outageSinceRead && changedSinceRead.length === 0)
                      expect(now).toBeGreaterThanOrEqual(entry.startedAt + watchedTtlMs);
                    const cutAfterStore = outageSinceRead || changedSinceRead.length > 0;
                    if (!cutAfterStore) expect(now).toBeGreaterThanOrEqual(entry.storedAt + ttlMs);
                  }
                });
              }
            }
          },
        ),
        { numRuns: 2_000 },
      );
    });
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
