import { describe, expect, it } from "vitest";
import { describeEventStreamContract, streamEvent } from "./testing/eventStreamContract.ts";
import { createMemoryEventStream } from "./memoryEventStream.ts";

describeEventStreamContract("memory", async ({ partitions }) => createMemoryEventStream({ partitions }));

describe("memory event stream", () => {
  it("measures idleness with its clock: an entry becomes reclaimable once idle long enough", async () => {
    let now = 1_000;
    const stream = createMemoryEventStream({ partitions: 1, now: () => now });
    await stream.ensureGroup("g");
    await stream.publish([streamEvent()]);
    const [entry] = await stream.read("g", "dead", { partition: 0, count: 1, from: "new" });
    now += 29_999;
    expect(await stream.reclaim("g", "rescuer", { partition: 0, minIdleMs: 30_000, count: 10 })).toEqual([]);
    now += 1;
    expect(await stream.reclaim("g", "rescuer", { partition: 0, minIdleMs: 30_000, count: 10 })).toEqual([entry]);
    await stream.close();
  });

  it("keeps entry ids increasing when the clock stands still or goes back", async () => {
    let now = 5_000;
    const stream = createMemoryEventStream({ partitions: 1, now: () => now });
    await stream.ensureGroup("g");
    await stream.publish([streamEvent()]);
    await stream.publish([streamEvent()]);
    now -= 1_000;
    await stream.publish([streamEvent()]);
    const ids = (await stream.read("g", "c", { partition: 0, count: 10, from: "new" })).map((entry) => entry.id);
    expect(ids).toEqual(["5000-0", "5000-1", "5000-2"]);
    await stream.close();
  });

  it("drops acknowledged entries by itself, so memory stays bounded", async () => {
    const stream = createMemoryEventStream({ partitions: 1 });
    await stream.ensureGroup("g");
    for (let n = 0; n < 3_000; n += 1) await stream.publish([streamEvent()]);
    const entries = await stream.read("g", "c", { partition: 0, count: 5_000, from: "new" });
    await stream.ack("g", entries);
    expect(await stream.length()).toBe(0);
    await stream.publish([streamEvent()]);
    expect(await stream.read("g", "c", { partition: 0, count: 10, from: "new" })).toHaveLength(1);
    await stream.close();
  });

  it("hands out frozen events: one group cannot change what another receives", async () => {
    const stream = createMemoryEventStream({ partitions: 1 });
    await stream.ensureGroup("g");
    await stream.publish([streamEvent({ context: { a: 1 } })]);
    const [entry] = await stream.read("g", "c", { partition: 0, count: 1, from: "new" });
    expect(Object.isFrozen(entry!.events[0])).toBe(true);
    expect(Object.isFrozen(entry!.events[0]!.context)).toBe(true);
    await stream.close();
  });
});
