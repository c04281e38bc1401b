import { generateApiKey, parseApiKeyPrefix } from "@cascade/core";
import type { Database } from "@cascade/db";
import { describe, expect, it } from "vitest";
import { ApiKeyAuthenticator, hasScope, parseBearerToken, type ApiKeyPrincipal } from "./auth.ts";
import { HttpError } from "./errors.ts";

describe("parseBearerToken", () => {
  it("takes the token after a case-insensitive Bearer scheme", () => {
    expect(parseBearerToken("Bearer csk_abc_def")).toBe("csk_abc_def");
    expect(parseBearerToken("bearer  csk_abc_def ")).toBe("csk_abc_def");
  });

  it("refuses other schemes and shapes", () => {
    for (const header of [undefined, "", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer a b", "csk_abc_def"]) {
      expect(parseBearerToken(header), String(header)).toBeNull();
    }
  });
});

describe("hasScope", () => {
  const principal = (...scopes: ApiKeyPrincipal["scopes"] extends ReadonlySet<infer S> ? S[] : never): ApiKeyPrincipal => ({
    keyId: "k",
    name: "k",
    scopes: new Set(scopes),
  });

  it("grants listed scopes, and every scope to admin", () => {
    expect(hasScope(principal("ingest"), "ingest")).toBe(true);
    expect(hasScope(principal("ingest"), "recommend")).toBe(false);
    expect(hasScope(principal("admin"), "recommend")).toBe(true);
    expect(hasScope(principal(), "ingest")).toBe(false);
  });
});

type Row = { id: string; name: string; hashedKey: string; scopes: string[]; revokedAt: Date | null };

function fakeDatabase(rows: Row[], prefixOf: Map<string, string>) {
  const counts = { lookups: 0, touches: 0 };
  const db = {
    apiKey: {
      findUnique: async ({ where }: { where: { prefix: string } }) => {
        counts.lookups += 1;
        return rows.find((row) => prefixOf.get(row.id) === where.prefix) ?? null;
      },
      updateMany: async () => {
        counts.touches += 1;
        return { count: 1 };
      },
    },
  } as unknown as Database;
  return { db, counts };
}

describe("ApiKeyAuthenticator", () => {
  const silent = { warn: () => undefined };

  function setup(row: Partial<Row> = {}) {
    const generated = generateApiKey();
    const stored: Row = { id: "key-1", name: "test", hashedKey: generated.hashedKey, scopes: ["ingest", "bogus"], revokedAt: null, ...row };
    const fake = fakeDatabase([stored], new Map([["key-1", generated.prefix]]));
    let now = 1_000_000;
    const clock = { advance: (ms: number) => (now += ms) };
    const authenticator = new ApiKeyAuthenticator(fake.db, silent, { now: () => now });
    return { authenticator, key: generated.key, counts: fake.counts, clock };
  }

  it("verifies the key and keeps only known scopes", async () => {
    const { authenticator, key } = setup();
    const principal = await authenticator.authenticate(`Bearer ${key}`);
    expect(principal).toMatchObject({ keyId: "key-1", name: "test" });
    expect([...principal.scopes]).toEqual(["ingest"]);
  });

  it("answers from its cache for 5 s, then looks the key up again", async () => {
    const { authenticator, key, counts, clock } = setup();
    await authenticator.authenticate(`Bearer ${key}`);
    clock.advance(4_999);
    await authenticator.authenticate(`Bearer ${key}`);
    expect(counts.lookups).toBe(1);
    clock.advance(1);
    await authenticator.authenticate(`Bearer ${key}`);
    expect(counts.lookups).toBe(2);
  });

  it("looks a key up again at once after a change notice for its prefix (or for all)", async () => {
    const { authenticator, key, counts } = setup();
    await authenticator.authenticate(`Bearer ${key}`);
    authenticator.forget(parseApiKeyPrefix(key));
    await authenticator.authenticate(`Bearer ${key}`);
    expect(counts.lookups).toBe(2);
    authenticator.forget("some-other-prefix");
    await authenticator.authenticate(`Bearer ${key}`);
    expect(counts.lookups).toBe(2);
    authenticator.forget(null);
    await authenticator.authenticate(`Bearer ${key}`);
    expect(counts.lookups).toBe(3);
  });

  it("does not cache a row read before a change notice that arrived while the read was in flight", async () => {
    const generated = generateApiKey();
    let revokedAt: Date | null = null;
    let release: () => void = () => undefined;
    let lookups = 0;
    const db = {
      apiKey: {
        findUnique: async () => {
          lookups += 1;
          const row = { id: "key-1", name: "k", hashedKey: generated.hashedKey, scopes: ["ingest"], revokedAt };
          if (lookups === 1) await new Promise<void>((resolvePromise) => (release = resolvePromise));
          return row;
        },
        updateMany: async () => ({ count: 1 }),
      },
    } as unknown as Database;
    const authenticator = new ApiKeyAuthenticator(db, silent, { now: () => 1_000 });
    const first = authenticator.authenticate(`Bearer ${generated.key}`);
    await Promise.resolve();
    // The revocation commits and its notice arrives while the first lookup still holds the old row.
    revokedAt = new Date();
    authenticator.forget(generated.prefix);
    release();
    await first;
    await expect(authenticator.authenticate(`Bearer ${generated.key}`)).rejects.toMatchObject({ statusCode: 401, message: "this API key has been revoked" });
  });

  it("records use at most once a minute per key", async () => {
    const { authenticator, key, counts, clock } = setup();
    await authenticator.authenticate(`Bearer ${key}`);
    clock.advance(59_999);
    await authenticator.authenticate(`Bearer ${key}`);
    await authenticator.close();
    expect(counts.touches).toBe(1);
    clock.advance(1);
    await authenticator.authenticate(`Bearer ${key}`);
    await authenticator.close();
    expect(counts.touches).toBe(2);
  });

  it("refuses wrong secrets, unknown prefixes and revoked keys with 401", async () => {
    const { authenticator, key } = setup();
    const { authenticator: revokedAuthenticator, key: revokedKey } = setup({ revokedAt: new Date() });
    const attempts: [ApiKeyAuthenticator, string | undefined][] = [
      [authenticator, undefined],
      [authenticator, "Bearer nope"],
      [authenticator, `Bearer ${key.slice(0, -1)}${key.endsWith("0") ? "1" : "0"}`],
      [authenticator, `Bearer ${generateApiKey().key}`],
      [revokedAuthenticator, `Bearer ${revokedKey}`],
    ];
    for (const [subject, header] of attempts) {
      const failure = await subject.authenticate(header).catch((error: unknown) => error);
      expect(failure, String(header)).toBeInstanceOf(HttpError);
      expect(failure).toMatchObject({ statusCode: 401, code: "unauthorized" });
    }
  });
});

describe("ApiKeyAuthenticator during a database outage", () => {
  it("uses a cached key for up to maxStaleMs, then fails with the database error", async () => {
    const generated = generateApiKey();
    let databaseUp = true;
    const db = {
      apiKey: {
        findUnique: async () => {
          if (!databaseUp) throw new Error("database down");
          return { id: "key-1", name: "k", hashedKey: generated.hashedKey, scopes: ["recommend"], revokedAt: null };
        },
        updateMany: async () => ({ count: 1 }),
      },
    } as unknown as Database;
    let now = 0;
    const authenticator = new ApiKeyAuthenticator(db, { warn: () => undefined }, { now: () => now, cacheTtlMs: 30_000, maxStaleMs: 600_000 });
    await authenticator.authenticate(`Bearer ${generated.key}`);

    databaseUp = false;
    now = 599_000;
    await expect(authenticator.authenticate(`Bearer ${generated.key}`)).resolves.toMatchObject({ keyId: "key-1" });
    now = 601_000;
    await expect(authenticator.authenticate(`Bearer ${generated.key}`)).rejects.toThrow("database down");
    await expect(authenticator.authenticate(`Bearer ${generateApiKey().key}`)).rejects.toThrow("database down");
    await authenticator.close();
  });
});
