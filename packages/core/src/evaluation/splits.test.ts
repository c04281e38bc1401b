import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { benchmarkSplit } from "./benchmarkSplit.ts";
import { createInteractionLog, selectRows } from "./interactionLog.ts";
import { timeCutoffAtFraction, timeSplit } from "./timeSplit.ts";

const rowsArbitrary = fc.array(
  fc.record({ user: fc.integer({ min: 0, max: 6 }), item: fc.integer({ min: 0, max: 20 }), t: fc.integer({ min: 0, max: 100 }) }),
  { maxLength: 80 },
);
const toLog = (rows: { user: number; item: number; t: number }[]) =>
  createInteractionLog({ users: rows.map((r) => r.user), items: rows.map((r) => r.item), timestamps: rows.map((r) => r.t) }, { numUsers: 7, numItems: 21 });

describe("time split", () => {
  it("never leaks an event at or after the cutoff into train, and loses no row", () => {
    fc.assert(
      fc.property(rowsArbitrary, fc.integer({ min: -5, max: 105 }), (rows, cutoff) => {
        const log = toLog(rows);
        const { train, test } = timeSplit(log, cutoff);
        expect(train.length + test.length).toBe(rows.length);
        const trainLog = selectRows(log, train);
        const testLog = selectRows(log, test);
        const latestTrain = Math.max(-Infinity, ...trainLog.timestamps);
        const earliestTest = Math.min(Infinity, ...testLog.timestamps);
        expect(latestTrain).toBeLessThan(cutoff);
        expect(earliestTest).toBeGreaterThanOrEqual(cutoff);
        expect(new Set([...train, ...test]).size).toBe(rows.length);
      }),
    );
  });
  it("finds the cutoff that leaves a given share of rows in train", () => {
    const log = createInteractionLog({ users: [0, 0, 0, 0, 0], items: [0, 1, 2, 3, 4], timestamps: [50, 10, 40, 20, 30] });
    const cutoff = timeCutoffAtFraction(log, 0.8);
    expect(cutoff).toBe(50);
    expect(timeSplit(log, cutoff).train.length).toBe(4);
  });
});

describe("benchmark 80/10/10 split", () => {
  // 5 users × 10 items each, plus a user with 1 row who must keep it in train.
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 5; u++) {
    for (let i = 0; i < 10; i++) {
      users.push(u);
      items.push((u * 3 + i) % 15);
    }
  }
  users.push(5);
  items.push(0);
  const log = createInteractionLog({ users, items, timestamps: users.map((_, i) => i) });

  it("splits each user 8/1/1, disjoint and complete", () => {
    const split = benchmarkSplit(log, { seed: 42 });
    const all = [...split.train, ...split.validation, ...split.test];
    expect(all.length).toBe(log.users.length);
    expect(new Set(all).size).toBe(log.users.length);
    const perUser = (rows: Int32Array, u: number) => [...rows].filter((r) => log.users[r] === u).length;
    for (let u = 0; u < 5; u++) {
      expect([perUser(split.train, u), perUser(split.validation, u), perUser(split.test, u)]).toEqual([8, 1, 1]);
    }
    expect([perUser(split.train, 5), perUser(split.validation, 5), perUser(split.test, 5)]).toEqual([1, 0, 0]);
  });
  it("sizes each user's parts as RecBole's ratio split does (floor, one row for a share under one)", () => {
    const sizesFor = (n: number) => {
      const one = createInteractionLog({ users: new Array<number>(n).fill(0), items: [...Array(n).keys()], timestamps: new Array<number>(n).fill(0) });
      const s = benchmarkSplit(one, { seed: 1 });
      return [s.train.length, s.validation.length, s.test.length];
    };
    expect(sizesFor(25)).toEqual([21, 2, 2]); // ⌊2.5⌋, not round(2.5)
    expect(sizesFor(39)).toEqual([33, 3, 3]);
    expect(sizesFor(5)).toEqual([3, 1, 1]);
    expect(sizesFor(2)).toEqual([1, 0, 1]); // train keeps one row: validation gets nothing
    expect(sizesFor(1)).toEqual([1, 0, 0]);
  });
  it("is deterministic by seed and changes with it", () => {
    const a = benchmarkSplit(log, { seed: 7 });
    const b = benchmarkSplit(log, { seed: 7 });
    const c = benchmarkSplit(log, { seed: 8 });
    expect(a).toEqual(b);
    expect([...a.test]).not.toEqual([...c.test]);
  });
  it("keeps every split disjoint and non-empty in train for any data", () => {
    fc.assert(
      fc.property(rowsArbitrary, fc.integer(), (rows, seed) => {
        const l = toLog(rows);
        const s = benchmarkSplit(l, { seed });
        expect(new Set([...s.train, ...s.validation, ...s.test]).size).toBe(rows.length);
        const trainUsers = new Set([...s.train].map((r) => l.users[r]));
        for (const r of [...s.validation, ...s.test]) expect(trainUsers.has(l.users[r]!)).toBe(true);
      }),
    );
  });
});
