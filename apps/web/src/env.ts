// The only module that reads process.env (create-t3-turbo convention); everything else asks
// serverEnv() for typed, validated values.
//
// Validation is lazy: `next build` imports route modules without a database, and no page touches
// the database at build time (all console pages are dynamic). The first request that needs a
// value validates the whole environment and fails with a readable message.
import "server-only";
import { z } from "zod";

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), "must be a postgresql:// URL");

export const serverEnvSchema = z.object({
  DATABASE_URL: postgresUrl,
  /** The engine's HTTP API (feed previews and traces go through it). */
  ENGINE_URL: z.url().default("http://127.0.0.1:4000"),
  /** Admin-scoped engine API key for the engine's admin API (model registration); `cascade start` passes it. */
  ENGINE_API_KEY: z.string().trim().min(1).optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export type ServerEnv = z.infer<typeof serverEnvSchema>;

let validated: ServerEnv | undefined;

export function serverEnv(): ServerEnv {
  if (validated) return validated;
  const parsed = serverEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`invalid console environment:\n${problems}`);
  }
  validated = parsed.data;
  return validated;
}

/**
 * CONSOLE_TLS=true when browsers reach the console over https (directly or through a TLS-terminating
 * proxy): responses then carry Strict-Transport-Security. Read on its own (not through serverEnv())
 * because the proxy asks on every request, including before the database settings matter.
 */
export function consoleServedOverTls(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CONSOLE_TLS?.trim() ?? "");
}
