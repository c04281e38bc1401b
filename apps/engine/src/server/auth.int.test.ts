import { generateApiKey } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { API_KEY_CHANGED_CHANNEL } from "./auth.ts";
import { startTestEngine, type TestEngine } from "./testing/testEngine.ts";

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine.close();
});

function upsertUsers(authorization?: string) {
  return engine.app.inject({
    method: "PUT",
    url: "/v1/users",
    headers: authorization === undefined ? {} : { authorization },
    payload: { users: [{ id: `${engine.run}-u` }] },
  });
}

describe("API key authentication", () => {
  it("answers 401 unauthorized for a missing, malformed, unknown, wrong or revoked key", async () => {
    const { authorization: valid } = await engine.createApiKey(["ingest"]);
    const { authorization: revoked } = await engine.createApiKey(["ingest"], { revoked: true });
    const wrongSecret = valid.replace(/_[0-9a-f]{32}$/, `_${"0".repeat(32)}`);
    expect(wrongSecret).not.toBe(valid);

    for (const header of [undefined, "Basic abc", "Bearer not-a-key", `Bearer ${generateApiKey().key}`, wrongSecret, revoked]) {
      const response = await upsertUsers(header);
      expect(response.statusCode, String(header)).toBe(401);
      expect(response.json().error.code).toBe("unauthorized");
    }
    expect(await engine.db.user.count({ where: { id: `${engine.run}-u` } })).toBe(0);
  });

  it("answers 403 forbidden when the key lacks the scope, and lets admin do everything", async () => {
    const { authorization: recommendOnly } = await engine.createApiKey(["recommend"]);
    const denied = await upsertUsers(recommendOnly);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe("forbidden");

    const { authorization: ingestOnly } = await engine.createApiKey(["ingest"]);
    const noRecommend = await engine.app.inject({
      method: "POST",
      url: "/v1/recommendations",
      headers: { authorization: ingestOnly },
      payload: { userId: "u" },
    });
    expect(noRecommend.statusCode).toBe(403);

    const { authorization: admin } = await engine.createApiKey(["admin"]);
    expect((await upsertUsers(admin)).statusCode).toBe(200);
  });

  it("checks the key before reading the body", async () => {
    const response = await engine.app.inject({
      method: "PUT",
      url: "/v1/users",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(response.statusCode).toBe(401);
  });

  it("records when a key was last used, off the request path", async () => {
    const { authorization, keyId } = await engine.createApiKey(["ingest"]);
    expect((await upsertUsers(authorization)).statusCode).toBe(200);
    const deadline = Date.now() + 5_000;
    let lastUsedAt: Date | null = null;
    while (lastUsedAt === null && Date.now() < deadline) {
      lastUsedAt = (await engine.db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).lastUsedAt;
      if (lastUsedAt === null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lastUsedAt).toBeInstanceOf(Date);
  });
});

describe("revocation", () => {
  it("refuses a revoked key on an engine that had it cached as soon as the revoke commits, without waiting for the cache to expire", async () => {
    const listening = await startTestEngine({ listen: true });
    try {
      const { authorization, keyId } = await listening.createApiKey(["ingest"]);
      const upsert = () =>
        listening.app.inject({ method: "PUT", url: "/v1/users", headers: { authorization }, payload: { users: [{ id: `${listening.run}-r` }] } });
      // The engine's LISTEN connection is up (else a reconnect, which drops the whole cache, could pass for the notice).
      await waitFor(async () => {
        const rows = await listening.db.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = ${`LISTEN ${API_KEY_CHANGED_CHANNEL}`}`;
        return rows[0]!.n > 0n;
      });
      // Business and wall time stand still from here: the key's cache entry can only go by the notification.
      vi.useFakeTimers({ toFake: ["Date"] });
      expect((await upsert()).statusCode).toBe(200);
      const started = performance.now();
      // As `cascade keys revoke` and the console write it.
      await listening.db.apiKey.updateMany({ where: { id: keyId, revokedAt: null }, data: { revokedAt: new Date() } });
      await waitFor(async () => (await upsert()).statusCode === 401);
      const refused = await upsert();
      expect(refused.json().error).toMatchObject({ code: "unauthorized", message: "this API key has been revoked" });
      console.info(`revoked key refused ${Math.round(performance.now() - started)} ms after the revoke committed`);
    } finally {
      vi.useRealTimers();
      await listening.close();
    }
  });
});

/** Polls `condition` every 20 ms; fails after 10 s (far beyond a NOTIFY's delivery). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
  }
  throw new Error("condition not met within 10 s");
}
