// tRPC foundation: the request context, the procedure builders every router uses, and the
// error shape. Routers live in ./routers (one per noun), composed in ./root.ts.
import type { ConsoleRole, Database } from "@cascade/db";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import { type ConsoleAction, rolesFor, rolesSentence } from "../../lib/permissions.ts";
import { findSessionUser, type SessionUser } from "../services/session.ts";
import { holdsUnstorableText } from "../../lib/storable-text.ts";

export type TRPCContext = {
  db: Database;
  /** The signed-in console user, or null (public procedures only). */
  user: SessionUser | null;
};

/** Context for an HTTP request: the session comes from the request's cookie. */
export async function createTRPCContext(opts: { db: Database; sessionToken: string | undefined }): Promise<TRPCContext> {
  const user = opts.sessionToken ? await findSessionUser(opts.db, opts.sessionToken) : null;
  return { db: opts.db, user };
}

const t = initTRPC.context<TRPCContext>().create({
  // Dates (and BigInts) survive the trip to the browser.
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // Unexpected failures (database down, bugs) are logged on the server by the route handler;
    // the browser gets a plain sentence instead of driver messages that may name hosts or SQL.
    const message = error.code === "INTERNAL_SERVER_ERROR" ? "The console could not complete this request." : shape.message;
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        // Field-level messages for invalid input, so forms can show them next to the field.
        zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// PostgreSQL refuses NUL (U+0000) in text and jsonb, and Prisma's query engine refuses lone UTF-16
// surrogates. Such text can only come from the caller's input: when a procedure given some fails in
// the database, the caller gets BAD_REQUEST rather than an internal error (found by the hostile-input
// property test, appRouter.property.int.test.ts). Mapped after the procedure ran, so role checks
// still answer first.
function isDatabaseError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (current.name.startsWith("PrismaClient") || current.name === "DriverAdapterError") return true;
  }
  return false;
}

const baseProcedure = t.procedure.use(async ({ next, getRawInput }) => {
  const result = await next();
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR" && isDatabaseError(result.error) && holdsUnstorableText(await getRawInput())) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: "The input holds text that cannot be stored (a NUL character or a lone surrogate).",
      cause: result.error,
    });
  }
  return result;
});

/** Needs no session (signing in, health). */
export const publicProcedure = baseProcedure;

/** Needs a valid session; `ctx.user` is non-null inside. */
export const protectedProcedure = baseProcedure.use(({ ctx, next }) => {
  if (!ctx.user) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to use the console." });
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * A protected procedure limited to some roles. Routers use `procedureFor(action)`, which takes the
 * roles from the one permissions table (src/lib/permissions.ts) that pages read too.
 */
export function procedureForRoles(allowed: readonly ConsoleRole[], message = `This needs one of these roles: ${allowed.join(", ")}.`) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!allowed.includes(ctx.user.role)) {
      throw new TRPCError({ code: "FORBIDDEN", message });
    }
    return next();
  });
}

/** A protected procedure for one action of the permissions table, e.g. `procedureFor("ruleSet.edit")`. */
export function procedureFor(action: ConsoleAction) {
  return procedureForRoles(rolesFor(action), `This needs ${rolesSentence(action)}.`);
}
