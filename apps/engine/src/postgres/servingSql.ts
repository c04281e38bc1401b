// The request path's Postgres reads (follows, exclusions, item attributes, creators' newest items):
// plain parameterised SQL on a small pg Pool of its own. Prisma's raw queries cost ~0.5 ms of
// main-thread CPU per call in its query interpreter and result mapping, paid several times per
// request at 100 requests/s; pg hands back the driver's rows directly. Without a database URL
// (unit tests, callers that only have a Prisma client) the same SQL runs through Prisma.
//
// Statements are prepared (named, once per connection): the request path sends a handful of
// distinct texts thousands of times a second, and planning them anew each time cost PostgreSQL
// ~2–5 ms of CPU per request on the same cores the engine runs on (measured on the user-relations
// read: 4.6 ms to plan cold, 1.9 ms to execute). Past MAX_PREPARED distinct texts (a bug building
// texts from data) the rest run unnamed, so the server's per-connection statement cache stays bounded.
//
// And planned once: the connections run with plan_cache_mode = force_generic_plan. Under the default
// (auto) PostgreSQL kept making a custom plan on every execution of the request path's statements
// (the user-relations read, items by id, the followed creators' items: 0.3–0.8 ms of planning for
// 0.1–0.3 ms of execution, measured on the bench's data), because a plan for the parameters' values
// looked cheaper than the generic one. Their generic plans use the same indexes (the user-relations
// statement writes its event types as constants so that the partial consumption index qualifies:
// hydrators/consumedItemsSql.ts); a new statement on this pool must keep that true.
import { createHash } from "node:crypto";
import type { Database } from "@cascade/db";
import pg from "pg";
import type { Logger } from "pino";

export type ServingSql = {
  /** Rows of one statement with $1, $2 … placeholders. */
  rows<Row>(text: string, values: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
};

export type ServingSqlPoolOptions = { databaseUrl: string; logger: Pick<Logger, "warn">; maxConnections?: number };

const MAX_PREPARED = 64;

export function pooledServingSql(options: ServingSqlPoolOptions): ServingSql {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 6,
    // Kept open between bursts: a reconnect inside a 15 ms hydration budget would overrun it.
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 5_000,
    // A hydrator gives up after its budget but the query keeps its connection: bound that too.
    statement_timeout: 10_000,
    options: "-c plan_cache_mode=force_generic_plan",
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.logger.warn({ err: error }, "serving Postgres pool: idle connection failed"));
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `cascade_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async rows<Row>(text: string, values: readonly unknown[]) {
      const name = nameOf(text);
      const result = await pool.query(name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] });
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
