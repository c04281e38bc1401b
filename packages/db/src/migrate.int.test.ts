import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, listMigrations } from "./migrate.ts";
import { migrationsDir } from "./paths.ts";

const databaseUrl = process.env.TEST_DATABASE_URL!;
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

describe("migration runner", () => {
  it("has applied every migration once, recorded Prisma-style", async () => {
    const rows = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.rows.map((row) => row.migration_name)).toEqual(listMigrations(migrationsDir).map((m) => m.name));
    expect(rows.rows.every((row) => /^[a-f0-9]{64}$/.test(row.checksum))).toBe(true);
  });

  it("is idempotent: a second run applies nothing", async () => {
    const result = await applyMigrations(databaseUrl, migrationsDir);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied.length).toBeGreaterThan(0);
  });

  it("created the core tables", async () => {
    const tables = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    const names = tables.rows.map((row) => row.table_name);
    for (const table of ["items", "users", "events", "rule_sets", "model_versions", "api_keys", "audit_log"]) {
      expect(names).toContain(table);
    }
  });

  it("refuses a migration that was edited after being applied", async () => {
    const first = listMigrations(migrationsDir)[0]!;
    await client.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, ["0".repeat(64), first.name]);
    try {
      await expect(applyMigrations(databaseUrl, migrationsDir)).rejects.toThrow(/checksum mismatch/);
    } finally {
      await client.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, [first.checksum, first.name]);
    }
  });
});
