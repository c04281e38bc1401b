// The serving stack's start on real PostgreSQL: it waits for the newest items' attributes (as many
// as it waited for before the whole catalogue was preloaded), not for the whole catalogue, which
// goes on loading while the engine serves.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Database } from "@cascade/db";
import type { ServingSql } from "../postgres/servingSql.ts";
import { PopularityRanking } from "../sources/popularityRanking.ts";
import { createMemoryOnlineStore } from "../stores/memoryOnlineStore.ts";
import { ServingStack } from "./servingStack.ts";

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
});
