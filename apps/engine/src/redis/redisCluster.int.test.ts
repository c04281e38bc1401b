// The Redis stores on a real Redis Cluster (six local redis-server processes, started once for the
// file): the same contract suites as on a single Redis, plus what only a cluster can show (slots,
// keys spread over the masters, detection).
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEventDeduplicatorContract } from "../events/dedup/testing/eventDeduplicatorContract.ts";
import { createRedisEventDeduplicator } from "../events/dedup/redisEventDeduplicator.ts";
import { EventStreamError } from "../events/stream/eventStream.ts";
import { describeEventStreamContract, streamEvent } from "../events/stream/testing/eventStreamContract.ts";
import { createRedisEventStream } from "../events/stream/redisEventStream.ts";
import { describeOnlineStoreContract } from "../stores/testing/onlineStoreContract.ts";
import { OnlineStoreError, storeKey, type EntityUpdate } from "../stores/onlineStore.ts";
import { createRedisOnlineStore } from "../stores/redisOnlineStore.ts";
import { closeRedis, connectRedis } from "./redisConnection.ts";
import { keySlot } from "./redisPipeline.ts";
import { startLocalRedisCluster, type LocalRedisCluster } from "./testing/localRedisCluster.ts";

let cluster: LocalRedisCluster;
let streams = 0;

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ firstPort: 17000 });
});

afterAll(async () => {
  await cluster?.stop();
});

const url = () => cluster.url;
const toError = (message: string) => new Error(message);

describeOnlineStoreContract("redis cluster", () => createRedisOnlineStore({ url: url() }));
describeEventStreamContract("redis cluster", ({ partitions }) => createRedisEventStream({ url: url(), partitions, name: `contract-${(streams += 1)}` }));
describeEventDeduplicatorContract("redis cluster", () => createRedisEventDeduplicator({ url: url() }));

/** DBSIZE of each master. */
async function keysPerMaster(): Promise<number[]> {
  const client = (await connectRedis({ url: url() }, toError)) as Cluster;
  try {
    return await Promise.all(client.nodes("master").map((node) => node.dbsize()));
  } finally {
    await closeRedis(client);
  }
}

describe("on a Redis Cluster", () => {
  it("detects the cluster from the URL (a single Redis stays a single Redis), and refuses a database other than 0", async () => {
    const client = await connectRedis({ url: url() }, toError);
    expect(client).toBeInstanceOf(Cluster);
    expect((client as Cluster).nodes("master")).toHaveLength(3);
    await closeRedis(client);
    const single = await connectRedis({ url: process.env.TEST_REDIS_URL! }, toError);
    expect(single).toBeInstanceOf(Redis);
    await closeRedis(single);
    await expect(connectRedis({ url: `${url()}/3` }, toError)).rejects.toThrow(/only database 0/);
  });

  it("computes the slot of a key as the cluster does (hash tags, empty tags, non-ASCII)", async () => {
    const keys = ["foo", "cascade:{u:42}:recent", "cascade:{events:0}", "{}x", "a{b}c{d}", "{evt:é-ü}", "cascade:{i:item-7}:counts", "{", "}{x}"];
    for (const key of keys) expect(keySlot(key)).toBe(Number((await cluster.cli(cluster.ports[0]!, "CLUSTER", "KEYSLOT", key)).trim()));
  });

  it("applies entity updates of many entities in one batch (slots on every master), each once", async () => {
    const store = await createRedisOnlineStore({ url: url() });
    const before = await keysPerMaster();
    const updates: EntityUpdate[] = Array.from({ length: 300 }, (_, n) => ({
      ledger: { key: storeKey(`u:spread-${n}`, "ledger"), ids: [`e${n}`], atMs: Date.now(), retentionMs: 60_000 },
      hashIncrements: [{ key: storeKey(`u:spread-${n}`, "counts"), increments: { clicks: 1 } }],
    }));
    try {
      expect(new Set(await store.applyUpdates(updates))).toEqual(new Set(["applied"]));
      expect(new Set(await store.applyUpdates(updates))).toEqual(new Set(["duplicate"]));
      const after = await keysPerMaster();
      // 600 new keys, spread over all three masters.
      expect(after.reduce((sum, size) => sum + size, 0) - before.reduce((sum, size) => sum + size, 0)).toBe(600);
      after.forEach((size, index) => expect(size).toBeGreaterThan(before[index]!));
      const read = await store.readBatch({ hashes: updates.map((_, n) => storeKey(`u:spread-${n}`, "counts")), sortedSets: [] });
      expect(read.hashes.every((hash) => hash.clicks === 1)).toBe(true);
      expect(await store.delete(updates.flatMap((update) => [update.ledger!.key, update.hashIncrements![0]!.key]))).toBe(600);
    } finally {
      await store.close();
    }
  });

  it("reads a batch mixing several keys of one slot (one script call) with lone keys (plain commands), in request order", async () => {
    const store = await createRedisOnlineStore({ url: url() });
    const shared = (name: string) => storeKey("u:mixed", name);
    const lone = (n: number) => storeKey(`i:lone-${n}`, "counts");
    try {
      await store.writeHashes([
        { key: shared("a"), values: { x: 1 } },
        { key: shared("b"), values: { y: 2 } },
        ...[0, 1, 2].map((n) => ({ key: lone(n), values: { n } })),
      ]);
      await store.incrementSortedSets([
        { key: shared("top"), member: "m1", by: 5 },
        { key: shared("top"), member: "m2", by: 7 },
        { key: storeKey("i:lone-set", "top"), member: "z", by: 1.5 },
      ]);
      const read = await store.readBatch({
        hashes: [lone(0), shared("a"), lone(1), shared("b"), lone(2), storeKey("u:absent", "a")],
        sortedSets: [
          { key: storeKey("i:lone-set", "top"), limit: 5 },
          { key: shared("top"), limit: 1 },
          { key: shared("top"), limit: 0 },
          { key: shared("top"), limit: 10 },
        ],
      });
      expect(read.hashes).toEqual([{ n: 0 }, { x: 1 }, { n: 1 }, { y: 2 }, { n: 2 }, {}]);
      expect(read.sortedSets).toEqual([
        [{ member: "z", score: 1.5 }],
        [{ member: "m2", score: 7 }],
        [],
        [
          { member: "m2", score: 7 },
          { member: "m1", score: 5 },
        ],
      ]);
    } finally {
      await store.close();
    }
  });

  it("spreads the stream's partitions over the masters and consumes all of them", async () => {
    const stream = await createRedisEventStream({ url: url(), partitions: 16, name: "spread" });
    try {
      await stream.ensureGroup("g");
      const client = (await connectRedis({ url: url() }, toError)) as Cluster;
      const masters = new Set(Array.from({ length: 16 }, (_, partition) => client.slots[keySlot(`cascade:{spread:${partition}}`)]![0]));
      await closeRedis(client);
      expect(masters.size).toBe(3);
      const events = Array.from({ length: 200 }, (_, n) => streamEvent({ eventId: `spread-${n}`, userId: `user-${n}` }));
      await stream.publish(events);
      expect(await stream.length()).toBe(16);
      const read = [];
      for (let partition = 0; partition < 16; partition += 1) read.push(...(await stream.read("g", "c", { partition, count: 100, from: "new" })));
      expect(read.flatMap((entry) => entry.events.map((event) => event.eventId)).sort()).toEqual(events.map((event) => event.eventId).sort());
      expect(await stream.ack("g", read)).toBe(16);
      expect((await stream.groupStatus()).map(({ group, pending, lag, partitions }) => ({ group, pending, lag, partitions }))).toEqual([
        { group: "g", pending: 0, lag: 0, partitions: 16 },
      ]);
    } finally {
      await stream.close();
    }
  });
});

describe("when a master fails", () => {
  it("serves the slot again from the promoted replica, with what was written before", async () => {
    const store = await createRedisOnlineStore({ url: url() });
    const client = (await connectRedis({ url: url() }, toError)) as Cluster;
    try {
      // An entity on a master other than the URL's node (the later tests connect through that one).
      const seed = `127.0.0.1:${cluster.ports[0]}`;
      const entity = Array.from({ length: 50 }, (_, n) => `u:failover-${n}`).find((name) => client.slots[keySlot(name)]![0] !== seed)!;
      const master = client.slots[keySlot(entity)]![0]!;
      const key = storeKey(entity, "counts");
      await store.writeHashes([{ key, values: { clicks: 3 } }]);
      // Replicated before the crash (replication is asynchronous).
      const masterNode = client.nodes("master").find((node) => `${node.options.host}:${node.options.port}` === master)!;
      expect(await masterNode.call("WAIT", "1", "5000")).toBe(1);
      await cluster.kill(Number(master.split(":")[1]));

      // Until the replica is promoted (cluster-node-timeout 5 s) the store fails calls, it does not hang them.
      let read: unknown;
      for (let attempt = 0; attempt < 300 && read === undefined; attempt += 1) {
        try {
          read = (await store.readHashes([key]))[0];
        } catch (error) {
          expect(error).toBeInstanceOf(OnlineStoreError);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(read).toEqual({ clicks: 3 });
      expect(await store.incrementHashes([{ key, increments: { clicks: 1 } }])).toEqual([{ clicks: 4 }]);
    } finally {
      await closeRedis(client);
      await store.close();
    }
  });
});

// Last: it stops the cluster.
describe("with the cluster gone", () => {
  it("fails every call with the store's own error instead of queueing it", async () => {
    const store = await createRedisOnlineStore({ url: url() });
    const stream = await createRedisEventStream({ url: url(), partitions: 4, name: "gone" });
    const key = storeKey("u:gone", "counts");
    await store.writeHashes([{ key, values: { clicks: 1 } }]);
    // A blocking read first: its connection of its own is up when the cluster goes.
    await stream.ensureGroup("g");
    expect(await stream.read("g", "c", { partition: 0, count: 10, from: "new", blockMs: 20 })).toEqual([]);
    await cluster.stop();
    try {
      await expect(store.readHashes([key])).rejects.toBeInstanceOf(OnlineStoreError);
      await expect(store.ping()).rejects.toBeInstanceOf(OnlineStoreError);
      await expect(store.applyUpdates([{ hashIncrements: [{ key, increments: { clicks: 1 } }] }])).rejects.toBeInstanceOf(OnlineStoreError);
      await expect(stream.publish([streamEvent()])).rejects.toBeInstanceOf(EventStreamError);
      await expect(stream.read("g", "c", { partition: 0, count: 10, from: "new", blockMs: 20 })).rejects.toBeInstanceOf(EventStreamError);
      await expect(createRedisOnlineStore({ url: url(), connectTimeoutMs: 500 })).rejects.toBeInstanceOf(OnlineStoreError);
    } finally {
      await Promise.all([store.close(), stream.close()]);
    }
  });
});
