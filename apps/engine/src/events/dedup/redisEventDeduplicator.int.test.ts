import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { EventDeduplicatorError } from "./eventDeduplicator.ts";
import { describeEventDeduplicatorContract } from "./testing/eventDeduplicatorContract.ts";
import { claimKey, createRedisEventDeduplicator } from "./redisEventDeduplicator.ts";

const redisUrl = process.env.TEST_REDIS_URL!;
const redis = new Redis(redisUrl);
afterAll(() => redis.disconnect());

describeEventDeduplicatorContract("redis", async () => createRedisEventDeduplicator({ url: redisUrl }));

describe("redis event deduplicator", () => {
  it("keeps each remembered id under its own hash-tagged key, with the TTL", async () => {
    const deduplicator = await createRedisEventDeduplicator({ url: redisUrl, ttlMs: 90_000 });
    const eventId = `test-ttl-${Date.now()}`;
    await deduplicator.unseen([eventId]);
    expect(await redis.exists(claimKey(eventId))).toBe(0);
    await deduplicator.remember([eventId]);
    expect(claimKey(eventId)).toBe(`cascade:{evt:${eventId}}`);
    const ttl = await redis.pttl(claimKey(eventId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(90_000);
    await deduplicator.forget([eventId]);
    expect(await redis.exists(claimKey(eventId))).toBe(0);
    await deduplicator.close();
  });

  it("fails with EventDeduplicatorError when Redis is unreachable", async () => {
    await expect(createRedisEventDeduplicator({ url: "redis://127.0.0.1:1", connectTimeoutMs: 500 })).rejects.toBeInstanceOf(EventDeduplicatorError);
  });
});
