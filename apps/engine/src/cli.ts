// `cascade <command>`: the platform's command line. Each command validates the environment once
// (platform/env.ts) and, when DATABASE_URL is unset, uses the same embedded PostgreSQL as `cascade start`.
import "./platform/gcFlags.ts"; // first: V8 settings for every command (the engine's roles above all)
import { Command, InvalidArgumentError, Option } from "commander";
import { apiKeyScope, generateApiKey } from "@cascade/core";
import { createPrismaClient } from "@cascade/db";
import { loadEngineEnv, type EngineEnv } from "./platform/env.ts";
import { ENGINE_VERSION } from "./platform/version.ts";
import { createLogger } from "./boot/logger.ts";
import { migrateDatabase, resolveDatabase, type ResolvedDatabase } from "./boot/database.ts";
import { startPlatform } from "./boot/start.ts";
import { servePlatform } from "./boot/roles/serveRole.ts";
import { consumePlatform } from "./boot/roles/consumeRole.ts";
import { isDatabaseEmpty, seedDemo } from "./demo/loadDemo.ts";
import { createProgressReporter } from "./telemetry/progress.ts";
import { addSkewCommand } from "./cli/skewCommand.ts";
import { addModelsCommand } from "./cli/modelsCommand.ts";
import { addImportCommand } from "./cli/importCommand.ts";
import { addTrainingSetCommand } from "./cli/trainingSetCommand.ts";
import { addTrainCommand } from "./cli/trainCommand.ts";
import { addEvalCommand } from "./cli/evalCommand.ts";
import { addScheduleCommand } from "./cli/scheduleCommand.ts";
import { addReplayCommand } from "./cli/replayCommand.ts";
import { addTuneFusionCommand } from "./cli/tuneFusionCommand.ts";

const program = new Command().name("cascade").description("Cascade recommendation platform").version(ENGINE_VERSION).showHelpAfterError();

function env(): EngineEnv {
  return loadEngineEnv();
}

/** Runs `work` against the configured (or embedded) database, then releases it. */
async function withDatabase<T>(work: (database: ResolvedDatabase) => Promise<T>): Promise<T> {
  const config = env();
  const logger = createLogger(config.LOG_LEVEL);
  const database = await resolveDatabase(config, logger);
  try {
    await migrateDatabase(database.url, logger);
    return await work(database);
  } finally {
    await database.stop();
  }
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("must be a positive integer");
  return parsed;
}

program
  .command("start")
  .description(
    "every role in one process: engine, event consumers, periodic jobs, console (embedded PostgreSQL and in-process store unless DATABASE_URL/REDIS_URL are set)",
  )
  .action(async () => {
    await startPlatform(env());
  });

program
  .command("serve")
  .description("the engine's HTTP API only (one of N replicas; needs DATABASE_URL and REDIS_URL): no event consumers, demo, training or periodic jobs")
  .option("--migrate", "apply pending database migrations first (else a schema older than the code refuses the start)", false)
  .option("--guardrails", "also run the experiments' guardrail watcher here (normally `cascade schedule` does)", false)
  .action(async (options: { migrate: boolean; guardrails: boolean }) => {
    await servePlatform(env(), options);
  });

program
  .command("consume")
  .description("the event stream's consumers only (event log, online features; needs DATABASE_URL and REDIS_URL), probes on CONSUMER_PORT")
  .option("--migrate", "apply pending database migrations first (else a schema older than the code refuses the start)", false)
  .action(async (options: { migrate: boolean }) => {
    await consumePlatform(env(), options);
  });

program
  .command("migrate")
  .description("apply database migrations")
  .action(async () => {
    await withDatabase(async () => undefined);
  });

program
  .command("seed")
  .description("load data")
  .requiredOption("--demo", "load the synthetic demo world")
  .addOption(new Option("--size <size>", "demo world size").choices(["tiny", "small", "default", "large"]).default("default"))
  .option("--seed <n>", "random seed (same seed, same world)", positiveInt, 42)
  .option("--items <n>", "override the number of items", positiveInt)
  .option("--users <n>", "override the number of users", positiveInt)
  .option("--events <n>", "override the number of events", positiveInt)
  .option("--force", "load even if the database already has data", false)
  .action(async (options: { size: "tiny" | "small" | "default" | "large"; seed: number; items?: number; users?: number; events?: number; force: boolean }) => {
    await withDatabase(async (database) => {
      if (!options.force && !(await isDatabaseEmpty(database.url))) {
        throw new Error("the database already has items or users; pass --force to load the demo world anyway");
      }
      const summary = await seedDemo({
        databaseUrl: database.url,
        size: options.size,
        seed: options.seed,
        overrides: { items: options.items, users: options.users, events: options.events },
        force: options.force,
        onProgress: createProgressReporter(),
      });
      process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    });
  });

addTrainingSetCommand(program, (work) => withDatabase((database) => work(database.url)));
addSkewCommand(program, (work) => withDatabase((database) => work(database.url)));
addModelsCommand(
  program,
  (work) => withDatabase((database) => work(database.url)),
  () => env().CASCADE_DATA_DIR,
);
addImportCommand(program, (work) => withDatabase((database) => work(database.url)));
addTrainCommand(
  program,
  (work) => withDatabase((database) => work(database.url)),
  () => env().CASCADE_DATA_DIR,
);
addEvalCommand(
  program,
  (work) => withDatabase((database) => work(database.url)),
  () => env().CASCADE_DATA_DIR,
);
addScheduleCommand(
  program,
  (work) => withDatabase((database) => work(database.url)),
  () => env().CASCADE_DATA_DIR,
  env,
);
addTuneFusionCommand(program, (work) => withDatabase((database) => work(database.url)));
addReplayCommand(program, (work) => withDatabase((database) => work(database.url)));

const keys = program.command("keys").description("manage API keys");
keys
  .command("create")
  .description("create an API key and print it once")
  .requiredOption("--name <name>", "what the key is for")
  .option("--scopes <list>", "comma-separated: ingest, recommend, admin", "ingest,recommend")
  .action(async (options: { name: string; scopes: string }) => {
    const scopes = options.scopes.split(",").map((scope) => apiKeyScope.parse(scope.trim()));
    await withDatabase(async (database) => {
      const db = createPrismaClient(database.url);
      try {
        const { key, prefix, hashedKey } = generateApiKey();
        await db.apiKey.create({ data: { name: options.name, prefix, hashedKey, scopes } });
        await db.auditLog.create({
          data: { actorType: "cli", action: "api_key.create", entityType: "api_key", entityId: prefix, after: { name: options.name, scopes } },
        });
        process.stdout.write(`${key}\n`);
      } finally {
        await db.$disconnect();
      }
    });
  });
keys
  .command("list")
  .description("list API keys (never the secrets)")
  .action(async () => {
    await withDatabase(async (database) => {
      const db = createPrismaClient(database.url);
      try {
        const rows = await db.apiKey.findMany({ orderBy: { createdAt: "asc" } });
        console.table(
          rows.map((row) => ({
            prefix: row.prefix,
            name: row.name,
            scopes: row.scopes.join(","),
            revoked: row.revokedAt !== null,
            lastUsed: row.lastUsedAt?.toISOString() ?? "",
          })),
        );
      } finally {
        await db.$disconnect();
      }
    });
  });
keys
  .command("revoke <prefix>")
  .description("revoke an API key by its prefix")
  .action(async (prefix: string) => {
    await withDatabase(async (database) => {
      const db = createPrismaClient(database.url);
      try {
        const updated = await db.apiKey.updateMany({ where: { prefix, revokedAt: null }, data: { revokedAt: new Date() } });
        if (updated.count === 0) throw new Error(`no active key with prefix ${prefix}`);
        await db.auditLog.create({ data: { actorType: "cli", action: "api_key.revoke", entityType: "api_key", entityId: prefix } });
        process.stdout.write(`revoked ${prefix}\n`);
      } finally {
        await db.$disconnect();
      }
    });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`cascade: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
