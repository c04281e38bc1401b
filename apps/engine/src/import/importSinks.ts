// The database side of an import: the catalogue writer (API handlers, through Prisma) and the
// event-log writer (the offline-log consumer's statement, through a small pg pool of its own).
import { createPrismaClient } from "@cascade/db";
import type { Logger } from "pino";
import { createEventLogPool } from "../events/consumers/offlineLogConsumer.ts";
import { createCatalogWriter } from "./catalogWriter.ts";
import { createEventLogWriter } from "./eventLogWriter.ts";
import type { ImportSinks } from "./importRunner.ts";

export type OpenImportSinks = { sinks: ImportSinks; close(): Promise<void> };

export async function openImportSinks(databaseUrl: string, logger: Pick<Logger, "warn">): Promise<OpenImportSinks> {
  const db = createPrismaClient(databaseUrl);
  // Two connections: one batch being written while the next is read needs no more.
  const pool = createEventLogPool(databaseUrl, 2, logger);
  const catalog = await createCatalogWriter(db);
  return {
    sinks: { catalog, events: createEventLogWriter(db, pool) },
    async close() {
      await catalog.close();
      await pool.end();
      await db.$disconnect();
    },
  };
}
