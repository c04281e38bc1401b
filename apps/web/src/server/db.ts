import "server-only";
import { type Database, getPrismaClient } from "@cascade/db";
import { serverEnv } from "../env.ts";

/** The process-wide Prisma client (one pool per database URL, kept across hot reloads). */
export function getDb(): Database {
  return getPrismaClient(serverEnv().DATABASE_URL);
}
