import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { EventStreamError } from "./eventStream.ts";
import { describeEventStreamContract, streamEvent } from "./testing/eventStreamContract.ts";
import { createRedisEventStream } from "./redisEventStream.ts";

const redisUrl = process.env.TEST_REDIS_URL!;
const names: string[] = [];
const redis = new Redis(redisUrl);

/** A stream under a fresh name, so tests never share keys (the Redis database is shared). */
function freshName(): string {
  const name = `test-${randomUUID()}`;
  names.push(name);
  return name;
}

afterAll(async () => {
  for (const name of names) {
    const keys = await redis.keys(`cascade:{${name}:*}`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

describeEventStreamContract("redis", async ({ partitions }) => createRedisEventStream({ url: redisUrl, partitions, name: freshName() }));

describe("redis event stream", () => {
  it("keeps one hash-tagged key per partition", async () => {
    const name = freshName();
    const stream = await createRedisEventStream({ url: redisUrl, partitions: 3, name });
    await stream.ensureGroup("g");
    expect((await redis.keys(`cascade:{${name}:*}`)).sort()).toEqual([0, 1, 2].map((partition) => `cascade:{${name}:${partition}}`));
    await stream.close();
  });

  it("trims on publish (XADD MINID ~) once every group has acknowledged, never a pending entry", async () => {
    const name = freshName();
    const stream = await createRedisEventStream({ url: redisUrl, partitions: 1, name, retentionRefreshMs: 20 });
    await stream.ensureGroup("fast");
    await stream.ensureGroup("slow");
    // Enough entries to fill several of Redis's internal nodes (100 entries each), which `~` trims whole.
    for (let n = 0; n < 500; n += 1) await stream.publish([streamEvent()]);
    await stream.ack("fast", await stream.read("fast", "c", { partition: 0, count: 1_000, from: "new" }));
    const slow = await stream.read("slow", "c", { partition: 0, count: 1_000, from: "new" });
    const key = `cascade:{${name}:0}`;

    // "slow" acknowledged nothing: however often the boundary is refreshed, publishing trims nothing.
    for (let n = 0; n < 20; n += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await stream.publish([streamEvent()]);
    }
    expect(await redis.xlen(key)).toBe(520);

    await stream.ack("slow", slow);
    // Publish until the refreshed boundary reaches XADD (bounded: a few refresh periods).
    let length = await redis.xlen(key);
    for (let attempt = 0; attempt < 200 && length >= 500; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await stream.publish([streamEvent()]);
      length = await redis.xlen(key);
    }
    expect(length).toBeLessThan(500);
    // The entries "slow" has not been delivered yet (the 20 + the later ones) are all still there.
    const rest = await stream.read("slow", "c", { partition: 0, count: 10_000, from: "new" });
    expect(rest.length).toBeGreaterThanOrEqual(20);
    expect(await redis.xrange(key, "-", "+", "COUNT", 1)).not.toEqual([]);
    await stream.close();
  });

  it("fails with EventStreamError when Redis is unreachable", async () => {
    await expect(createRedisEventStream({ url: "redis://127.0.0.1:1", connectTimeoutMs: 500 })).rejects.toBeInstanceOf(EventStreamError);
  });
});
