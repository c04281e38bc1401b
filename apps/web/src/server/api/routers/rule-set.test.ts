// Who may change rule sets, and that a bad config is refused with its path before any database
// work (the fake database below throws if touched).
import { DEFAULT_SURFACE_CONFIGS } from "@cascade/core";
import type { Database } from "@cascade/db";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import type { SessionUser } from "../../services/session.ts";
import { createCallerFactory } from "../trpc.ts";
import { ruleSetRouter } from "./rule-set.ts";

const untouchable = new Proxy(
  {},
  {
    get: (_target, name) => {
      throw new Error(`database touched (${String(name)})`);
    },
  },
) as Database;
const createCaller = createCallerFactory(ruleSetRouter);
const caller = (role: SessionUser["role"] | null) =>
  createCaller({ db: untouchable, user: role ? { id: "u1", email: "u1@example.test", name: "Una", role } : null });

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    return { code: "not a TRPCError", message: String(error) };
  }
  throw new Error("expected the call to fail");
}

const brokenConfig = { ...DEFAULT_SURFACE_CONFIGS.home, rules: [{ type: "boost", id: "b", when: "category = 'x'", delta: 1 }] };

describe("ruleSet router", () => {
  it("lets only admins, engineers and product managers change rule sets", async () => {
    for (const role of ["viewer", "data_scientist"] as const) {
      expect((await failure(caller(role).publish({ surfaceId: "home", config: DEFAULT_SURFACE_CONFIGS.home }))).code).toBe("FORBIDDEN");
      expect((await failure(caller(role).saveDraft({ surfaceId: "home", config: DEFAULT_SURFACE_CONFIGS.home }))).code).toBe("FORBIDDEN");
      expect((await failure(caller(role).rollback({ id: "rs1" }))).code).toBe("FORBIDDEN");
      expect((await failure(caller(role).discardDraft({ surfaceId: "home" }))).code).toBe("FORBIDDEN");
    }
    expect((await failure(caller(null).list())).code).toBe("UNAUTHORIZED");
  });

  it("refuses an invalid config as a bad request naming the config path and column", async () => {
    for (const role of ["admin", "engineer", "product_manager"] as const) {
      const refused = await failure(caller(role).publish({ surfaceId: "home", config: brokenConfig }));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(/^config\.rules\.0\.when: column \d+/);
    }
    expect((await failure(caller("product_manager").saveDraft({ surfaceId: "home", config: { sources: [] } }))).code).toBe("BAD_REQUEST");
  });
});
