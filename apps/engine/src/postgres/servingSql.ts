// The request path's Postgres reads (follows, exclusions, item attributes, creators' newest items):
// plain parameterised SQL on a small pg Pool of its own. Prisma's raw queries cost ~0.5 ms of
// main-thread CPU per call in its query interpreter and result mapping, paid several times per
// request at 100 requests/s; pg hands back the driver's rows directly. Without a database URL
// (unit tests, callers that only have a Prisma client) the same SQL runs through Prisma.
import type { Database } from "@cascade/db";
import pg from "pg";
import type { Logger } from "pino";

export type ServingSql = {
  /** Rows of one statement with $1, $2 … placeholders. */
  rows<Row>(text: string, values: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
};

export type ServingSqlPoolOptions = { databaseUrl: string; logger: Pick<Logger, "warn">; maxConnections?: number };

export function pooledServingSql(options: ServingSqlPoolOptions): ServingSql {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 6,
    // Kept open between bursts: a reconnect inside a 15 ms hydration budget would overrun it.
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 5_000,
    // A hydrator gives up after its budget but the query keeps its connection: bound that too.
    statement_timeout: 10_000,
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.logger.warn({ err: error }, "serving Postgres pool: idle connection failed"));
  return {
    async rows<Row>(text: string, values: readonly unknown[]) {
      const result = await pool.query(text, values as unknown[]);
      return result.rows as Row[];
    },
    close: () => pool.end(),
  };
}

export function prismaServingSql(db: Database): ServingSql {
  return {
    rows: <Row>(text: string, values: readonly unknown[]) => db.$queryRawUnsafe<Row[]>(text, ...values),
    close: async () => undefined,
  };
}
