// The committed migrations must build exactly the database that schema.prisma describes: apply
// the migrations to one scratch database, the schema's from-empty SQL to another, and compare
// the catalogues (columns, indexes, constraints, enum values).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations } from "./migrate.ts";
import { migrationsDir, repoRoot } from "./paths.ts";

const baseUrl = new URL(process.env.TEST_DATABASE_URL!);

/**
 * Objects only the migrations can define (Prisma's schema language has no partial indexes): they
 * must exist in the migrated database, and are left out of the comparison with schema.prisma.
 */
const MIGRATION_ONLY_INDEXES: Record<string, RegExp> = {
  events_user_consumption_idx: /ON public\.events USING btree \(user_id, type, occurred_at\) INCLUDE \(item_id, value\) WHERE/,
};
const scratch = ["cascade_drift_migrations", "cascade_drift_schema"] as const;

function urlFor(database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function recreate(database: string): Promise<void> {
  await withClient("postgres", async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${database}`);
  });
}

async function describeCatalogue(database: string): Promise<unknown> {
  return withClient(database, async (client) => {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
        ORDER BY table_name, column_name`,
    );
    const indexes = await client.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename, indexname`,
    );
    const constraints = await client.query(
      `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace
          AND conrelid::regclass::text <> '_prisma_migrations' ORDER BY 1, 2`,
    );
    const enums = await client.query(`SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`);
    return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows, enums: enums.rows };
  });
}

afterAll(async () => {
  await withClient("postgres", async (client) => {
    for (const database of scratch) await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });
});

describe("migrations vs schema.prisma", () => {
  it("build identical databases", async () => {
    const [fromMigrations, fromSchema] = scratch;
    await recreate(fromMigrations);
    await recreate(fromSchema);
    await applyMigrations(urlFor(fromMigrations), migrationsDir);

    const sql = execFileSync(
      process.execPath,
      [
        join(repoRoot, "scripts/prisma-offline.mjs"),
        "migrate",
        "diff",
        "--from-empty",
        "--to-schema-datamodel",
        join(repoRoot, "prisma/schema.prisma"),
        "--script",
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    )
      .toString()
      .replace(/^Loaded Prisma config.*\n/m, "");
    expect(sql).toMatch(/CREATE TABLE/);
    await withClient(fromSchema, (client) => client.query(sql));

    const migrated = (await describeCatalogue(fromMigrations)) as { indexes: { indexname: string; indexdef: string }[] };
    const expected = await describeCatalogue(fromSchema);
    for (const [name, definition] of Object.entries(MIGRATION_ONLY_INDEXES)) {
      expect(migrated.indexes.find((index) => index.indexname === name)?.indexdef).toMatch(definition);
    }
    expect({ ...migrated, indexes: migrated.indexes.filter((index) => !(index.indexname in MIGRATION_ONLY_INDEXES)) }).toEqual(expected);
  });
});
