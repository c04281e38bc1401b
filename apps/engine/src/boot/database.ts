// Chooses the database: DATABASE_URL when set, else the embedded PostgreSQL; then migrates it.
import { applyMigrations, ensureDatabase, migrationsDir } from "@cascade/db";
import type { Logger } from "pino";
import type { EngineEnv } from "../platform/env.ts";
import { startEmbeddedPostgres } from "./embeddedPostgres.ts";

export type ResolvedDatabase = { url: string; mode: "embedded" | "external"; stop(): Promise<void> };

export async function resolveDatabase(env: EngineEnv, logger: Logger): Promise<ResolvedDatabase> {
  if (env.DATABASE_URL) {
    await ensureDatabase(env.DATABASE_URL);
    return { url: env.DATABASE_URL, mode: "external", stop: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: env.CASCADE_DATA_DIR,
    port: env.CASCADE_EMBEDDED_PG_PORT,
    logger,
  });
  return { url: embedded.url, mode: "embedded", stop: () => embedded.stop() };
}

export async function migrateDatabase(url: string, logger: Logger): Promise<void> {
  const result = await applyMigrations(url, migrationsDir);
  if (result.applied.length > 0) logger.info({ applied: result.applied }, "applied database migrations");
  else logger.debug({ count: result.alreadyApplied.length }, "database schema up to date");
}
