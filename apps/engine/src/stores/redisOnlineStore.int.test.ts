import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createOnlineStore } from "./index.ts";
import { describeOnlineStoreContract } from "./testing/onlineStoreContract.ts";
import { OnlineStoreError, storeKey } from "./onlineStore.ts";
import { createRedisOnlineStore } from "./redisOnlineStore.ts";

const redisUrl = process.env.TEST_REDIS_URL!;

describeOnlineStoreContract("redis", () => createRedisOnlineStore({ url: redisUrl }));

describe("redis online store", () => {
  it("namespaces keys under cascade: with the entity as hash tag", async () => {
    const store = await createOnlineStore({ redisUrl });
    const entity = `test:${randomUUID()}`;
    const raw = new Redis(redisUrl);
    try {
      await store.pushToCappedLists([{ key: storeKey(entity, "recent"), values: ["i1"], maxLength: 5 }]);
      expect(await raw.lrange(`cascade:{${entity}}:recent`, 0, -1)).toEqual(["i1"]);
    } finally {
      await raw.del(`cascade:{${entity}}:recent`);
      raw.disconnect();
      await store.close();
    }
  });

  it("rejects with a catchable OnlineStoreError when Redis is unreachable", async () => {
    // Port 1 on loopback refuses connections at once.
    await expect(createOnlineStore({ redisUrl: "redis://127.0.0.1:1/0" })).rejects.toThrow(OnlineStoreError);
  });
});
