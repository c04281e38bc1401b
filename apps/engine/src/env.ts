// The only place that reads process.env (create-t3-turbo convention). Everything else receives
// a typed, validated EngineEnv.
import { resolve } from "node:path";
import { repoRoot } from "@cascade/db";
import { z } from "zod";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const port = z.coerce.number().int().min(1).max(65_535);

export const engineEnvSchema = z.object({
  /** PostgreSQL URL; unset → an embedded PostgreSQL is started in CASCADE_DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Redis URL; unset → in-process store and queue. */
  REDIS_URL: z.string().url().optional(),
  CASCADE_DATA_DIR: z.string().default(resolve(repoRoot, ".cascade-data")),
  CASCADE_EMBEDDED_PG_PORT: port.default(54329),
  ENGINE_HOST: z.string().default("127.0.0.1"),
  ENGINE_PORT: port.default(4000),
  CONSOLE_PORT: port.default(3000),
  /** Start the Next.js console next to the engine (`cascade start`). */
  CASCADE_CONSOLE: booleanFlag.default(true),
  /** Load demo data when the database has no items. */
  CASCADE_DEMO: booleanFlag.default(true),
  CASCADE_DEMO_SIZE: z.enum(["tiny", "small", "default", "large"]).default("default"),
  CASCADE_DEMO_SEED: z.coerce.number().int().default(42),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Share of recommendation requests whose served feature vectors are logged for skew checks. */
  CASCADE_SERVED_FEATURE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.05),
  /** Largest accepted request body, bytes. */
  CASCADE_BODY_LIMIT: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
});

export type EngineEnv = z.infer<typeof engineEnvSchema>;

export function loadEngineEnv(source: NodeJS.ProcessEnv = process.env): EngineEnv {
  const parsed = engineEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`invalid environment:\n${problems}`);
  }
  return parsed.data;
}
