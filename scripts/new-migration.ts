// Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes the schema as
// of the last committed migration to the current prisma/schema.prisma. Offline: it diffs two
// schema files with Prisma's WebAssembly engine (shadow databases need the native engine).
// Convention: commit a schema change together with its migration.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:new-migration -- <snake_case_name>");
  process.exit(2);
}
const lastMigrationCommit = execFileSync("git", ["log", "-1", "--format=%H", "--", "prisma/migrations"]).toString().trim();
const previousSchema = join(mkdtempSync(join(tmpdir(), "cascade-migration-")), "schema.prisma");
writeFileSync(previousSchema, execFileSync("git", ["show", `${lastMigrationCommit}:prisma/schema.prisma`]));

const sql = execFileSync(
  process.execPath,
  ["scripts/prisma-offline.mjs", "migrate", "diff", "--from-schema-datamodel", previousSchema, "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
  { stdio: ["ignore", "pipe", "inherit"] },
)
  .toString()
  .replace(/^Loaded Prisma config.*\n/m, "");
if (!/\b(CREATE|ALTER|DROP)\b/.test(sql)) {
  console.log("schema.prisma matches the last migration: nothing to write");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
const folder = join("prisma", "migrations", `${stamp}_${name}`);
mkdirSync(folder, { recursive: true });
writeFileSync(join(folder, "migration.sql"), sql);
console.log(`wrote ${folder}/migration.sql`);
