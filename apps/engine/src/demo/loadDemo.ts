// `cascade seed --demo`: generates the demo world and loads it into PostgreSQL.
//
// Bulk path (creators, items, users, follows, events): COPY FROM STDIN through pg-copy-streams.
// Prisma's createMany sends parameterised multi-row INSERTs (at most 32767 bind parameters per
// statement, so ~2.7k events per round trip, each value bound and parsed separately); COPY
// streams one text buffer that the server parses in bulk, an order of magnitude faster, and
// lets the generator stream rows with backpressure instead of materialising batches.
//
// All bulk tables load in ONE transaction. An interrupted seed (Ctrl-C, crash, lost connection)
// rolls back completely, leaving the catalogue empty, so simply running the seed again works:
// no half-loaded tables to detect, no ON CONFLICT staging tables (COPY has no ON CONFLICT; a
// staging table would double the write work), no per-table resume bookkeeping. The price is that
// an interrupted load restarts from zero, acceptable for a generator that reproduces the same
// rows from the seed. The control-plane rows (Prisma) are upserts and are simply re-applied.
//
// Secondary indexes and foreign keys of the loaded tables are dropped and re-created inside that
// same transaction (deferredConstraints.ts): cheaper than maintaining them row by row, and an
// interruption restores them with everything else. While it runs, the transaction holds ACCESS
// EXCLUSIVE locks on those tables: a seed is a setup step, not something to run under traffic.
import pg from "pg";
import { createPrismaClient } from "@cascade/db";
import { silentProgress, type ProgressReporter } from "../telemetry/progress.ts";
import { copyRows } from "./bulkCopy.ts";
import { buildCatalogIndex } from "./catalogIndex.ts";
import { creatorsTable, demoEventsTable, followsTable, itemsTable, usersTable } from "./copyTables.ts";
import { dropIndexesAndForeignKeys, restoreIndexesAndForeignKeys } from "./deferredConstraints.ts";
import { seedDemoControlPlane } from "./demoControlPlane.ts";
import { creatorRows, followRows, itemRows, userRows } from "./demoRows.ts";
import { generateDemoEvents } from "./eventStream.ts";
import { createLoggingPolicy } from "./loggingPolicy.ts";
import { planTraffic } from "./sessionSchedule.ts";
import type { SimulatedEventType } from "./sessionSimulator.ts";
import { DAY_MS, generateWorld, WORLD_PARAMETERS } from "./world.ts";
import { resolveDemoConfig, type DemoConfig, type DemoOverrides, type DemoSize } from "./worldConfig.ts";

export type SeedDemoOptions = {
  databaseUrl: string;
  size: DemoSize | DemoConfig;
  /** Overrides the size's seed (same seed and end time ⇒ same world). */
  seed?: number;
  /** Items, users, events, days, end of the window; undefined values are ignored. */
  overrides?: DemoOverrides;
  /** Load even if the database has items or users: replaces creators, items, users, follows, events. */
  force?: boolean;
  onProgress?: ProgressReporter;
};

export type DemoSummary = {
  size: DemoConfig["size"];
  seed: number;
  windowStart: string;
  windowEnd: string;
  creators: number;
  items: number;
  /** Published in the last 2 days of the window. */
  freshItems: number;
  unavailableItems: number;
  users: number;
  follows: number;
  events: number;
  eventsByType: Partial<Record<SimulatedEventType, number>>;
  surfaces: string[];
  consoleUsers: string[];
  apiKeyPrefix: string;
  /** prepare: control-plane rows and the generated world (before any bulk row is written). */
  seconds: { prepare: number; load: number; analyze: number; total: number };
  /** Bulk rows (all five tables) per second of the load phase. */
  rowsPerSecond: number;
};

export class DemoDatabaseNotEmptyError extends Error {
  constructor() {
    super("the database already has items or users; seed with force to replace them with the demo world");
    this.name = "DemoDatabaseNotEmptyError";
  }
}

/** Serialises concurrent seeders (e.g. several engine replicas booting on one empty database). */
const SEED_LOCK_KEY = 727_274_124;

const BULK_TABLES = ["creators", "items", "users", "follows", "events"] as const;

export async function isDatabaseEmpty(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await catalogueIsEmpty(client);
  } finally {
    await client.end();
  }
}

export async function seedDemo(options: SeedDemoOptions): Promise<DemoSummary> {
  const startedAt = performance.now();
  const config = resolveDemoConfig(options.size, { ...options.overrides, seed: options.seed ?? options.overrides?.seed });
  const progress = options.onProgress ?? silentProgress;

  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [SEED_LOCK_KEY]);
    // Checked under the lock: a seeder that waited finds the work done and refuses.
    if (!options.force && !(await catalogueIsEmpty(client))) throw new DemoDatabaseNotEmptyError();

    const db = createPrismaClient(options.databaseUrl, { poolSize: 2 });
    try {
      const controlPlane = await seedDemoControlPlane(db);

      progress.start("demo world", 3);
      const world = generateWorld(config);
      progress.increment();
      const policy = createLoggingPolicy(world, buildCatalogIndex(world));
      progress.increment();
      const plan = planTraffic(world, policy);
      progress.increment();
      progress.stop();
      const worldDoneAt = performance.now();

      const eventsByType: Partial<Record<SimulatedEventType, number>> = {};
      const counts = { creators: 0, items: 0, users: 0, follows: 0, events: 0 };
      await inTransaction(client, async () => {
        if (options.force) await client.query(`TRUNCATE ${BULK_TABLES.map((table) => `"${table}"`).join(", ")}`);
        const stage = async (label: keyof typeof counts, total: number, load: (onRows: (n: number) => void) => Promise<number>) => {
          progress.start(label, total);
          counts[label] = await load((n) => progress.increment(n));
          progress.stop();
        };
        const deferred = await dropIndexesAndForeignKeys(client, BULK_TABLES);
        await stage("creators", world.creators.count, (onRows) => copyRows(client, creatorsTable, creatorRows(world), onRows));
        await stage("items", world.items.count, (onRows) => copyRows(client, itemsTable, itemRows(world), onRows));
        await stage("users", world.users.count, (onRows) => copyRows(client, usersTable, userRows(world), onRows));
        await stage("follows", world.users.followCreators.length, (onRows) => copyRows(client, followsTable, followRows(world), onRows));
        await stage("events", config.events, (onRows) => {
          const events = countingByType(generateDemoEvents(world, { policy, plan }), eventsByType);
          return copyRows(client, demoEventsTable(config.seed), events, onRows);
        });
        progress.start("indexes and foreign keys", deferred.indexes.length + deferred.foreignKeys.length);
        await restoreIndexesAndForeignKeys(client, deferred, () => progress.increment());
        progress.stop();
      });
      const loadDoneAt = performance.now();

      progress.start("analyze", BULK_TABLES.length);
      for (const table of BULK_TABLES) {
        await client.query(`ANALYZE "${table}"`);
        progress.increment();
      }
      progress.stop();
      const analyzeDoneAt = performance.now();

      const freshSince = world.windowEndMs - WORLD_PARAMETERS.freshDays * DAY_MS;
      const summary: DemoSummary = {
        size: config.size,
        seed: config.seed,
        windowStart: new Date(world.windowStartMs).toISOString(),
        windowEnd: new Date(world.windowEndMs).toISOString(),
        ...counts,
        freshItems: world.items.publishedAtMs.filter((at) => at >= freshSince).length,
        unavailableItems: world.items.availableUntilMs.filter((until) => until !== Number.POSITIVE_INFINITY).length,
        eventsByType,
        ...controlPlane,
        seconds: {
          prepare: round((worldDoneAt - startedAt) / 1_000),
          load: round((loadDoneAt - worldDoneAt) / 1_000),
          analyze: round((analyzeDoneAt - loadDoneAt) / 1_000),
          total: round((analyzeDoneAt - startedAt) / 1_000),
        },
        rowsPerSecond: Math.round(
          (counts.creators + counts.items + counts.users + counts.follows + counts.events) / Math.max(0.001, (loadDoneAt - worldDoneAt) / 1_000),
        ),
      };
      await db.auditLog.create({
        data: { actorType: "system", action: "demo.seed", entityType: "database", entityId: "demo", after: summary },
      });
      return summary;
    } finally {
      await db.$disconnect();
    }
  } finally {
    progress.stop();
    await client.query("SELECT pg_advisory_unlock($1)", [SEED_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function catalogueIsEmpty(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM "items") AND NOT EXISTS (SELECT 1 FROM "users") AS empty`);
  return result.rows[0]?.empty ?? false;
}

async function inTransaction(client: pg.ClientBase, work: () => Promise<void>): Promise<void> {
  await client.query("BEGIN");
  try {
    await work();
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

function* countingByType<T extends { type: SimulatedEventType }>(events: Iterable<T>, counts: Partial<Record<SimulatedEventType, number>>): Generator<T> {
  for (const event of events) {
    counts[event.type] = (counts[event.type] ?? 0) + 1;
    yield event;
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}
