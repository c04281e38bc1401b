import type { Database } from "@cascade/db";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { SessionUser } from "../services/session.ts";
import { createCallerFactory, createTRPCRouter, procedureFor, procedureForRoles, protectedProcedure, publicProcedure } from "./trpc.ts";

const testRouter = createTRPCRouter({
  open: publicProcedure
    .input(z.void())
    .output(z.string())
    .query(() => "open"),
  signedIn: protectedProcedure
    .input(z.void())
    .output(z.string())
    .query(({ ctx }) => ctx.user.name),
  publishRules: procedureForRoles(["admin", "product_manager"])
    .input(z.void())
    .output(z.string())
    .mutation(({ ctx }) => `published by ${ctx.user.role}`),
  promoteModel: procedureFor("model.promote")
    .input(z.void())
    .output(z.string())
    .mutation(({ ctx }) => `promoted by ${ctx.user.role}`),
});
const createCaller = createCallerFactory(testRouter);
const db = {} as Database; // never touched by these procedures

function userWithRole(role: SessionUser["role"]): SessionUser {
  return { id: "u1", email: "u1@example.test", name: "Una", role };
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof TRPCError ? error.code : "not a TRPCError";
  }
}

describe("procedure builders", () => {
  it("public procedures need no session", async () => {
    expect(await createCaller({ db, user: null }).open()).toBe("open");
  });

  it("protected procedures refuse calls without a session", async () => {
    expect(await errorCode(createCaller({ db, user: null }).signedIn())).toBe("UNAUTHORIZED");
    expect(await createCaller({ db, user: userWithRole("viewer") }).signedIn()).toBe("Una");
  });

  it("role procedures admit the listed roles only", async () => {
    expect(await createCaller({ db, user: userWithRole("product_manager") }).publishRules()).toBe("published by product_manager");
    expect(await errorCode(createCaller({ db, user: userWithRole("viewer") }).publishRules())).toBe("FORBIDDEN");
    expect(await errorCode(createCaller({ db, user: userWithRole("engineer") }).publishRules())).toBe("FORBIDDEN");
    expect(await errorCode(createCaller({ db, user: null }).publishRules())).toBe("UNAUTHORIZED");
  });

  it("action procedures take their roles from the permissions table and say who may", async () => {
    expect(await createCaller({ db, user: userWithRole("data_scientist") }).promoteModel()).toBe("promoted by data_scientist");
    const refused = await createCaller({ db, user: userWithRole("product_manager") })
      .promoteModel()
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).code).toBe("FORBIDDEN");
    expect((refused as TRPCError).message).toBe("This needs the admin, engineer or data scientist role.");
  });
});
