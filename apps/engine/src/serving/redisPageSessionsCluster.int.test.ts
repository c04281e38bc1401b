// Page sessions on a Redis Cluster (a local six-node one): the same contract as on one server, and
// sessions spread over the masters, each readable and extendable (tails) from another store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalRedisCluster, type LocalRedisCluster } from "../redis/testing/localRedisCluster.ts";
import { createRedisPageSessionStore } from "./redisPageSessions.ts";
import { describePageSessionStoreContract, newSession, sessionItems } from "./testing/pageSessionStoreContract.ts";

let cluster: LocalRedisCluster;

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ firstPort: 17100 });
});

afterAll(async () => {
  await cluster?.stop();
});

describePageSessionStoreContract("redis cluster", ({ ttlMs }) => createRedisPageSessionStore({ url: cluster.url, ttlMs }));

describe("page sessions on a Redis Cluster", () => {
  it("land on every master, each read back and given tails through another connection", async () => {
    const a = await createRedisPageSessionStore({ url: cluster.url, ttlMs: 60_000 });
    const b = await createRedisPageSessionStore({ url: cluster.url, ttlMs: 60_000 });
    try {
      const sessions = Array.from({ length: 30 }, () => newSession(sessionItems(50), { caps: true }));
      await Promise.all(sessions.map((session) => a.put(session)));
      await Promise.all(sessions.map((session) => b.putTail(session.id, 10, ["i8-xxxxxxxxx", "i9-xxxxxxxxx"])));
      for (const session of sessions) {
        const stored = await a.get(session.id);
        expect(stored?.items.itemAt(49)).toEqual(session.items.itemAt(49));
        expect(stored?.caps?.tails.get(10)).toEqual(["i8-xxxxxxxxx", "i9-xxxxxxxxx"]);
      }
      const masters = cluster.ports.slice(0, 3);
      const keysPerMaster = await Promise.all(masters.map(async (port) => Number((await cluster.cli(port, "DBSIZE")).trim())));
      expect(keysPerMaster.filter((count) => count > 0).length, `keys per master: ${keysPerMaster.join(", ")}`).toBe(3);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
