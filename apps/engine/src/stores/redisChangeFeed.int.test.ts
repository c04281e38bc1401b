// The Redis store's change feed across processes and failures: writes through one store are
// reported to a watch on another (as a consumer's writes reach every engine), only on the same
// database, and a watch whose Redis went away says so (live false) and comes back by itself. The
// restart runs on a redis-server of the test's own (testing/redisServer.ts), never the shared one.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisAnswers, redisServer, type RedisServer } from "../testing/redisServer.ts";
import { storeKey, type EntityChangeListener, type OnlineStore } from "./onlineStore.ts";
import { createRedisOnlineStore } from "./redisOnlineStore.ts";

const sharedUrl = process.env.TEST_REDIS_URL!;

function recordingListener(): EntityChangeListener & { ids: Set<string>; states: boolean[] } {
  const ids = new Set<string>();
  const states: boolean[] = [];
  return { ids, states, changed: (changed) => changed.forEach((id) => ids.add(id)), live: (isLive) => void states.push(isLive) };
}

/** Waits until `condition` holds (running `attempt` before each look), or fails past the deadline. */
async function until(condition: () => boolean, deadlineMs: number, what: string, attempt?: () => Promise<void>): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  for (;;) {
    await attempt?.();
    if (condition()) return;
    if (Date.now() > giveUpAt) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, attempt ? 100 : 10));
  }
}

/** The same URL on another database number. */
function otherDatabase(url: string): string {
  const parsed = new URL(url);
  const database = Number(parsed.pathname.replace(/^\//, "") || "0");
  parsed.pathname = `/${database === 14 ? 13 : 14}`;
  return parsed.toString();
}

describe("the Redis store's change feed", () => {
  it("reports writes made through another store on the same database, and not those on another database", async () => {
    const kind = `feed${randomUUID().slice(0, 8)}`;
    const engine = await createRedisOnlineStore({ url: sharedUrl, changeProbeIntervalMs: 100 });
    const consumer = await createRedisOnlineStore({ url: sharedUrl });
    const elsewhere = await createRedisOnlineStore({ url: otherDatabase(sharedUrl) });
    const keys = ["same-db", "other-db"].map((id) => storeKey(`${kind}:${id}`, "d60"));
    const listener = recordingListener();
    const watch = await engine.watchChanges(kind, listener);
    try {
      await until(() => listener.states.at(-1) === true, 5_000, "live");
      await elsewhere.applyUpdates([{ hashIncrements: [{ key: keys[1]!, increments: { f: 1 } }] }]);
      await consumer.applyUpdates([{ hashIncrements: [{ key: keys[0]!, increments: { f: 1 } }] }]);
      await until(() => listener.ids.has("same-db"), 5_000, "the same database's write reported");
      // Published before the other write, on the same server: it would have arrived first.
      expect(listener.ids.has("other-db")).toBe(false);
    } finally {
      await watch.close();
      await Promise.all([consumer.delete([keys[0]!]), elsewhere.delete([keys[1]!])]);
      await Promise.all([engine.close(), consumer.close(), elsewhere.close()]);
    }
  });

  describe("across a restart of Redis", () => {
    let redis: RedisServer;
    let engine: OnlineStore;
    let consumer: OnlineStore;

    beforeAll(async () => {
      let port = 6391;
      while (await redisAnswers(port)) if (++port > 6420) throw new Error("no free loopback port for redis-server");
      redis = redisServer(port);
      await redis.start();
      engine = await createRedisOnlineStore({ url: redis.url, changeProbeIntervalMs: 100 });
      consumer = await createRedisOnlineStore({ url: redis.url });
    });

    afterAll(async () => {
      await Promise.all([engine?.close(), consumer?.close()]);
      await redis?.dispose();
    });

    it("says it is not live while Redis is down, and live again, reporting writes, once it is back", async () => {
      const listener = recordingListener();
      const watch = await engine.watchChanges("i", listener);
      try {
        await until(() => listener.states.at(-1) === true, 5_000, "live at first");
        await redis.stop({ save: false });
        // 2.5 probe intervals without a probe back, and the next check.
        await until(() => listener.states.at(-1) === false, 5_000, "not live once Redis is down");
        await redis.start();
        await until(() => listener.states.at(-1) === true, 15_000, "live again after the restart");
        // The consumer's write after the restart (its own connection reconnects on the first retry).
        await until(
          () => listener.ids.has("after-restart"),
          15_000,
          "a write after the restart reported",
          async () => {
            await consumer.applyUpdates([{ hashIncrements: [{ key: storeKey("i:after-restart", "d60"), increments: { f: 1 } }] }]).catch(() => undefined);
          },
        );
        expect(listener.states).toEqual([true, false, true]);
      } finally {
        await watch.close();
      }
    });

    it("says it is not live after the database is flushed (no connection drops, no probe is missed), then live again", async () => {
      const listener = recordingListener();
      const watch = await engine.watchChanges("i", listener);
      const admin = new Redis(redis.url);
      try {
        await until(() => listener.states.at(-1) === true, 5_000, "live at first");
        // A few checks while live: the marker is kept, not taken for a flush.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(listener.states).toEqual([true]);
        await admin.flushall();
        await until(() => listener.states.length >= 3, 5_000, "not live, then live again, after FLUSHALL");
        expect(listener.states.slice(0, 3)).toEqual([true, false, true]);
      } finally {
        admin.disconnect();
        await watch.close();
      }
    });
  });
});
