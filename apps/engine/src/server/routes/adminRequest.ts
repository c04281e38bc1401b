// What the admin routes read from a request the same way: the `{id}` path parameter and the actor
// the audit log records (the console user named in `x-cascade-actor`, else the API key's name).
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { issuesFromZod, validationFailed } from "../errors.ts";

/** A path parameter: PostgreSQL stores no NUL in text, so one is refused here (400) rather than failing the query (500). */
export const pathParameter = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => !value.includes("\u0000"), "must not contain NUL (U+0000)");

export const idParams = z.object({ id: pathParameter });

/** The `{id}` path parameter; 400 `validation_failed` naming `id` when it is malformed. */
export function parsedId(request: FastifyRequest): string {
  const params = idParams.safeParse(request.params);
  if (!params.success) throw validationFailed(issuesFromZod(params.error, ["id"]));
  return params.data.id;
}

export type AdminActor = { type: "console_user" | "api_key"; id: string | null };

export function actorOf(request: FastifyRequest): AdminActor {
  const header = request.headers["x-cascade-actor"];
  const named = typeof header === "string" && header.length > 0 && header.length <= 128 ? header : null;
  if (named) return { type: "console_user", id: named };
  return { type: "api_key", id: request.apiKey?.name ?? null };
}
