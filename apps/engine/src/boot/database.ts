// Chooses the database: DATABASE_URL when set, else the embedded PostgreSQL; then migrates it (or, for
// the shared-database roles, checks that it is migrated).
import { applyMigrations, ensureDatabase, listMigrations, migrationsDir } from "@cascade/db";
import pg from "pg";
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

/** Migrations in the code that the database has not applied (all of them on an empty database). */
export async function pendingMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
    const applied = new Set(
      table.rows[0]?.present
        ? (
            await client.query<{ migration_name: string }>(
              `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
            )
          ).rows.map((row) => row.migration_name)
        : [],
    );
    return listMigrations(migrationsDir)
      .map((migration) => migration.name)
      .filter((name) => !applied.has(name));
  } finally {
    await client.end();
  }
}

/**
 * `cascade serve` and `cascade consume` on a shared database: with `migrate`, apply what is pending
 * (an advisory lock serialises replicas starting together); without, refuse to run on a schema older
 * than the code — migrations are a deliberate step (`cascade migrate`), not a side effect of scaling out.
 */
export async function checkSharedDatabase(url: string, logger: Logger, options: { migrate: boolean; role: string }): Promise<void> {
  if (options.migrate) {
    await migrateDatabase(url, logger);
    return;
  }
  const pending = await pendingMigrations(url);
  if (pending.length > 0) {
    throw new Error(
      `the database lacks ${pending.length} migration(s) this version needs (${pending.slice(0, 3).join(", ")}${pending.length > 3 ? ", …" : ""}): ` +
        `run \`cascade migrate\` first, or start with \`cascade ${options.role} --migrate\``,
    );
  }
}
