// Vitest global setup for *.int.test.ts: a fresh, migrated PostgreSQL database and a reachable
// Redis. Tests read the URLs from TEST_DATABASE_URL / TEST_REDIS_URL (set here if absent).
import { applyMigrations, ensureDatabase, migrationsDir } from "@cascade/db";
import { Redis } from "ioredis";
import pg from "pg";

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/cascade_test";
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15";

export default async function setup(): Promise<void> {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL ?? DEFAULT_REDIS_URL;
  process.env.TEST_DATABASE_URL = databaseUrl;
  process.env.TEST_REDIS_URL = redisUrl;

  await recreateDatabase(databaseUrl);
  await applyMigrations(databaseUrl, migrationsDir);

  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.flushdb();
  } catch (error) {
    throw new Error(`integration tests need Redis at ${redisUrl}: ${(error as Error).message}`, { cause: error });
  } finally {
    redis.disconnect();
  }
}

async function recreateDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: url.toString() });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`integration tests need PostgreSQL at ${url.host}: ${(error as Error).message}`, { cause: error });
  }
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await ensureDatabase(databaseUrl);
}
