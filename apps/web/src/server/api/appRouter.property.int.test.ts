// Issue 13, point 4: hostile input against EVERY tRPC procedure of the console's app router. The
// procedures are enumerated from `appRouter._def.procedures`, so one added later is covered without
// touching this file. Inputs are generated from each procedure's own zod input (right keys, hostile
// leaves: NUL, lone surrogates, huge strings, ±1e308, NaN, invalid dates, big arrays, prototype
// keys) mixed with wrong types. Properties: an admin (and a data scientist) never gets
// INTERNAL_SERVER_ERROR nor anything that is not a TRPCError; a viewer is refused FORBIDDEN by every
// mutation whatever the input; without a session every non-public procedure answers UNAUTHORIZED.
// Procedures that call the engine are pointed at an address where nothing listens: they answer
// their documented "not reachable" value.
import { createPrismaClient, type ConsoleRole, type Database } from "@cascade/db";
import { TRPCError } from "@trpc/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { z } from "zod";

vi.mock("server-only", () => ({}));
// Read lazily by env.ts on first use: the test database, and an engine that is not there (port 9, discard: nothing listens on loopback).
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL;
process.env.ENGINE_URL = "http://127.0.0.1:9";
process.env.ENGINE_API_KEY = "csk_hostile_no_engine";

const { appRouter, createCaller } = await import("./root.ts");

// At run time `_def.procedures` is flat, keyed by dotted path (`ruleSet.publish`); its static type is the nested record.
type Procedure = { _def: { type: "query" | "mutation" | "subscription"; inputs: z.ZodType[] } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>).map(([path, procedure]) => ({
  path,
  type: procedure._def.type,
  input: procedure._def.inputs[0],
}));

/** Runs per procedure scale with HOSTILE_RUNS_SCALE (e.g. 5 for a longer hunt). */
const SCALE = Number(process.env.HOSTILE_RUNS_SCALE ?? 1);
const runs = (base: number) => Math.max(1, Math.round(base * SCALE));

const suffix = Math.random().toString(36).slice(2, 10);
let db: Database;
const users = new Map<ConsoleRole, { id: string; email: string; name: string; role: ConsoleRole }>();

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 4 });
  for (const role of ["admin", "data_scientist", "viewer"] as const) {
    const email = `hostile-${suffix}-${role}@example.test`;
    const row = await db.consoleUser.create({ data: { email, name: role, passwordHash: "scrypt$unused", role } });
    users.set(role, { id: row.id, email, name: role, role });
  }
});

afterAll(async () => {
  const ids = [...users.values()].map((user) => user.id);
  await db.auditLog.deleteMany({ where: { actorId: { in: ids } } });
  await db.apiKey.deleteMany({ where: { createdById: { in: ids } } });
  await db.consoleUser.deleteMany({ where: { email: { startsWith: `hostile-${suffix}-` } } });
  await db.$disconnect();
});

// --- hostile values -------------------------------------------------------------------------

const hostileString = fc.oneof(
  fc.constantFrom("\u0000", "a\u0000b", "\uD800", "x\uDFFFy", "\uFFFF", "\u202E", "😀", "", " ", "NaN", "-0", "Infinity", "__proto__", "constructor"),
  fc.constantFrom("../../etc/passwd", "' OR 1=1 --", "%", "_", "\\", "home", "ranker", "retrieval"),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 65, max: 20_000 }).map((length) => "x".repeat(length)),
  fc.integer({ min: 1, max: 300 }).map((count) => "🙂".repeat(count)),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 + 1, 5e-324, 0, 1, -1, 100_000),
  fc.integer(),
  fc.double(),
);
const hostileDate = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: false }),
  fc.constantFrom(new Date(Number.NaN), new Date(0), new Date(8.64e15), new Date(-8.64e15)),
);
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    hostileString,
    hostileNumber,
    hostileDate,
    fc.constantFrom(null, undefined, true, false, [], {}, 10n),
    fc.array(tie("any"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom("id", "surface", "page", "__proto__", "config"), hostileString), tie("any"), { maxKeys: 4 }),
  ),
})).any;

type Def = {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  entries?: Record<string, string | number>;
  values?: unknown[];
  options?: z.ZodType[];
  in?: z.ZodType;
};
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** A value shaped like `schema` with hostile leaves, or now and then of the wrong type altogether. */
function shaped(schema: z.ZodType | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return anyValue;
  return fc.oneof({ arbitrary: shapedExactly(schema, depth), weight: 5 }, { arbitrary: anyValue, weight: 1 });
}

function shapedExactly(schema: z.ZodType, depth: number): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      const keys = Object.entries(def.shape ?? {}).map(([key, value]) => [key, shaped(value, depth + 1)] as const);
      return fc
        .record(Object.fromEntries(keys), { requiredKeys: [] })
        .chain((record) =>
          fc.oneof(
            { arbitrary: fc.constant(record), weight: 4 },
            { arbitrary: fc.tuple(hostileString, anyValue).map(([key, value]) => ({ ...record, [key]: value })), weight: 1 },
          ),
        );
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return fc.oneof(shaped(def.innerType, depth + 1), fc.constantFrom(undefined, null));
    case "pipe":
      return shaped(def.in, depth + 1);
    case "string":
      return hostileString;
    case "number":
    case "int":
      return hostileNumber;
    case "boolean":
      return fc.boolean();
    case "date":
      return hostileDate;
    case "bigint":
      return fc.bigInt();
    case "enum":
      return fc.oneof(fc.constantFrom(...Object.values(def.entries ?? { none: "none" })), hostileString);
    case "literal":
      return fc.constantFrom(...(def.values ?? [null]));
    case "array":
      return fc.oneof(
        fc.array(shaped(def.element, depth + 1), { maxLength: 5 }),
        fc.tuple(shaped(def.element, depth + 1), fc.integer({ min: 100, max: 5_000 })).map(([entry, copies]) => new Array<unknown>(copies).fill(entry)),
      );
    case "union":
      return fc.oneof(...(def.options ?? []).map((option) => shaped(option, depth + 1)));
    case "void":
    case "undefined":
      return fc.constantFrom(undefined, null, {}, "x");
    default:
      return anyValue;
  }
}

// --- calling ----------------------------------------------------------------------------------

type Caller = ReturnType<typeof createCaller>;

function callerFor(role: ConsoleRole | null): Caller {
  return createCaller({ db, user: role === null ? null : users.get(role)! });
}

/** `caller["ruleSet"]["publish"](input)` for the path `ruleSet.publish`. */
function call(caller: Caller, path: string, input: unknown): Promise<unknown> {
  const procedure = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  return procedure(input);
}

/** Console users the generated input may create are named so that afterAll finds them. */
function contained(path: string, input: unknown): unknown {
  if (path === "consoleUser.create" && input !== null && typeof input === "object" && !Array.isArray(input)) {
    let email: string;
    try {
      email = String((input as { email?: unknown }).email).slice(0, 40);
    } catch {
      email = "unprintable"; // an object without a prototype
    }
    return { ...input, email: `hostile-${suffix}-${email}@example.test` };
  }
  return input;
}

async function outcome(path: string, promise: () => Promise<unknown>): Promise<string> {
  try {
    await promise();
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError)
      return error.code === "INTERNAL_SERVER_ERROR" ? `INTERNAL_SERVER_ERROR: ${path}: ${String(error.cause ?? error.message)}` : error.code;
    return `not a TRPCError: ${path}: ${String(error)}`;
  }
}

const CLIENT_ERRORS = [
  "ok",
  "BAD_REQUEST",
  "NOT_FOUND",
  "CONFLICT",
  "FORBIDDEN",
  "UNAUTHORIZED",
  "PRECONDITION_FAILED",
  "TOO_MANY_REQUESTS",
  "PAYLOAD_TOO_LARGE",
];

function describeInput(input: unknown): string {
  try {
    return JSON.stringify(input, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value))?.slice(0, 300) ?? String(input);
  } catch {
    return "unprintable";
  }
}

describe("every tRPC procedure under hostile input (issue 13)", () => {
  it("enumerates the app router's procedures, queries and mutations", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(40);
    expect(procedures.filter((procedure) => procedure.type === "mutation").length).toBeGreaterThanOrEqual(15);
  });

  // Counterexamples the properties found, kept as fixed cases: NUL or a lone surrogate reached
  // PostgreSQL / Prisma's query engine (INTERNAL_SERVER_ERROR), and a lone surrogate in an experiment
  // id made the engine client's encodeURIComponent throw URIError.
  it("answers BAD_REQUEST to the counterexamples found", async () => {
    const caller = callerFor("admin");
    for (const [path, input] of [
      ["ruleSet.get", { id: "\u0000" }],
      ["ruleSet.get", { id: "\ud800" }],
      ["ruleSet.editorState", { surfaceId: "\u0000" }],
      ["event.listRejected", { reason: "\ud800" }],
      ["experiment.update", { id: "\ud800", update: {} }],
    ] as const) {
      expect(await outcome(path, () => call(caller, path, input)), `${path}(${describeInput(input)})`).toBe("BAD_REQUEST");
    }
  });

  for (const role of ["admin", "data_scientist"] as const) {
    it(`answers a ${role} with a result or a client error, never an internal one`, async () => {
      const caller = callerFor(role);
      const seen = new Map<string, number>();
      for (const { path, input } of procedures) {
        await fc.assert(
          fc.asyncProperty(shaped(input), async (generated) => {
            const result = await outcome(path, () => call(caller, path, contained(path, generated)));
            seen.set(result, (seen.get(result) ?? 0) + 1);
            expect(CLIENT_ERRORS.includes(result), `${path}(${describeInput(generated)}) → ${result.slice(0, 600)}`).toBe(true);
          }),
          { numRuns: runs(role === "admin" ? 100 : 30) },
        );
      }
      console.info(`hostile tRPC input, ${role}: ${procedures.length} procedures; outcomes ${JSON.stringify(Object.fromEntries(seen))}`);
      expect(seen.get("BAD_REQUEST") ?? 0).toBeGreaterThan(procedures.length);
      expect(seen.get("ok") ?? 0).toBeGreaterThan(procedures.length);
    }, 120_000);
  }

  it("refuses a viewer FORBIDDEN on every mutation, whatever the input; queries never fail internally", async () => {
    const caller = callerFor("viewer");
    for (const { path, type, input } of procedures) {
      await fc.assert(
        fc.asyncProperty(shaped(input), async (generated) => {
          const result = await outcome(path, () => call(caller, path, contained(path, generated)));
          if (type === "mutation") expect(result, `${path}(${describeInput(generated)})`).toBe("FORBIDDEN");
          else expect(CLIENT_ERRORS.includes(result), `${path}(${describeInput(generated)}) → ${result.slice(0, 600)}`).toBe(true);
        }),
        { numRuns: runs(20) },
      );
    }
  }, 120_000);

  it("answers UNAUTHORIZED without a session on every procedure but the public session.get", async () => {
    const caller = callerFor(null);
    for (const { path, input } of procedures) {
      await fc.assert(
        fc.asyncProperty(shaped(input), async (generated) => {
          const result = await outcome(path, () => call(caller, path, generated));
          expect(path === "session.get" ? ["ok", "BAD_REQUEST"] : ["UNAUTHORIZED"], path).toContain(result);
        }),
        { numRuns: runs(10) },
      );
    }
  }, 60_000);

  it("leaves every generated user's role as it was", async () => {
    for (const [role, user] of users) expect((await db.consoleUser.findUniqueOrThrow({ where: { id: user.id } })).role).toBe(role);
  });
});
