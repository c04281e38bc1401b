// The shared-database roles (`cascade serve`, `cascade consume`) on a database that lacks migrations:
// refused with the way out named, unless started with --migrate, which applies them.
import { dropDatabase, ensureDatabase, listMigrations, migrationsDir } from "@cascade/db";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { checkSharedDatabase, pendingMigrations } from "./database.ts";

const url = new URL(process.env.TEST_DATABASE_URL!);
url.pathname = `${url.pathname}_schema_check`;
const scratchUrl = url.toString();
const logger = pino({ level: "silent" });

afterAll(async () => {
  await dropDatabase(scratchUrl);
});

describe("checkSharedDatabase", () => {
  it("refuses an unmigrated database naming cascade migrate and --migrate; --migrate applies every migration", async () => {
    await dropDatabase(scratchUrl);
    await ensureDatabase(scratchUrl);
    const all = listMigrations(migrationsDir).map((migration) => migration.name);
    expect(await pendingMigrations(scratchUrl)).toEqual(all);
    await expect(checkSharedDatabase(scratchUrl, logger, { migrate: false, role: "serve" })).rejects.toThrow(
      new RegExp(`lacks ${all.length} migration\\(s\\).*run \`cascade migrate\` first, or start with \`cascade serve --migrate\``),
    );
    await checkSharedDatabase(scratchUrl, logger, { migrate: true, role: "serve" });
    expect(await pendingMigrations(scratchUrl)).toEqual([]);
    await expect(checkSharedDatabase(scratchUrl, logger, { migrate: false, role: "consume" })).resolves.toBeUndefined();
  });
});
