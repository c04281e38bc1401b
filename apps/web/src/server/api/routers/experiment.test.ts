// Who may change experiments (data scientists and admins), checked before the engine is called; and
// that an allowed change reaches the engine's admin API as the console user, with the engine's
// refusal coming back as a value that names the fields.
import type { Database } from "@cascade/db";
import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SessionUser } from "../../services/session.ts";

vi.mock("server-only", () => ({}));
vi.mock("../../../env.ts", () => ({ serverEnv: () => ({ ENGINE_URL: "http://engine.test:4000", ENGINE_API_KEY: "csk_console" }) }));

const { createCallerFactory } = await import("../trpc.ts");
const { experimentRouter } = await import("./experiment.ts");

const untouchable = new Proxy(
  {},
  {
    get: (_target, name) => {
      throw new Error(`database touched (${String(name)})`);
    },
  },
) as Database;
const createCaller = createCallerFactory(experimentRouter);
const caller = (role: SessionUser["role"]) => createCaller({ db: untouchable, user: { id: "u1", email: "ds@example.test", name: "Dana", role } });

type Seen = { url: string; method: string | undefined; headers: Record<string, string>; body: unknown };
let seen: Seen[] = [];
function answer(status: number, body: unknown) {
  vi.stubGlobal("fetch", async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({
      url: String(input),
      method: init?.method,
      headers: init?.headers as Record<string, string>,
      body: init?.body ? JSON.parse(String(init.body)) : null,
    });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  });
}

beforeEach(() => {
  seen = [];
  answer(500, {});
});
afterEach(() => vi.unstubAllGlobals());

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof TRPCError ? error.code : `not a TRPCError: ${String(error)}`;
  }
  throw new Error("expected the call to fail");
}

describe("experiment router", () => {
  it("refuses changes by viewers, product managers and engineers before calling the engine", async () => {
    for (const role of ["viewer", "product_manager", "engineer"] as const) {
      const as = caller(role);
      expect(await failure(as.create({ config: { key: "x" } }))).toBe("FORBIDDEN");
      expect(await failure(as.update({ id: "e1", update: { name: "y" } }))).toBe("FORBIDDEN");
      expect(await failure(as.start({ id: "e1" }))).toBe("FORBIDDEN");
      expect(await failure(as.stop({ id: "e1" }))).toBe("FORBIDDEN");
      expect(await failure(as.stopVariant({ id: "e1", variant: "b", reason: "r" }))).toBe("FORBIDDEN");
      expect(await failure(as.ship({ id: "e1", variant: "b" }))).toBe("FORBIDDEN");
    }
    expect(seen).toEqual([]);
  });

  it("sends a data scientist's change as that user and returns the engine's field issues", async () => {
    answer(400, {
      error: {
        code: "validation_failed",
        message: "variants: weights must sum to 1, got 0.9",
        issues: [
          { path: "variants", message: "weights must sum to 1, got 0.9" },
          { path: "variants.1.overrides.sources.nope", message: 'no source "nope" in the base config' },
        ],
      },
    });
    const refused = await caller("data_scientist").create({ config: { key: "x", surface: "home" } });
    expect(refused).toEqual({
      ok: false,
      status: 400,
      code: "validation_failed",
      message: "variants: weights must sum to 1, got 0.9",
      issues: [
        { path: "variants", message: "weights must sum to 1, got 0.9" },
        { path: "variants.1.overrides.sources.nope", message: 'no source "nope" in the base config' },
      ],
    });
    expect(seen).toMatchObject([
      {
        url: "http://engine.test:4000/v1/admin/experiments",
        method: "POST",
        headers: expect.objectContaining({ "x-cascade-actor": "ds@example.test", authorization: "Bearer csk_console" }),
        body: { key: "x", surface: "home" },
      },
    ]);
  });

  it("passes a 409 through so the form can offer a new phase", async () => {
    answer(409, { error: { code: "conflict", message: "changing the weights of a running experiment would bias it; start a new phase", issues: [] } });
    const refused = await caller("admin").update({ id: "e1", update: { variants: [] } });
    expect(refused).toMatchObject({ ok: false, status: 409, code: "conflict" });
    expect(seen[0]).toMatchObject({ url: "http://engine.test:4000/v1/admin/experiments/e1", method: "PATCH" });
  });
});
