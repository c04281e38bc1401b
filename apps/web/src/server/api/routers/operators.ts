// Operator procedures: API keys and console users (admins only), the audit log (admins and
// engineers). Enforced here, whatever the pages show; see lib/permissions.ts.
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  auditListInput,
  createApiKey,
  createApiKeyInput,
  createConsoleUser,
  createUserInput,
  listApiKeys,
  listAudit,
  listConsoleUsers,
  OperatorChangeRefused,
  revokeApiKey,
  revokeApiKeyInput,
  setConsoleUserRole,
  setRoleInput,
} from "../../services/operators.ts";
import { createTRPCRouter, procedureFor } from "../trpc.ts";

const actorOf = (user: { id: string }) => ({ type: "console_user" as const, id: user.id });

async function refusals<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (error) {
    if (error instanceof OperatorChangeRefused) {
      throw new TRPCError({
        code: error.reason === "not_found" ? "NOT_FOUND" : error.reason === "conflict" ? "CONFLICT" : "BAD_REQUEST",
        message: error.message,
      });
    }
    throw error;
  }
}

export const apiKeyRouter = createTRPCRouter({
  list: procedureFor("apiKey.manage")
    .input(z.void())
    .query(({ ctx }) => listApiKeys(ctx.db)),
  /** The only response that ever carries the secret. */
  create: procedureFor("apiKey.manage")
    .input(createApiKeyInput)
    .mutation(({ ctx, input }) => createApiKey(ctx.db, input, actorOf(ctx.user))),
  revoke: procedureFor("apiKey.manage")
    .input(revokeApiKeyInput)
    .mutation(({ ctx, input }) => refusals(revokeApiKey(ctx.db, input.id, actorOf(ctx.user)))),
});

export const consoleUserRouter = createTRPCRouter({
  list: procedureFor("user.manage")
    .input(z.void())
    .query(({ ctx }) => listConsoleUsers(ctx.db)),
  create: procedureFor("user.manage")
    .input(createUserInput)
    .mutation(({ ctx, input }) => refusals(createConsoleUser(ctx.db, input, actorOf(ctx.user)))),
  setRole: procedureFor("user.manage")
    .input(setRoleInput)
    .mutation(({ ctx, input }) => refusals(setConsoleUserRole(ctx.db, input, actorOf(ctx.user)))),
});

export const auditRouter = createTRPCRouter({
  list: procedureFor("audit.read")
    .input(auditListInput)
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
});
