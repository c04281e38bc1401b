import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { PageSessionStoreError } from "./pageSessions.ts";
import { createRedisPageSessionStore, pageSessionKey } from "./redisPageSessions.ts";
import { startTcpProxy } from "./testing/tcpProxy.ts";
import { describePageSessionStoreContract, newSession, sessionItems } from "./testing/pageSessionStoreContract.ts";

const redisUrl = process.env.TEST_REDIS_URL!;

describePageSessionStoreContract("redis", ({ ttlMs }) => createRedisPageSessionStore({ url: redisUrl, ttlMs }));

describe("redis page sessions", () => {
  it("keep one key per session, hash-tagged by the session id, with the session TTL", async () => {
    const store = await createRedisPageSessionStore({ url: redisUrl, ttlMs: 60_000 });
    const raw = new Redis(redisUrl);
    try {
      const session = newSession(sessionItems(500, 20), { caps: true });
      await store.put(session);
      await store.putTail(session.id, 30, ["a", "b"]);
      const key = pageSessionKey(session.id);
      expect(key).toBe(`cascade:{ps:${session.id}}`);
      expect((await raw.hkeys(key)).sort()).toEqual(["b", "t:2", "t:30"]);
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await raw.hstrlen(key, "b")).toBeLessThan(30_000);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it("are shared by two stores on one Redis (two replicas): a tail one records, the other reads", async () => {
    const a = await createRedisPageSessionStore({ url: redisUrl, ttlMs: 60_000 });
    const b = await createRedisPageSessionStore({ url: redisUrl, ttlMs: 60_000 });
    try {
      const session = newSession(sessionItems(20), { caps: true });
      await a.put(session);
      const onB = await b.get(session.id);
      expect(onB?.items.itemAt(19)).toEqual(session.items.itemAt(19));
      await b.putTail(session.id, 6, ["i4-xxxxxxxxx", "i5-xxxxxxxxx"]);
      expect((await a.get(session.id))?.caps?.tails.get(6)).toEqual(["i4-xxxxxxxxx", "i5-xxxxxxxxx"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("treat a stored value of another format as an expired session", async () => {
    const store = await createRedisPageSessionStore({ url: redisUrl, ttlMs: 60_000 });
    const raw = new Redis(redisUrl);
    const id = newSession([]).id;
    try {
      await raw.hset(pageSessionKey(id), "b", "not a session");
      await raw.pexpire(pageSessionKey(id), 60_000);
      expect(await store.get(id)).toBeUndefined();
    } finally {
      await raw.del(pageSessionKey(id));
      raw.disconnect();
      await store.close();
    }
  });

  it("reject with PageSessionStoreError when Redis is unreachable: at connect, and on reads and writes once it went away", async () => {
    // Port 1 on loopback refuses connections at once.
    await expect(createRedisPageSessionStore({ url: "redis://127.0.0.1:1/0" })).rejects.toThrow(PageSessionStoreError);
    const proxy = await startTcpProxy(redisUrl);
    const store = await createRedisPageSessionStore({ url: proxy.url });
    try {
      const session = newSession(sessionItems(3), { caps: true });
      await store.put(session);
      expect(await store.get(session.id)).toBeDefined();
      await proxy.cut();
      await expect(store.get(session.id)).rejects.toThrow(PageSessionStoreError);
      await expect(store.put(newSession(sessionItems(3)))).rejects.toThrow(PageSessionStoreError);
      await expect(store.putTail(session.id, 3, ["x"])).rejects.toThrow(PageSessionStoreError);
    } finally {
      await store.close();
    }
  });
});
