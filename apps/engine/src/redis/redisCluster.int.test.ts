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

// Last: it stops the cluster.
describe("with the cluster gone", () => {
  it("fails every call with the store's own error instead of queueing it", async () => {
    const store = await createRedisOnlineStore({ url: url() });
    const stream = await createRedisEventStream({ url: url(), partitions: 4, name: "gone" });
    const key = storeKey("u:gone", "counts");
    await store.writeHashes([{ key, values: { clicks: 1 } }]);
    await cluster.stop();
    try {
      await expect(store.readHashes([key])).rejects.toBeInstanceOf(OnlineStoreError);
      await expect(store.ping()).rejects.toBeInstanceOf(OnlineStoreError);
      await expect(store.applyUpdates([{ hashIncrements: [{ key, increments: { clicks: 1 } }] }])).rejects.toBeInstanceOf(OnlineStoreError);
      await expect(stream.publish([streamEvent()])).rejects.toBeInstanceOf(EventStreamError);
      await expect(createRedisOnlineStore({ url: url(), connectTimeoutMs: 500 })).rejects.toBeInstanceOf(OnlineStoreError);
    } finally {
      await Promise.all([store.close(), stream.close()]);
    }
  });
});
