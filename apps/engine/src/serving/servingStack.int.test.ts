// The serving stack's start on real PostgreSQL: it waits for the newest items' attributes (as many
// as it waited for before the whole catalogue was preloaded), not for the whole catalogue, which
// goes on loading while the engine serves.
import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPrismaClient, type Database } from "@cascade/db";
import type { ServingSql } from "../postgres/servingSql.ts";
import { PopularityRanking } from "../sources/popularityRanking.ts";
import { createMemoryOnlineStore } from "../stores/memoryOnlineStore.ts";
import { createRedisOnlineStore } from "../stores/redisOnlineStore.ts";
import { entityKey } from "../features/featureKeys.ts";
import { NO_SLOT } from "../caching/itemSlots.ts";
import { ServingStack, type ServingModels } from "./servingStack.ts";

let db: Database;

beforeAll(() => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
});

afterAll(async () => {
  await db.$disconnect();
});

describe("ServingStack.start", () => {
  it("waits for the newest 250k items' attributes, and lets the rest of the preload go on in the background", async () => {
    // A catalogue whose preload answers 10k-row chunks at once up to 260k rows, then hangs.
    let chunks = 0;
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const wrapSql = (sql: ServingSql): ServingSql => ({
      async rows<Row>(text: string, parameters: readonly unknown[]) {
        if (!text.includes("ORDER BY published_at DESC")) return sql.rows<Row>(text, parameters);
        chunks += 1;
        if (chunks > 26) {
          await hanging;
          return [];
        }
        const size = parameters[parameters.length - 1] as number;
        const first = (chunks - 1) * size;
        return Array.from({ length: size }, (_, i) => ({
          id: `preload-${first + i}`,
          category: "c",
          creatorId: null,
          tags: [],
          publishedAtMs: 1e12 - first - i,
          available: true,
          attributes: {},
        })) as Row[];
      },
      close: () => sql.close(),
    });
    const logger = pino({ level: "silent" });
    const popularity = new PopularityRanking(db, logger);
    const stack = new ServingStack(
      { db, logger, store: createMemoryOnlineStore(), serving: { wrapSql, bootWaitMs: 120_000, itemAttributesPollMs: 0, experiments: false } },
      popularity,
    );
    try {
      await stack.start(); // would wait for bootWaitMs (past the test's timeout) if it waited for the whole preload
      expect(chunks).toBeGreaterThanOrEqual(25);
      expect((await stack.itemAttributes.attributesOf(["preload-0", "preload-249999"])).size).toBe(2);
    } finally {
      release();
      await Promise.all([stack.stop(), popularity.stop()]);
    }
  }, 60_000);

  it("keeps one preload in flight: warm() waits for the one start() began instead of starting another", async () => {
    const catalogue = hangingCatalogue();
    const { stack, popularity } = stackOver(catalogue.wrapSql);
    try {
      await stack.start();
      const warming = stack.warm();
      await new Promise((resolve) => setTimeout(resolve, 50));
      catalogue.release([]);
      await warming;
      expect(catalogue.firstChunks).toBe(1); // one preload from the newest item on, not two
      expect(catalogue.chunks).toBe(27);
    } finally {
      await Promise.all([stack.stop(), popularity.stop()]);
    }
  }, 60_000);

  it("stop() stops the background preload between chunks, and logs no failure for it", async () => {
    for (const ending of ["answers", "fails"] as const) {
      const catalogue = hangingCatalogue();
      const { stack, popularity, logger } = stackOver(catalogue.wrapSql);
      const warn = vi.spyOn(logger, "warn");
      await stack.start();
      expect(catalogue.chunks).toBe(27); // the 27th chunk is in flight
      await Promise.all([stack.stop(), popularity.stop()]);
      // The statement in flight ends after the stop (with a full chunk, or failing as the pool closes).
      if (ending === "answers") catalogue.release(catalogue.rowsOf(27, 10_000));
      else catalogue.fail(new Error("pool closed"));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(catalogue.chunks).toBe(27);
      expect(warn.mock.calls.filter(([, message]) => String(message).includes("preload"))).toEqual([]);
    }
  }, 60_000);
});

/** Active models with a retrieval model over `items` ids (no index: start only fills slots), and a popularity ranking to stop after. */
function withRetrievalModel(items: number) {
  const itemIds = Array.from({ length: items }, (_, row) => `model-item-${row}`);
  const retrieval = { dimensions: 2, itemIds, vectors: new Float32Array(itemIds.length * 2), index: {} };
  const models = {
    retrieval: () => ({ model: retrieval, version: { id: "v1" }, loadedAt: new Date() }),
    ranker: () => null,
  } as unknown as ServingModels;
  const logger = pino({ level: "silent" });
  return { itemIds, models, logger, popularity: new PopularityRanking(db, logger) };
}

describe("ServingStack.start with a retrieval model", () => {
  it("fills the model's row → slot memo before it serves: the ann source's first requests look no id up in the Map", async () => {
    const { itemIds, models, logger, popularity } = withRetrievalModel(40_000);
    const stack = new ServingStack(
      { db, logger, store: createMemoryOnlineStore(), activeModels: models, serving: { bootWaitMs: 120_000, itemAttributesPollMs: 0, experiments: false } },
      popularity,
    );
    try {
      await stack.start();
      const looked: string[] = [];
      const slotOf = stack.itemSlots.slotOf.bind(stack.itemSlots);
      stack.itemSlots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
      const memo = stack.itemSlots.memoFor(itemIds, itemIds.length);
      const rows = [0, 1, 20_000, 39_999];
      expect(rows.map((row) => memo.slotAt(row, itemIds[row]!))).toEqual(rows.map((row) => stack.itemSlots.existingSlotOf(itemIds[row]!)));
      expect(rows.every((row) => stack.itemSlots.existingSlotOf(itemIds[row]!) !== NO_SLOT)).toBe(true);
      expect(looked).toEqual([]);
    } finally {
      await Promise.all([stack.stop(), popularity.stop()]);
    }
  }, 60_000);

  it("gives the model's items their slots before the attribute preload reads the catalogue, so the slot Map keeps the model's id strings", async () => {
    const { itemIds, models, logger, popularity } = withRetrievalModel(40_000);
    // How many of the model's items had a slot when each preload statement was issued.
    const slottedAtPreload: number[] = [];
    const wrapSql = (sql: ServingSql): ServingSql => ({
      rows<Row>(text: string, parameters: readonly unknown[]) {
        if (text.includes("ORDER BY published_at DESC")) slottedAtPreload.push(itemIds.filter((id) => stack.itemSlots.existingSlotOf(id) !== NO_SLOT).length);
        return sql.rows<Row>(text, parameters);
      },
      close: () => sql.close(),
    });
    const stack = new ServingStack(
      {
        db,
        logger,
        store: createMemoryOnlineStore(),
        activeModels: models,
        serving: { wrapSql, bootWaitMs: 120_000, itemAttributesPollMs: 0, experiments: false },
      },
      popularity,
    );
    try {
      await stack.start();
      expect(slottedAtPreload.length).toBeGreaterThan(0);
      expect(slottedAtPreload[0]).toBe(itemIds.length);
    } finally {
      await Promise.all([stack.stop(), popularity.stop()]);
    }
  }, 60_000);
});

/** A catalogue whose preload answers 10k-row chunks at once up to 260k rows, then hangs on the 27th until released (or failed). */
function hangingCatalogue() {
  let release!: (rows: unknown[]) => void;
  let fail!: (error: Error) => void;
  const hanging = new Promise<unknown[]>((resolve, reject) => ((release = resolve), (fail = reject)));
  const rowsOf = (chunk: number, size: number) => {
    const first = (chunk - 1) * size;
    return Array.from({ length: size }, (_, i) => ({
      id: `preload-${first + i}`,
      category: "c",
      creatorId: null,
      tags: [],
      publishedAtMs: 1e12 - first - i,
      available: true,
      attributes: {},
    }));
  };
  const catalogue = {
    chunks: 0,
    /** Statements that start a preload (from the newest item). */
    firstChunks: 0,
    rowsOf,
    release: (rows: unknown[]) => release(rows),
    fail: (error: Error) => fail(error),
    wrapSql: (sql: ServingSql): ServingSql => ({
      async rows<Row>(text: string, parameters: readonly unknown[]) {
        if (!text.includes("ORDER BY published_at DESC")) return sql.rows<Row>(text, parameters);
        catalogue.chunks += 1;
        if (!text.includes("(published_at, id) <")) catalogue.firstChunks += 1;
        if (catalogue.chunks > 26) return (await hanging) as Row[];
        return rowsOf(catalogue.chunks, parameters[parameters.length - 1] as number) as Row[];
      },
      close: () => sql.close(),
    }),
  };
  return catalogue;
}

function stackOver(wrapSql: (sql: ServingSql) => ServingSql) {
  const logger = pino({ level: "silent" });
  const popularity = new PopularityRanking(db, logger);
  const stack = new ServingStack(
    { db, logger, store: createMemoryOnlineStore(), serving: { wrapSql, bootWaitMs: 120_000, itemAttributesPollMs: 0, experiments: false } },
    popularity,
  );
  return { stack, popularity, logger };
}

describe("ServingStack's item state cache and the online store's change feed", () => {
  const state = (value: number) => ({ hashes: new Map([["d1", { x: value }]]), sortedSets: new Map() });

  it.each(["memory", "redis"] as const)(
    "keeps an unchanged item's state past the short TTL once the feed is live, and drops it when a write changes the item (%s store)",
    async (kind) => {
      const store =
        kind === "memory" ? createMemoryOnlineStore() : await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL!, changeProbeIntervalMs: 100 });
      const logger = pino({ level: "silent" });
      const popularity = new PopularityRanking(db, logger);
      // A 1 ms TTL without the feed: a state still held after 50 ms is held on the feed's word.
      const stack = new ServingStack(
        { db, logger, store, serving: { itemStateTtlMs: 1, itemStateWatchedTtlMs: 60_000, bootWaitMs: 10_000, itemAttributesPollMs: 0, experiments: false } },
        popularity,
      );
      const itemId = `feed-item-${randomUUID()}`;
      const key = entityKey("item", itemId, "d60");
      const cache = stack.itemStates;
      /** A read as the online features hydrator makes one: slots first, then the read's start, then the store. */
      const readAndKeep = async (value: number) => {
        const slots = cache.slots.slotsOf([itemId]);
        const epoch = cache.slots.epoch;
        const startedAt = cache.readStarted();
        await new Promise((resolve) => setTimeout(resolve, 2));
        cache.storeSlots(slots, epoch, [state(value)], startedAt);
      };
      try {
        await stack.start();
        // Live once a read started after the feed came up is kept (Redis: after the first probe came back).
        const giveUpAt = Date.now() + 5_000;
        for (;;) {
          await readAndKeep(1);
          await new Promise((resolve) => setTimeout(resolve, 50));
          if (cache.lookup([itemId])[0] !== undefined) break;
          if (Date.now() > giveUpAt) throw new Error("the item state cache never kept a state past its 1 ms TTL: the feed is not wired");
        }
        await store.applyUpdates([{ hashIncrements: [{ key, increments: { f: 1 } }] }]);
        const dropBy = Date.now() + 5_000;
        while (cache.lookup([itemId])[0] !== undefined) {
          if (Date.now() > dropBy) throw new Error("the change did not reach the item state cache");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        await Promise.all([stack.stop(), popularity.stop()]);
        await store.delete([key]);
        await store.close();
      }
    },
    30_000,
  );
});
