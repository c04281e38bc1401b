// FeedReplay (replay/feedReplay.ts) against real PostgreSQL, on the ratings world (a MovieLens-shaped
// log in a scratch database of its own) plus a probe user and a crowd whose events straddle the
// replay times T1 < T2:
//   probe  rates m5 two days before T1; rates m9 at T1 + 1 h and clicks m17 at T1 + 2 h;
//   crowd  six users click mLate (an old item nobody had touched) at T1 + 90 min.
// A replay as of T1 must not know what happened after T1 (m9 not consumed, m17 not seen, mLate not
// trending, the probe's online features from one rating), one as of T2 must; a replay records
// nothing (no rows, no impression log line, no page session) where the live path over the same
// serving code does; `exploration: false` serves the ranked prefix; and the config's source
// weights and fusion.k are what order the page when no ranker is active.
import { Writable } from "node:stream";
import pino from "pino";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunnelTrace } from "@cascade/core";
import type { Database } from "@cascade/db";
import { fixedClock } from "../platform/clock.ts";
import { createRatingsDatabase, type ScratchRatingsDatabase } from "../training/pipeline/testing/ratingsWorld.ts";
import { PopularityRanking } from "../sources/popularityRanking.ts";
import { RecommendationService } from "../serving/recommendationService.ts";
import { ServingStack } from "../serving/servingStack.ts";
import { createMemoryOnlineStore } from "../stores/memoryOnlineStore.ts";
import { FeedReplay } from "./feedReplay.ts";
import { listSourcesConfig } from "./testing/listSourcesConfig.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SURFACE = "home";
const PROBE = "probe";
const LATE_ITEM = "mLate";
const CROWD = 6;

let scratch: ScratchRatingsDatabase;
let db: Database;
let T1: number;
let T2: number;
/** Every event's time, the probe's and the crowd's included. */
let eventTimes: number[];
const logLines: { msg?: string; level?: number }[] = [];
const logger = pino(
  { level: "debug" },
  new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim() !== "") logLines.push(JSON.parse(line) as { msg?: string });
      done();
    },
  }),
);

const configOf = listSourcesConfig;

const removedBy = (trace: FunnelTrace, id: string) =>
  trace.stages
    .flatMap((stage) => stage.components)
    .filter((component) => component.id === id)
    .flatMap((component) => component.removed ?? [])
    .map((entry) => entry.itemId);
const hitOf = (trace: FunnelTrace, itemId: string, source: string) => trace.candidates?.[itemId]?.sources.find((hit) => hit.id === source);
/** A user feature as the trace's candidates carry it (the same value on every candidate). */
function userFeature(trace: FunnelTrace, name: string): number {
  const values = new Set(Object.values(trace.candidates ?? {}).map((candidate) => candidate.features[name]));
  expect(values.size).toBe(1);
  return [...values][0]!;
}

async function tableCounts(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) counts[name] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`)).rows[0]!.n);
    return counts;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  scratch = await createRatingsDatabase("helper8_feed_replay");
  db = scratch.db;
  const newest = Math.max(...scratch.rows.map((row) => row.atMs));
  T1 = newest - 5 * DAY;
  T2 = T1 + 3 * HOUR;
  await db.item.create({ data: { id: LATE_ITEM, title: "Late", category: "genre-0", tags: ["genre-0"], publishedAt: new Date(Date.UTC(1991, 5, 1)) } });
  const extra = [
    { eventId: "p-rate-before", type: "rating" as const, userId: PROBE, itemId: "m5", occurredAt: new Date(T1 - 2 * DAY), value: 8 },
    { eventId: "p-rate-after", type: "rating" as const, userId: PROBE, itemId: "m9", occurredAt: new Date(T1 + HOUR), value: 8 },
    { eventId: "p-click-after", type: "click" as const, userId: PROBE, itemId: "m17", occurredAt: new Date(T1 + 2 * HOUR), value: null },
    // After T2: the probe buys m11 and hides m12 (exclusions that did not exist yet at T2).
    { eventId: "p-purchase-later", type: "purchase" as const, userId: PROBE, itemId: "m11", occurredAt: new Date(T1 + 4 * HOUR), value: 10 },
    { eventId: "p-hide-later", type: "hide" as const, userId: PROBE, itemId: "m12", occurredAt: new Date(T1 + 4 * HOUR), value: null },
    ...Array.from({ length: CROWD }, (_, n) => ({
      eventId: `crowd-${n}`,
      type: "click" as const,
      userId: `crowd${n}`,
      itemId: LATE_ITEM,
      occurredAt: new Date(T1 + 90 * 60_000 + n * 1_000),
      value: null,
    })),
  ];
  await db.event.createMany({ data: extra });
  eventTimes = [...scratch.rows.map((row) => row.atMs), ...extra.map((event) => event.occurredAt.getTime())];
}, 120_000);

afterAll(async () => {
  await scratch?.drop();
});

describe("FeedReplay as of T", () => {
  it("does not exclude what the user bought or hid after T", async () => {
    const config = configOf();
    const atT2 = await FeedReplay.create({ db, logger }, { asOfMs: T2, models: null });
    const later = await FeedReplay.create({ db, logger }, { asOfMs: T1 + 5 * HOUR, models: null });
    try {
      const then = (await atT2.feed({ userId: PROBE, surface: SURFACE, count: 10, config })).trace!;
      expect(removedBy(then, "userExclusions")).toEqual([]);
      expect(then.ranked).toEqual(expect.arrayContaining(["m11", "m12"]));
      const after = (await later.feed({ userId: PROBE, surface: SURFACE, count: 10, config })).trace!;
      expect(removedBy(after, "userExclusions").sort()).toEqual(["m11", "m12"]);
    } finally {
      await Promise.all([atT2.close(), later.close()]);
    }
  });

  it("knows only the events up to T: consumed and seen items, online features, trending lists", async () => {
    const config = configOf();
    const atT1 = await FeedReplay.create({ db, logger }, { asOfMs: T1, models: null });
    const atT2 = await FeedReplay.create({ db, logger }, { asOfMs: T2, models: null });
    try {
      // The online features were rebuilt from the events before T only.
      expect(atT1.eventsReplayed).toBe(eventTimes.filter((at) => at <= T1).length);
      expect(atT2.eventsReplayed).toBe(eventTimes.filter((at) => at <= T2).length);

      const before = await atT1.feed({ userId: PROBE, surface: SURFACE, count: 10, config });
      const after = await atT2.feed({ userId: PROBE, surface: SURFACE, count: 10, config });
      const t1 = before.trace!;
      const t2 = after.trace!;
      expect(t1.nowMs).toBe(T1);
      expect(t2.nowMs).toBe(T2);
      expect(before.response.degraded).toBe(false);

      // At T1 only m5 had been rated: m9 (rated an hour later) and m17 (clicked later) are servable.
      expect(removedBy(t1, "consumed")).toEqual(["m5"]);
      expect(removedBy(t1, "seen")).toEqual([]);
      expect(t1.ranked).toEqual(expect.arrayContaining(["m9", "m17"]));
      expect(t1.ranked).not.toContain("m5");
      // At T2 both had happened: m9 is consumed, m17 was seen an hour ago.
      expect(removedBy(t2, "consumed").sort()).toEqual(["m5", "m9"]);
      expect(removedBy(t2, "seen")).toEqual(["m17"]);
      for (const itemId of ["m5", "m9", "m17"]) expect(t2.ranked).not.toContain(itemId);
      expect(after.response.items.map((item) => item.itemId)).not.toContain("m9");

      // The probe's online state: one rated item at T1; three items and one click in the last 24 h at T2.
      expect(userFeature(t1, "user_recent_items_count")).toBe(1);
      expect(userFeature(t1, "user_clicks_24h")).toBe(0);
      expect(userFeature(t2, "user_recent_items_count")).toBe(3);
      expect(userFeature(t2, "user_clicks_24h")).toBe(1);

      // mLate: untouched at T1 (a candidate only through the fresh list), the top of trending at T2.
      expect(hitOf(t1, LATE_ITEM, "fresh")).toBeDefined();
      expect(hitOf(t1, LATE_ITEM, "trending")).toBeUndefined();
      expect(t1.candidates![LATE_ITEM]!.features.item_popularity_3d).toBe(0);
      expect(hitOf(t2, LATE_ITEM, "trending")?.rank).toBe(0);
      expect(t2.candidates![LATE_ITEM]!.features.item_popularity_3d).toBeGreaterThan(0);
    } finally {
      await Promise.all([atT1.close(), atT2.close()]);
    }
  });

  it("records nothing (no rows, no impression log, no page session), where the live path over the same code does", async () => {
    const config = configOf();
    const rowsBefore = await tableCounts(scratch.url);
    logLines.length = 0;
    const replay = await FeedReplay.create({ db, logger }, { asOfMs: T2, models: null });
    try {
      for (const userId of [PROBE, "u3", "u45", "nobody"]) {
        const { response, trace } = await replay.feed({ userId, surface: SURFACE, count: 5 });
        expect(response.items).toHaveLength(5);
        // More was ranked than served: a live first page would have opened a page session.
        expect(trace!.ranked!.length).toBeGreaterThan(5);
        expect(response.cursor).toBeNull();
        await replay.feed({ userId, surface: SURFACE, count: 5, config });
      }
    } finally {
      await replay.close();
    }
    // Side effects are fire-and-forget: give any that were (wrongly) started time to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await tableCounts(scratch.url)).toEqual(rowsBefore);
    expect(logLines.filter((line) => line.msg === "served")).toEqual([]);

    // Control: the live recommend path over a stack like the replay's (served-feature sampling on) does record.
    const clock = fixedClock(T2);
    const store = createMemoryOnlineStore({ now: () => T2 });
    const popularity = new PopularityRanking(db, logger, { clock });
    const stack = new ServingStack({ db, logger, store, clock, servedFeatureSampleRate: 1 }, popularity);
    try {
      await Promise.all([stack.warm(), popularity.refresh()]);
      const live = await new RecommendationService(stack).recommend({
        userId: "nobody",
        surface: SURFACE,
        count: 5,
        context: {},
        excludeItemIds: [],
        cursor: null,
        debug: false,
      });
      expect(live.items).toHaveLength(5);
      expect(live.cursor).not.toBeNull();
      let logged = 0;
      for (let attempt = 0; attempt < 100 && logged === 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        logged = await db.servedFeatureLog.count({ where: { requestId: live.requestId } });
      }
      expect(logged).toBe(5);
      expect(logLines.filter((line) => line.msg === "served")).toHaveLength(1);
    } finally {
      await Promise.all([stack.stop(), popularity.stop()]);
    }
  });

  it("exploration: false serves the ranked prefix; the same config with exploration explores its slots", async () => {
    const exploring = configOf({ exploration: { policy: "epsilonGreedy", epsilon: 1, slots: [1, 3], pool: { size: 50 } } });
    const replay = await FeedReplay.create({ db, logger }, { asOfMs: T2, models: null });
    try {
      const explored = await replay.feed({ userId: "u45", surface: SURFACE, count: 10, config: exploring });
      expect(explored.trace!.served.map((item) => item.slot)).toEqual(["ranked", "explore", "ranked", "explore", ...Array<string>(6).fill("ranked")]);
      expect(explored.response.items[1]!.propensity).toBeLessThan(1);
      expect(explored.response.items[3]!.propensity).toBeLessThan(1);
      // The other slots keep the ranked order; explored items come from the pool below the page.
      const ranked = explored.trace!.ranked!;
      expect(explored.response.items.filter((_, position) => position !== 1 && position !== 3).map((item) => item.itemId)).toEqual(ranked.slice(0, 8));
      for (const position of [1, 3]) expect(ranked.indexOf(explored.response.items[position]!.itemId)).toBeGreaterThanOrEqual(10);

      const plain = await replay.feed({ userId: "u45", surface: SURFACE, count: 10, config: exploring, exploration: false });
      expect(plain.trace!.served.every((item) => item.slot === "ranked")).toBe(true);
      expect(plain.response.items.map((item) => item.itemId)).toEqual(plain.trace!.ranked!.slice(0, 10));
      expect(plain.response.items.every((item) => item.propensity === 1)).toBe(true);
      expect(plain.trace!.ranked).toEqual(ranked);
    } finally {
      await replay.close();
    }
  });

  it("orders the page by the config's source weights and fusion.k (the retrieval prior, no ranker)", async () => {
    const weighted = (weights: Record<string, number>, k = 0) => {
      const base = configOf();
      return { ...base, fusion: { k }, sources: base.sources.map((source) => ({ ...source, weight: weights[source.id] ?? 1 })) };
    };
    const replay = await FeedReplay.create({ db, logger }, { asOfMs: T2, models: null });
    try {
      const byFresh = await replay.feed({ userId: "u45", surface: SURFACE, count: 10, config: weighted({ trending: 0, covisitation: 0, fresh: 1 }) });
      const byTrending = await replay.feed({ userId: "u45", surface: SURFACE, count: 10, config: weighted({ trending: 1, covisitation: 0, fresh: 0 }) });
      const freshRank = (itemId: string) => hitOf(byFresh.trace!, itemId, "fresh")!.rank;
      // Only fresh counts: the page is in fresh-list order.
      const freshRanks = byFresh.response.items.map((item) => freshRank(item.itemId));
      expect(freshRanks).toEqual([...freshRanks].sort((a, b) => a - b));
      // Only trending counts: mLate (trending rank 0 at T2, an old item far down the fresh list) leads.
      expect(byTrending.response.items[0]!.itemId).toBe(LATE_ITEM);
      expect(byTrending.trace!.served[0]!.scores.retrievalPrior).toBe(1);
      expect(byFresh.response.items[0]!.itemId).not.toBe(LATE_ITEM);
      expect(freshRank(LATE_ITEM)).toBeGreaterThan(10);
      const trendingRanks = byTrending.response.items.map((item) => hitOf(byTrending.trace!, item.itemId, "trending")?.rank ?? Infinity);
      expect(trendingRanks).toEqual([...trendingRanks].sort((a, b) => a - b));

      // Weights and k enter the prior as Σ weight / (k + 1 + rank).
      const tuned = await replay.feed({ userId: "u45", surface: SURFACE, count: 10, config: weighted({ trending: 3, covisitation: 0.5, fresh: 2 }, 10) });
      const weights: Record<string, number> = { trending: 3, covisitation: 0.5, fresh: 2 };
      for (const served of tuned.trace!.served) {
        const expected = served.sources.reduce((sum, hit) => sum + weights[hit.id]! / (10 + 1 + hit.rank), 0);
        // (the trace rounds scores to 6 decimals)
        expect(served.scores.retrievalPrior).toBeCloseTo(expected, 5);
      }

      // Score fusion (fusion.scoreWeights), no rank weights: the page follows trending's own scores.
      const byScore = await replay.feed({
        userId: "u45",
        surface: SURFACE,
        count: 10,
        config: { ...weighted({ trending: 0, covisitation: 0, fresh: 0 }), fusion: { k: 0, scoreWeights: { trending: 1 } } },
      });
      expect(byScore.response.items[0]!.itemId).toBe(LATE_ITEM);
      const trendingScores = byScore.response.items.map((item) => hitOf(byScore.trace!, item.itemId, "trending")?.score ?? -Infinity);
      expect(trendingScores).toEqual([...trendingScores].sort((a, b) => b - a));
      expect(new Set(trendingScores).size).toBeGreaterThan(1);
    } finally {
      await replay.close();
    }
  });
});
