// Hostile input against the operator procedures and sign-in (issue 13, point 4): whatever JSON an
// admin's browser (or a crafted request) sends, the answer is a refusal or a result, never an
// internal error, and nothing is written for refused input.
import { createPrismaClient, type Database } from "@cascade/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsSchema, signIn } from "../../services/session.ts";
import { LoginThrottle } from "../../services/login-throttle.ts";
import { createCallerFactory, createTRPCRouter } from "../trpc.ts";
import { apiKeyRouter, auditRouter, consoleUserRouter } from "./operators.ts";

const createCaller = createCallerFactory(createTRPCRouter({ apiKey: apiKeyRouter, consoleUser: consoleUserRouter, audit: auditRouter }));
const suffix = Math.random().toString(36).slice(2, 10);
let db: Database;
let adminId: string;

// Strings with the edges that broke other endpoints: NUL, lone surrogates, huge, RTL, emoji.
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udfffy", "\u202e", "🙂".repeat(300), "x".repeat(20_000), "' OR 1=1 --", "%", "_", "admin"),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    nastyString,
    fc.double(),
    fc.integer(),
    fc.constantFrom(null, true, false, 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
    fc.date({ noInvalidDate: false }),
    fc.array(tie("any"), { maxLength: 5 }),
    fc.dictionary(
      fc.constantFrom("name", "scopes", "email", "role", "password", "id", "page", "from", "to", "actor", "action", "entityType", "__proto__"),
      tie("any"),
      {
        maxKeys: 6,
      },
    ),
  ),
})).any;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 4 });
  adminId = (await db.consoleUser.create({ data: { email: `prop-admin-${suffix}@example.test`, name: "Prop", passwordHash: "scrypt$unused", role: "admin" } }))
    .id;
});

afterAll(async () => {
  await db.auditLog.deleteMany({ where: { actorId: adminId } });
  await db.apiKey.deleteMany({ where: { createdById: adminId } });
  await db.consoleUser.deleteMany({ where: { email: { startsWith: `prop-` } } });
  await db.consoleUser.deleteMany({ where: { id: adminId } });
  await db.$disconnect();
});

/** String(value), or a stand-in for values that cannot be turned into one (an object without a prototype). */
function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return "unprintable";
  }
}

async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? `thrown: ${String(error)}`;
  }
}

describe("operator procedures under hostile input", () => {
  it("answer any input with a result or a client error, never an internal one", async () => {
    const caller = createCaller({ db, user: { id: adminId, email: `prop-admin-${suffix}@example.test`, name: "Prop", role: "admin" } });
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(value, value, value, value, async (keyInput, userInput, roleInput, auditInput) => {
        const results = await Promise.all([
          outcome(caller.apiKey.create(keyInput as never)),
          outcome(caller.apiKey.revoke(keyInput as never)),
          // Only emails under prop- can be created, so cleanup finds them.
          outcome(
            caller.consoleUser.create(
              (userInput && typeof userInput === "object" && "email" in userInput
                ? { ...userInput, email: `prop-${printable((userInput as { email: unknown }).email)}` }
                : userInput) as never,
            ),
          ),
          outcome(caller.consoleUser.setRole(roleInput as never)),
          outcome(caller.audit.list(auditInput as never)),
        ]);
        for (const result of results) {
          seen.add(result);
          expect(["ok", "BAD_REQUEST", "NOT_FOUND", "CONFLICT"]).toContain(result);
        }
      }),
      { numRuns: 300 },
    );
    expect(seen.has("BAD_REQUEST")).toBe(true);
    // The admin is still the admin: no generated input promoted or demoted anyone by accident.
    expect((await db.consoleUser.findUniqueOrThrow({ where: { id: adminId } })).role).toBe("admin");
  });

  it("answer well-shaped input carrying hostile strings with a result or a client error", async () => {
    const caller = createCaller({ db, user: { id: adminId, email: `prop-admin-${suffix}@example.test`, name: "Prop", role: "admin" } });
    const scopes = fc.subarray(["ingest", "recommend", "admin"] as const, { minLength: 1 });
    const day = fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true });
    await fc.assert(
      fc.asyncProperty(
        nastyString,
        nastyString,
        nastyString,
        scopes,
        day,
        day,
        fc.integer({ min: 1, max: 100_000 }),
        async (text, other, third, picked, from, to, page) => {
          const results = await Promise.all([
            outcome(caller.apiKey.create({ name: text, scopes: [...picked] })),
            outcome(caller.apiKey.revoke({ id: other })),
            outcome(caller.consoleUser.create({ email: `prop-${text}@example.test`, name: other, role: "viewer", password: "a long initial password" })),
            outcome(caller.consoleUser.setRole({ id: third, role: "viewer" })),
            outcome(caller.audit.list({ entityType: text, action: other, actor: third, from, to, page })),
            outcome(caller.audit.list({ actor: `${text}@x`, page: 1 })),
          ]);
          for (const result of results) expect(["ok", "BAD_REQUEST", "NOT_FOUND", "CONFLICT"]).toContain(result);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("sign-in answers any credentials that pass the form's schema without throwing", async () => {
    const throttle = new LoginThrottle();
    await fc.assert(
      fc.asyncProperty(nastyString, nastyString, fc.ipV4(), async (email, password, clientIp) => {
        const parsed = credentialsSchema.safeParse({ email, password });
        if (!parsed.success) return;
        const result = await signIn(db, parsed.data, { clientIp, throttle });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});
