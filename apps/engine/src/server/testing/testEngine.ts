// Test support for *.int.test.ts: the real app on the integration database and Redis, plus API
// keys. Test files share the database, so everything here is namespaced by a per-file run id.
import { randomUUID } from "node:crypto";
import { generateApiKey, type ApiKeyScope } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import type { EngineDeps } from "../../engineDeps.ts";
import { PopularityRanking, type PopularityRankingOptions } from "../../recommend/popularityRanking.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { buildApp } from "../app.ts";

export type TestEngine = {
  app: FastifyInstance;
  db: Database;
  store: OnlineStore;
  ranking: PopularityRanking;
  /** Unique per test file: prefix every id with it. */
  run: string;
  /** Creates an API key row and returns the `Authorization` header value. */
  createApiKey(scopes: ApiKeyScope[], options?: { revoked?: boolean }): Promise<{ authorization: string; keyId: string }>;
  close(): Promise<void>;
};

export async function startTestEngine(
  options: { bodyLimitBytes?: number; ranking?: Partial<PopularityRankingOptions>; databaseUrl?: string } = {},
): Promise<TestEngine> {
  const db = createPrismaClient(options.databaseUrl ?? process.env.TEST_DATABASE_URL!);
  const store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
  const logger = pino({ level: "silent" });
  // Other test files add events and items too: a deep ranking keeps this file's items in it.
  const ranking = new PopularityRanking(db, logger, { maxItems: 100_000, ...options.ranking });
  const deps: EngineDeps = {
    db,
    store,
    logger,
    info: { version: "test", databaseMode: "external", storeMode: "redis" },
    bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
    popularityRanking: ranking,
  };
  const app = await buildApp(deps);
  const run = `t${randomUUID().slice(0, 8)}`;
  const keyIds: string[] = [];

  return {
    app,
    db,
    store,
    ranking,
    run,
    async createApiKey(scopes, { revoked = false } = {}) {
      const { key, prefix, hashedKey } = generateApiKey();
      const row = await db.apiKey.create({
        data: { name: `${run} ${scopes.join("+")}`, prefix, hashedKey, scopes, revokedAt: revoked ? new Date() : null },
      });
      keyIds.push(row.id);
      return { authorization: `Bearer ${key}`, keyId: row.id };
    },
    async close() {
      await app.close();
      await ranking.stop();
      await db.apiKey.deleteMany({ where: { id: { in: keyIds } } });
      await store.close();
      await db.$disconnect();
    },
  };
}
