export * from "./generated/prisma/client.ts";
export { createPrismaClient, getPrismaClient, type Database } from "./client.ts";
export { applyMigrations, dropDatabase, ensureDatabase, listMigrations, type MigrationResult } from "./migrate.ts";
export { migrationsDir, repoRoot } from "./paths.ts";
export * from "./factories.ts";
export * from "./modelRegistry.ts";
