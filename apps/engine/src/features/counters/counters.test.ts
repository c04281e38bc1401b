import { describe, expect, it } from "vitest";
import type { FeatureEvent } from "../featureEvent.ts";
import { emptyOps, type EntityState } from "./counter.ts";
import { DecayedSum, ERA_HALF_LIVES } from "./decayedSum.ts";
import { RecentItems } from "./recentItems.ts";
import { WindowedCount } from "./windowedCount.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function event(type: FeatureEvent["type"], occurredAt: number, itemId = "i1", value?: number): FeatureEvent {
  return { eventId: `${type}-${occurredAt}-${itemId}`, type, userId: "u1", itemId, occurredAt, ...(value === undefined ? {} : { value }) };
}

/** Applies a counter's ops to plain maps: the state a store would hold (no expiry). */
function stateAfter(counter: WindowedCount | DecayedSum | RecentItems, events: FeatureEvent[], nowMs: number, category: string | null = null): EntityState {
  const hashes = new Map<string, Record<string, number>>();
  const sortedSets = new Map<string, { member: string; score: number }[]>();
  for (const e of events) {
    const ops = emptyOps();
    counter.opsFor(e, { itemCategory: category }, nowMs, ops);
    for (const { name, field, by, clears } of ops.increments) {
      const hash = hashes.get(name) ?? {};
      if (hash[field] === undefined) for (const cleared of clears ?? []) delete hash[cleared];
      hash[field] = (hash[field] ?? 0) + by;
      hashes.set(name, hash);
    }
    for (const { name, member, score, keep } of ops.maxima) {
      const set = (sortedSets.get(name) ?? []).filter((entry) => entry.member !== member || entry.score >= score);
      if (!set.some((entry) => entry.member === member)) set.push({ member, score });
      set.sort((a, b) => b.score - a.score);
      sortedSets.set(name, set.slice(0, keep));
    }
  }
  return { hashes, sortedSets };
}

describe("WindowedCount", () => {
  const clicks5m = new WindowedCount({ id: "clicks_5m", entity: "user", bucketMs: MINUTE, windowMs: 5 * MINUTE, amount: (e) => (e.type === "click" ? 1 : 0) });
  const t0 = 1_000 * MINUTE; // a bucket boundary

  it("sums the current bucket and the 4 before it, at one-minute granularity", () => {
    const events = [event("click", t0 - 5 * MINUTE), event("click", t0 - 4 * MINUTE), event("click", t0 - 1), event("click", t0), event("impression", t0)];
    const state = stateAfter(clicks5m, events, t0);
    // At t0 + 30 s the window is buckets [t0 − 4 min, t0 + 1 min): the first click is out.
    expect(clicks5m.valueAt(state, t0 + 30_000)).toBe(3);
    // At t0 + 1 min the bucket starting t0 − 4 min has left the window too.
    expect(clicks5m.valueAt(state, t0 + MINUTE)).toBe(2);
    expect(clicks5m.valueAt(state, t0 + 5 * MINUTE)).toBeNull();
  });

  it("reads a known zero when the entity has other activity in the window, null when it has none", () => {
    const impressions = new WindowedCount({
      id: "impressions_5m",
      entity: "user",
      bucketMs: MINUTE,
      windowMs: 5 * MINUTE,
      amount: (e) => (e.type === "impression" ? 1 : 0),
    });
    const state = stateAfter(impressions, [event("impression", t0)], t0);
    expect(clicks5m.valueAt(state, t0 + 1)).toBe(0);
    expect(clicks5m.valueAt({ hashes: new Map(), sortedSets: new Map() }, t0)).toBeNull();
  });

  it("expires each bucket exactly when the last window that contains it ends, and skips dead buckets", () => {
    const ops = emptyOps();
    clicks5m.opsFor(event("click", t0 + 10_000), { itemCategory: null }, t0 + 20_000, ops);
    expect(ops.increments).toEqual([{ name: `w60x5:${t0 / MINUTE}`, field: "clicks_5m", by: 1, ttlMs: 5 * MINUTE - 20_000, expireWhen: "created" }]);
    const late = emptyOps();
    clicks5m.opsFor(event("click", t0 - 5 * MINUTE), { itemCategory: null }, t0, late);
    expect(late.increments).toEqual([]);
  });

  it("gives the same sums and key names whatever read times came before (per-bucket memo)", () => {
    const options = {
      id: "clicks_5m",
      entity: "user" as const,
      bucketMs: MINUTE,
      windowMs: 5 * MINUTE,
      amount: (e: FeatureEvent) => (e.type === "click" ? 1 : 0),
    };
    const shared = new WindowedCount(options);
    const state = stateAfter(
      shared,
      [0, 1, 3, 6, 9].map((minutes) => event("click", t0 + minutes * MINUTE)),
      t0,
    );
    // Jumps forward, back and within a bucket: each answer must equal a fresh counter's.
    for (const minutes of [2, 2.5, 9, 4, 4.2, 11, 0, 14, 3]) {
      const at = t0 + minutes * MINUTE;
      const fresh = new WindowedCount(options);
      expect(shared.valueAt(state, at)).toBe(fresh.valueAt(state, at));
      const newest = Math.floor(at / MINUTE);
      expect(shared.reads(at).hashes).toEqual([0, 1, 2, 3, 4].map((back) => `w60x5:${newest - back}`));
    }
  });

  it("rejects windows that are not whole buckets", () => {
    expect(() => new WindowedCount({ id: "x", entity: "user", bucketMs: MINUTE, windowMs: 90_000, amount: () => 1 })).toThrow(RangeError);
  });
});

describe("DecayedSum", () => {
  const halfLife = 6 * HOUR;
  const trend = new DecayedSum({
    id: "trend",
    entity: "item",
    halfLifeMs: halfLife,
    contributions: (e) => [{ subKey: "", amount: e.type === "click" ? 1 : 0 }],
  });

  it("halves each event's weight every half-life", () => {
    const t = 10_000 * HOUR;
    const state = stateAfter(trend, [event("click", t), event("click", t + halfLife)], t + halfLife);
    expect(trend.valueAt(state, t + halfLife)).toBeCloseTo(1.5, 12);
    expect(trend.valueAt(state, t + 2 * halfLife)).toBeCloseTo(0.75, 12);
  });

  it("matches the direct formula across an era boundary, whatever the order of the events", () => {
    const era = ERA_HALF_LIVES * halfLife;
    const times = [3 * era - 5 * HOUR, 3 * era - 1, 3 * era, 3 * era + 7 * HOUR];
    const at = 3 * era + 9 * HOUR;
    const expected = times.reduce((sum, time) => sum + 2 ** (-(at - time) / halfLife), 0);
    const forward = stateAfter(
      trend,
      times.map((time) => event("click", time)),
      times[0]!,
    );
    const backward = stateAfter(
      trend,
      [...times].reverse().map((time) => event("click", time)),
      times[0]!,
    );
    expect(trend.valueAt(forward, at)).toBeCloseTo(expected, 12);
    expect(trend.valueAt(backward, at)).toBeCloseTo(expected, 12);
  });

  it("drops events from before the previous era, by definition", () => {
    const era = ERA_HALF_LIVES * halfLife;
    const state = stateAfter(trend, [event("click", 5 * era + 1)], 5 * era + 1);
    expect(trend.valueAt(state, 6 * era + 1)).toBeGreaterThan(0);
    expect(trend.valueAt(state, 7 * era)).toBeNull();
  });

  it("keeps one value per sub-key", () => {
    const affinity = new DecayedSum({
      id: "aff",
      entity: "user",
      halfLifeMs: halfLife,
      contributions: (_e, facts) => [{ subKey: "", amount: 1 }, ...(facts.itemCategory ? [{ subKey: facts.itemCategory, amount: 1 }] : [])],
    });
    const t = 100 * HOUR;
    const state = stateAfter(affinity, [event("click", t)], t, "music");
    expect(affinity.valueAt(state, t, "music")).toBeCloseTo(1, 12);
    expect(affinity.valueAt(state, t)).toBeCloseTo(1, 12);
    expect(affinity.valueAt(state, t, "sports")).toBeNull();
  });
});

describe("DecayedSum read memo", () => {
  it("gives bit-identical values whatever reads (times, eras, sub-keys) came before", () => {
    const halfLife = HOUR;
    const era = ERA_HALF_LIVES * halfLife;
    const options = {
      id: "aff",
      entity: "user" as const,
      halfLifeMs: halfLife,
      contributions: (_e: FeatureEvent, facts: { itemCategory: string | null }) => [
        { subKey: "", amount: 1 },
        ...(facts.itemCategory ? [{ subKey: facts.itemCategory, amount: 2 }] : []),
      ],
    };
    const shared = new DecayedSum(options);
    const times = [4 * era - 3 * HOUR, 4 * era + 2 * HOUR, 5 * era - 1];
    const music = stateAfter(
      shared,
      times.map((time) => event("click", time)),
      times[0]!,
      "music",
    );
    const reads: [number, string][] = [
      [5 * era - 1, ""],
      [5 * era - 1, "music"],
      [4 * era + 5 * HOUR, "music"],
      [4 * era + 5 * HOUR, ""],
      [5 * era + 3, "sports"],
      [6 * era - 1, "music"],
      [4 * era - HOUR, ""],
      [5 * era + 3, "music"],
      [5 * era + 3, ""],
    ];
    for (const [at, subKey] of reads) {
      expect(Object.is(shared.valueAt(music, at, subKey), new DecayedSum(options).valueAt(music, at, subKey))).toBe(true);
    }
  });

  it("answers each state with its own value when states, times and sub-keys alternate at one time (last-answer memo)", () => {
    const options = {
      id: "aff",
      entity: "user" as const,
      halfLifeMs: HOUR,
      contributions: (_e: FeatureEvent, facts: { itemCategory: string | null }) => [
        { subKey: "", amount: 1 },
        ...(facts.itemCategory ? [{ subKey: facts.itemCategory, amount: 2 }] : []),
      ],
    };
    const shared = new DecayedSum(options);
    const at = 10 * HOUR;
    const one = stateAfter(shared, [event("click", 2 * HOUR)], at, "music");
    const two = stateAfter(shared, [event("click", 3 * HOUR), event("click", 4 * HOUR)], at, "sports");
    const sameAsOne = stateAfter(shared, [event("click", 2 * HOUR)], at, "music");
    const reads: [EntityState, number, string][] = [
      [one, at, ""],
      [one, at, ""],
      [two, at, ""],
      [one, at, "music"],
      [two, at, "music"],
      [two, at, "sports"],
      [two, at, "sports"],
      [two, at + 1, "sports"],
      [sameAsOne, at, ""],
      [one, at, "music"],
    ];
    const values = reads.map(([state, time, subKey]) => shared.valueAt(state, time, subKey));
    const fresh = reads.map(([state, time, subKey]) => new DecayedSum(options).valueAt(state, time, subKey));
    expect(values).toEqual(fresh);
    expect(values[0]).not.toBe(values[2]);
    expect(values[4]).toBeNull();
    expect(values[8]).toBe(values[0]);
  });
});

describe("RecentItems", () => {
  const recent = new RecentItems({ id: "recent", keep: 2, retentionMs: 24 * HOUR, includes: (e) => e.type === "click" });

  it("keeps the newest distinct items and sees only what happened before the read time", () => {
    const state = stateAfter(
      recent,
      [event("click", 10, "a"), event("click", 20, "b"), event("impression", 25, "z"), event("click", 30, "a"), event("click", 40, "c")],
      0,
    );
    expect(recent.itemsAt(state, 100)).toEqual([
      { member: "c", score: 40 },
      { member: "a", score: 30 },
    ]);
    expect(recent.itemsAt(state, 40)).toEqual([{ member: "a", score: 30 }]);
    expect(recent.itemsAt(state, 30)).toBeNull();
  });

  it("counts, finds and tests membership exactly as the filtered list does, at every read time", () => {
    const wide = new RecentItems({ id: "recent", keep: 5, retentionMs: 24 * HOUR, includes: (e) => e.type === "click" });
    const state = stateAfter(
      wide,
      [event("click", 10, "a"), event("click", 20, "b"), event("click", 30, "a"), event("click", 40, "c"), event("click", 55, "d")],
      0,
    );
    for (let at = 0; at <= 70; at += 5) {
      const items = wide.itemsAt(state, at);
      expect(wide.countAt(state, at)).toBe(items?.length ?? 0);
      expect(wide.hasItemsAt(state, at)).toBe(items !== null);
      for (const member of ["a", "b", "c", "d", "z"]) expect(wide.scoreAt(state, at, member)).toBe(items?.find((entry) => entry.member === member)?.score);
    }
    expect(wide.countAt({ hashes: new Map(), sortedSets: new Map() }, 100)).toBe(0);
  });
});
