// The behaviour every EventStream must have. memoryEventStream.test.ts and
// redisEventStream.int.test.ts run this same suite, so the two implementations cannot drift.
// Each test gets a fresh stream (on Redis: fresh keys), so tests never see each other's entries.
import type { StreamEvent } from "@cascade/core";
import { afterEach, describe, expect, it } from "vitest";
import { EventStreamError, MissingGroupError, type EventStream, type StreamEntry } from "../eventStream.ts";
import { partitionOf } from "../streamPartition.ts";

export type CreateStream = (options: { partitions: number }) => Promise<EventStream>;

let sequence = 0;

export function streamEvent(overrides: Partial<StreamEvent> = {}): StreamEvent {
  sequence += 1;
  return {
    eventId: `ev-${sequence}`,
    type: "click",
    userId: `user-${sequence % 5}`,
    itemId: `item-${sequence % 3}`,
    occurredAt: 1_770_000_000_000 + sequence,
    receivedAt: 1_770_000_000_500 + sequence,
    ...overrides,
  };
}

/** Each group's pending and lag only (the other fields have their own test). */
const backlog = async (stream: EventStream) => (await stream.groupStatus()).map(({ group, pending, lag }) => ({ group, pending, lag }));

const eventIds = (entries: readonly StreamEntry[]) => entries.flatMap((entry) => entry.events.map((event) => event.eventId));

export function describeEventStreamContract(name: string, createStream: CreateStream): void {
  describe(`EventStream contract: ${name}`, () => {
    const opened: EventStream[] = [];
    async function open(partitions = 1): Promise<EventStream> {
      const stream = await createStream({ partitions });
      opened.push(stream);
      return stream;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
    });

    /** Everything new for the group on every partition, read by one consumer. */
    async function readAll(stream: EventStream, group: string, consumer: string): Promise<StreamEntry[]> {
      const entries: StreamEntry[] = [];
      for (let partition = 0; partition < stream.partitions; partition += 1) {
        entries.push(...(await stream.read(group, consumer, { partition, count: 1_000, from: "new" })));
      }
      return entries;
    }

    it("delivers every published event once per group, each user on one partition in publish order", async () => {
      const stream = await open(4);
      await stream.ensureGroup("g");
      const first = Array.from({ length: 30 }, () => streamEvent());
      const second = Array.from({ length: 30 }, () => streamEvent());
      await stream.publish(first);
      await stream.publish(second);

      const entries = await readAll(stream, "g", "c1");
      expect(eventIds(entries).sort()).toEqual([...first, ...second].map((event) => event.eventId).sort());
      for (const entry of entries) {
        for (const event of entry.events) expect(partitionOf(event.userId, 4)).toBe(entry.partition);
      }
      const user = first[0]!.userId;
      const ofUser = entries.flatMap((entry) => entry.events).filter((event) => event.userId === user);
      expect(ofUser.map((event) => event.eventId)).toEqual([...first, ...second].filter((event) => event.userId === user).map((event) => event.eventId));
      expect(await readAll(stream, "g", "c1")).toEqual([]);
    });

    it("carries events unchanged, optional fields included", async () => {
      const stream = await open();
      await stream.ensureGroup("g");
      const full = streamEvent({
        type: "watch",
        value: 12.5,
        requestId: "r-1",
        position: 3,
        surface: "home",
        propensity: 0.25,
        context: { device: "ios", ab: 2, beta: true },
      });
      const bare = streamEvent({ type: "impression" });
      await stream.publish([full, bare]);
      const [entry] = await stream.read("g", "c", { partition: 0, count: 10, from: "new" });
      expect(entry!.events).toEqual([full, bare]);
    });

    it("gives each group its own copy, and within a group each entry to one consumer", async () => {
      const stream = await open();
      await stream.ensureGroup("a");
      await stream.ensureGroup("b");
      await stream.publish([streamEvent()]);
      await stream.publish([streamEvent()]);

      const first = await stream.read("a", "c1", { partition: 0, count: 1, from: "new" });
      const second = await stream.read("a", "c2", { partition: 0, count: 10, from: "new" });
      expect(first).toHaveLength(1);
      expect(second).toHaveLength(1);
      expect(second[0]!.id).not.toBe(first[0]!.id);
      expect(await stream.read("b", "c1", { partition: 0, count: 10, from: "new" })).toHaveLength(2);
    });

    it("keeps unacknowledged entries pending for their consumer until acknowledged", async () => {
      const stream = await open();
      await stream.ensureGroup("g");
      await stream.publish([streamEvent(), streamEvent()]);
      await stream.publish([streamEvent()]);
      expect(await backlog(stream)).toEqual([{ group: "g", pending: 0, lag: 2 }]);

      const delivered = await stream.read("g", "c1", { partition: 0, count: 10, from: "new" });
      expect(delivered).toHaveLength(2);
      expect(await backlog(stream)).toEqual([{ group: "g", pending: 2, lag: 0 }]);

      // Redelivered to the same consumer on request, never to another one.
      expect(await stream.read("g", "c1", { partition: 0, count: 10, from: "pending" })).toEqual(delivered);
      expect(await stream.read("g", "c2", { partition: 0, count: 10, from: "pending" })).toEqual([]);

      expect(await stream.ack("g", [delivered[0]!])).toBe(1);
      expect(await stream.ack("g", [delivered[0]!])).toBe(0);
      expect(await stream.read("g", "c1", { partition: 0, count: 10, from: "pending" })).toEqual([delivered[1]]);
      expect(await backlog(stream)).toEqual([{ group: "g", pending: 1, lag: 0 }]);
    });

    it("counts every delivery of a pending entry (reads and reclaims), and 0 once acknowledged", async () => {
      const stream = await open();
      await stream.ensureGroup("g");
      await stream.publish([streamEvent()]);
      await stream.publish([streamEvent()]);
      const [first, second] = await stream.read("g", "c1", { partition: 0, count: 10, from: "new" });
      expect(await stream.deliveries("g", [first!, second!])).toEqual([1, 1]);
      await stream.read("g", "c1", { partition: 0, count: 1, from: "pending" });
      await stream.reclaim("g", "c2", { partition: 0, minIdleMs: 0, count: 1 });
      expect(await stream.deliveries("g", [first!, second!])).toEqual([3, 1]);
      await stream.ack("g", [first!]);
      expect(await stream.deliveries("g", [first!, second!])).toEqual([0, 1]);
      expect(await stream.deliveries("g", [])).toEqual([]);
    });

    it("lets another consumer reclaim entries idle long enough, and only those", async () => {
      const stream = await open();
      await stream.ensureGroup("g");
      await stream.publish([streamEvent()]);
      await stream.publish([streamEvent()]);
      const crashed = await stream.read("g", "dead", { partition: 0, count: 10, from: "new" });

      // Just delivered: not idle for a minute yet.
      expect(await stream.reclaim("g", "rescuer", { partition: 0, minIdleMs: 60_000, count: 10 })).toEqual([]);

      const reclaimed = await stream.reclaim("g", "rescuer", { partition: 0, minIdleMs: 0, count: 1 });
      expect(reclaimed).toEqual([crashed[0]]);
      expect(await stream.read("g", "rescuer", { partition: 0, count: 10, from: "pending" })).toEqual([crashed[0]]);
      expect(await stream.read("g", "dead", { partition: 0, count: 10, from: "pending" })).toEqual([crashed[1]]);

      expect(await stream.reclaim("g", "rescuer", { partition: 0, minIdleMs: 0, count: 10 })).toEqual(crashed);
      expect(await stream.read("g", "dead", { partition: 0, count: 10, from: "pending" })).toEqual([]);
      await stream.ack("g", reclaimed);
      expect(await backlog(stream)).toEqual([{ group: "g", pending: 1, lag: 0 }]);
    });

    it("tells on how many partitions each group exists and when its oldest unacknowledged entry was published (issue 13)", async () => {
      const stream = await open(2);
      await stream.ensureGroup("g");
      expect(await stream.groupStatus()).toEqual([{ group: "g", pending: 0, lag: 0, partitions: 2, oldestUnackedAt: null }]);
      const publishedFrom = Date.now();
      await stream.publish([streamEvent({ userId: "a" }), streamEvent({ userId: "b" }), streamEvent({ userId: "c" })]);
      const publishedTo = Date.now();
      const [waiting] = await stream.groupStatus();
      expect(waiting!.oldestUnackedAt).toBeGreaterThanOrEqual(publishedFrom - 1);
      expect(waiting!.oldestUnackedAt).toBeLessThanOrEqual(publishedTo + 1);
      const delivered = [0, 1].map((partition) => stream.read("g", "c", { partition, count: 10, from: "new" }));
      const entries = (await Promise.all(delivered)).flat();
      // Pending (delivered, not acknowledged) still counts as unacknowledged.
      expect((await stream.groupStatus())[0]!.oldestUnackedAt).toBe(waiting!.oldestUnackedAt);
      await stream.ack("g", entries);
      expect((await stream.groupStatus())[0]!.oldestUnackedAt).toBeNull();
    });

    it("fails with MissingGroupError when reading for a group that does not exist (issue 13)", async () => {
      const stream = await open();
      await stream.ensureGroup("g");
      await expect(stream.read("nobody", "c", { partition: 0, count: 1, from: "new" })).rejects.toBeInstanceOf(MissingGroupError);
      await expect(stream.reclaim("nobody", "c", { partition: 0, minIdleMs: 0, count: 1 })).rejects.toBeInstanceOf(MissingGroupError);
    });

    it("starts a new group at the oldest retained entry; creating a group again keeps its position", async () => {
      const stream = await open();
      await stream.ensureGroup("early");
      const before = streamEvent();
      await stream.publish([before]);
      await stream.ensureGroup("late");
      expect(eventIds(await stream.read("late", "c", { partition: 0, count: 10, from: "new" }))).toEqual([before.eventId]);

      await stream.ensureGroup("late");
      expect(await stream.read("late", "c", { partition: 0, count: 10, from: "new" })).toEqual([]);
      expect(await backlog(stream)).toEqual([
        { group: "early", pending: 0, lag: 1 },
        { group: "late", pending: 1, lag: 0 },
      ]);
    });

    it("trims only what every group has acknowledged", async () => {
      const stream = await open();
      await stream.ensureGroup("fast");
      await stream.ensureGroup("slow");
      const published: StreamEvent[] = [];
      for (let n = 0; n < 5; n += 1) {
        const event = streamEvent();
        published.push(event);
        await stream.publish([event]);
      }
      await stream.ack("fast", await stream.read("fast", "c", { partition: 0, count: 10, from: "new" }));
      // "slow" has not even read: nothing may go.
      expect(await stream.trim()).toBe(0);
      expect(await stream.length()).toBe(5);

      const slow = await stream.read("slow", "c", { partition: 0, count: 10, from: "new" });
      await stream.ack("slow", slow.slice(0, 2));
      await stream.trim();
      expect(await stream.length()).toBe(3);
      // The unacknowledged entries survive intact and can still be redelivered.
      expect(eventIds(await stream.read("slow", "c", { partition: 0, count: 10, from: "pending" }))).toEqual(published.slice(2).map((event) => event.eventId));

      await stream.ack("slow", slow.slice(2));
      await stream.trim();
      expect(await stream.length()).toBe(0);
    });

    it("does not trim without any consumer group", async () => {
      const stream = await open();
      await stream.publish([streamEvent()]);
      expect(await stream.trim()).toBe(0);
      expect(await stream.length()).toBe(1);
    });

    it("blocks a read of new entries until something is published, or until blockMs passes", async () => {
      const stream = await open();
      await stream.ensureGroup("g");
      expect(await stream.read("g", "c", { partition: 0, count: 10, from: "new", blockMs: 20 })).toEqual([]);

      const event = streamEvent();
      const waiting = stream.read("g", "c", { partition: 0, count: 10, from: "new", blockMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await stream.publish([event]);
      expect(eventIds(await waiting)).toEqual([event.eventId]);
    });

    it("publishes an empty batch as nothing", async () => {
      const stream = await open(2);
      await stream.ensureGroup("g");
      await stream.publish([]);
      expect(await stream.length()).toBe(0);
    });

    it("rejects reading a group that was never created", async () => {
      const stream = await open();
      await stream.publish([streamEvent()]);
      await expect(stream.read("missing", "c", { partition: 0, count: 1, from: "new" })).rejects.toBeInstanceOf(EventStreamError);
    });

    it("rejects bad arguments before touching the stream", async () => {
      const stream = await open(2);
      await expect(stream.read("g", "c", { partition: 2, count: 1, from: "new" })).rejects.toBeInstanceOf(RangeError);
      await expect(stream.read("g", "c", { partition: 0, count: 0, from: "new" })).rejects.toBeInstanceOf(RangeError);
      await expect(stream.ensureGroup("Bad Name")).rejects.toBeInstanceOf(RangeError);
    });

    it("rejects every call once closed", async () => {
      const stream = await open();
      await stream.close();
      await expect(stream.publish([streamEvent()])).rejects.toBeInstanceOf(EventStreamError);
      await expect(stream.groupStatus()).rejects.toBeInstanceOf(EventStreamError);
    });
  });
}
