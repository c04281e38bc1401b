import { describe, expect, it } from "vitest";
import { parseInteractionTable, parsePositiveSpec, type Recommender } from "@cascade/core";
import type { Interactions } from "../retrieval/interactions.ts";
import { offlineBenchmarkData } from "./benchmarkFiles.ts";
import { BENCHMARK_ROWS, fusionRecommender, runBenchmarkProtocol, splitForBenchmark, type BenchmarkContext } from "./benchmarkProtocol.ts";
import { parseTrainConfig } from "./trainConfig.ts";

/** Users with 1..40 distinct items each, in time order, interleaved across users. */
function interactions(users: number, items: number): Interactions {
  const rows: { user: number; item: number; timeMs: number }[] = [];
  let time = 0;
  for (let round = 0; round < 40; round += 1) {
    for (let user = 0; user < users; user += 1) {
      if (round < (user % 40) + 1) rows.push({ user, item: (user * 7 + round * 13) % items, timeMs: (time += 1000) });
    }
  }
  // Distinct pairs only, as the loaders produce.
  const seen = new Set<string>();
  const unique = rows.filter((row) => !seen.has(`${row.user}:${row.item}`) && seen.add(`${row.user}:${row.item}`));
  return {
    count: unique.length,
    user: Int32Array.from(unique, (row) => row.user),
    item: Int32Array.from(unique, (row) => row.item),
    timeMs: Float64Array.from(unique, (row) => row.timeMs),
  };
}

const pairs = (part: Interactions, user: number) => {
  const out: number[] = [];
  for (let j = 0; j < part.count; j += 1) if (part.user[j] === user) out.push(part.item[j]!);
  return out;
};

describe("splitForBenchmark", () => {
  const all = interactions(120, 600);
  const split = splitForBenchmark(all, 120, 600, 11);

  it("splits each user's positives 80/10/10 and never puts one pair in two parts", () => {
    expect(split.train.count + split.validation.count + split.test.count).toBe(all.count);
    for (let user = 0; user < 120; user += 1) {
      const everything = pairs(all, user);
      const train = pairs(split.train, user);
      const validation = pairs(split.validation, user);
      const test = pairs(split.test, user);
      const n = everything.length;
      // Every pair lands in exactly one part.
      expect([...train, ...validation, ...test].sort((a, b) => a - b)).toEqual([...everything].sort((a, b) => a - b));
      expect(new Set([...train, ...validation, ...test]).size).toBe(n);
      // ⌊10%⌋ test and validation per user (RecBole's sizes), never emptying train.
      expect(train.length).toBeGreaterThan(0);
      if (n >= 10) {
        expect(test.length).toBe(Math.floor(n * 0.1));
        expect(validation.length).toBe(Math.floor(n * 0.1));
      }
    }
  });

  it("keeps each part in time order and ignores time when choosing (test is not just the newest rows)", () => {
    for (const part of [split.train, split.validation, split.test]) {
      for (let j = 1; j < part.count; j += 1) expect(part.timeMs[j]!).toBeGreaterThanOrEqual(part.timeMs[j - 1]!);
    }
    const user = 119; // 40 positives
    const times = (part: Interactions) => {
      const out: number[] = [];
      for (let j = 0; j < part.count; j += 1) if (part.user[j] === user) out.push(part.timeMs[j]!);
      return out;
    };
    const newestTrain = Math.max(...times(split.train));
    expect(Math.min(...times(split.test))).toBeLessThan(newestTrain);
  });

  it("is deterministic by seed and changes with it", () => {
    const again = splitForBenchmark(all, 120, 600, 11);
    expect(Array.from(again.test.item)).toEqual(Array.from(split.test.item));
    const other = splitForBenchmark(all, 120, 600, 12);
    expect(Array.from(other.test.item)).not.toEqual(Array.from(split.test.item));
  });
});

describe("fusionRecommender", () => {
  const fixed = (list: number[]): Recommender => ({ recommend: (_user, _history, k) => Int32Array.from(list.slice(0, k)) });

  it("fuses ranks by weight and ignores sources with weight 0", () => {
    const a = fixed([1, 2, 3]);
    const b = fixed([3, 4, 1]);
    expect(
      Array.from(
        fusionRecommender(
          [
            { recommender: a, weight: 1 },
            { recommender: b, weight: 0 },
          ],
          10,
          3,
        ).recommend(0, new Int32Array(0), 3),
      ),
    ).toEqual([1, 2, 3]);
    // 1 and 3 are in both lists and beat 2 and 4; with b weighted up, 3 (b's first) wins.
    expect(
      Array.from(
        fusionRecommender(
          [
            { recommender: a, weight: 1 },
            { recommender: b, weight: 1 },
          ],
          10,
          3,
        ).recommend(0, new Int32Array(0), 2),
      ).sort(),
    ).toEqual([1, 3]);
    expect(
      fusionRecommender(
        [
          { recommender: a, weight: 1 },
          { recommender: b, weight: 3 },
        ],
        10,
        3,
      ).recommend(0, new Int32Array(0), 1)[0],
    ).toBe(3);
  });

  it("forgets the previous user's scores", () => {
    const fusion = fusionRecommender([{ recommender: { recommend: (user) => Int32Array.from(user === 0 ? [5, 6] : [7]) }, weight: 1 }], 10, 2);
    fusion.recommend(0, new Int32Array(0), 2);
    expect(Array.from(fusion.recommend(1, new Int32Array(0), 2))).toEqual([7]);
  });
});

describe("runBenchmarkProtocol", () => {
  // 60 users with 20–39 ratings each over 150 items, two taste groups so the models have signal.
  const lines = ["user_id:token\titem_id:token\trating:float\ttimestamp:float"];
  for (let user = 0; user < 60; user += 1) {
    const count = 20 + (user % 20);
    for (let r = 0; r < count; r += 1) lines.push(`u${user}\ti${((user % 2) * 75 + ((user * 7 + r * 3) % 75)) % 150}\t${1 + (r % 5)}\t${user * 100 + r}`);
  }
  const { data } = offlineBenchmarkData([parseInteractionTable(lines.join("\n"), "toy.inter")], parsePositiveSpec("any"));
  const config = parseTrainConfig({ retrieval: { model: { dimensions: 8 }, training: { epochs: 1 } } });
  const itemsOf = (part: Interactions, user: number) => {
    const out: number[] = [];
    for (let j = 0; j < part.count; j += 1) if (part.user[j] === user) out.push(part.item[j]!);
    return out;
  };
  // Lists the user's validation items first, then their test items: it hits only if validation is masked.
  const validationFirst = (context: BenchmarkContext): Recommender => ({
    recommend: (user, _history, k) => Int32Array.from([...itemsOf(context.parts.validation, user), ...itemsOf(context.parts.test, user)].slice(0, k)),
  });
  let seenContext: BenchmarkContext | null = null;
  const result = runBenchmarkProtocol(data, {
    config,
    seed: 3,
    positives: "every interaction",
    extraRecommenders: [
      {
        name: "validation-first oracle",
        create: (context) => {
          seenContext = context;
          return validationFirst(context);
        },
      },
    ],
  });
  const column = (name: string) => result.report.columns.indexOf(name);
  const row = (name: string) => result.report.rows.find((r) => r.name === name)!.values;

  it("reports every baseline, the honestly named fused row and the caller's row in one table", () => {
    expect(result.report.rows.map((r) => r.name)).toEqual([...Object.values(BENCHMARK_ROWS), "validation-first oracle"]);
    expect(result.timings.map((t) => t.name)).toEqual(result.report.rows.map((r) => r.name));
    expect(result.report.title).toMatch(/RO 8:1:1.*seed 3.*every interaction.*train \+ validation items masked/);
    expect(result.split).toMatchObject({ kind: "random", seed: 3, users: 60, items: data.itemIds.length });
  });

  it("hands extra rows the split and the trained two-tower, and masks validation items for them too", () => {
    expect(seenContext!.parts.test.count).toBe(result.split.test);
    expect(seenContext!.twoTower.config.items).toBe(data.itemIds.length);
    // Every user has 2–3 test items; with validation masked the oracle's first slots are all test items.
    expect(row("validation-first oracle")[column("recall@10")]).toBe(1);
    expect(row("validation-first oracle")[column("mrr")]).toBe(1);
    for (const name of Object.values(BENCHMARK_ROWS)) expect(row(name)[column("users")]).toBe(60);
  });

  it("evaluates a supplied split as given and leaves EASE out above its item limit, saying so", () => {
    const parts = splitForBenchmark(data.interactions, data.userIds.length, data.itemIds.length, 9);
    const supplied = runBenchmarkProtocol(data, { config, seed: 1, split: parts, ease: { maxItems: 10 } });
    expect(supplied.split).toMatchObject({ kind: "supplied", seed: null, test: parts.test.count });
    expect(supplied.report.rows.map((r) => r.name)).not.toContain(BENCHMARK_ROWS.ease);
    expect(supplied.notes).toEqual([`EASE left out: ${data.itemIds.length} items exceed its dense-inverse limit of 10`]);
  });
});
