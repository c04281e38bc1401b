import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root, resolved from this file so it works from any working directory. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const migrationsDir = join(repoRoot, "prisma", "migrations");
