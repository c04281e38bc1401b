// A migrated database of a test file's own beside TEST_DATABASE_URL, for tests whose subject reads
// the whole event log or catalogue (rows other files leave in the shared database would change it).
import { applyMigrations, dropDatabase, ensureDatabase, migrationsDir } from "@cascade/db";

export type ScratchDatabase = { url: string; drop(): Promise<void> };

/** Drops any leftover `<name>_<pid>`, creates and migrates it. */
export async function createScratchDatabase(name: string): Promise<ScratchDatabase> {
  const url = new URL(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/cascade_test");
  url.pathname = `/${name}_${process.pid}`;
  const databaseUrl = url.toString();
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  await applyMigrations(databaseUrl, migrationsDir);
  return { url: databaseUrl, drop: () => dropDatabase(databaseUrl) };
}
