// Prisma client factory and process-wide singleton. Uses the pg driver adapter with the
// engineType="client" generator, so no native query engine is needed at build or run time.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Database = PrismaClient;

export function createPrismaClient(databaseUrl: string, options: { poolSize?: number } = {}): Database {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
  return new PrismaClient({ adapter });
}

// Kept on globalThis so Next.js hot reloads and repeated imports share one pool per URL.
const globalForPrisma = globalThis as unknown as { cascadePrisma?: Map<string, Database> };

export function getPrismaClient(databaseUrl: string): Database {
  globalForPrisma.cascadePrisma ??= new Map();
  let client = globalForPrisma.cascadePrisma.get(databaseUrl);
  if (!client) {
    client = createPrismaClient(databaseUrl);
    globalForPrisma.cascadePrisma.set(databaseUrl, client);
  }
  return client;
}
