import type { StreamEvent } from "@cascade/core";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { OnlineStoreError } from "../../stores/onlineStore.ts";
import { startConsumerRunner, type ConsumerHandler, type ConsumerRunner, type ConsumerRunnerOptions, type DeadLetterBatch } from "./consumerRunner.ts";
import { streamEvent } from "../stream/testing/eventStreamContract.ts";
import type { EventStream } from "../stream/eventStream.ts";
import { createMemoryEventStream } from "../stream/memoryEventStream.ts";

const logger = pino({ level: "silent" });
const runners: ConsumerRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
});

async function setUp(): Promise<EventStream> {
  const stream = createMemoryEventStream({ partitions: 1 });
  await stream.ensureGroup("g");
  return stream;
}

function start(stream: EventStream, handler: ConsumerHandler, consumer = "c", options: Partial<ConsumerRunnerOptions> = {}): ConsumerRunner {
  const runner = startConsumerRunner({
    stream,
    group: "g",
    consumer,
    partition: 0,
    handler,
    logger,
    blockMs: 10,
    backoffInitialMs: 1,
    backoffMaxMs: 5,
    ...options,
  });
  runners.push(runner);
  return runner;
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 2));
}

const ids = (events: readonly StreamEvent[]) => events.map((event) => event.eventId);

describe("consumer runner", () => {
  it("hands every batch to the handler and acknowledges it afterwards", async () => {
    const stream = await setUp();
    const seen: string[] = [];
    const published = [streamEvent(), streamEvent(), streamEvent()];
    await stream.publish(published.slice(0, 2));
    await stream.publish(published.slice(2));
    const runner = start(stream, async ({ events }) => {
      seen.push(...ids(events));
    });
    await until(() => seen.length === 3);
    await until(async () => (await stream.groupStatus())[0]!.pending === 0);
    expect(seen).toEqual(ids(published));
    expect(runner.stats()).toMatchObject({ entries: 2, failures: 0 });
  });

  it("does not acknowledge a failed batch: it retries it, before newer entries, until it succeeds", async () => {
    const stream = await setUp();
    const first = streamEvent();
    const second = streamEvent();
    await stream.publish([first]);
    let attempts = 0;
    const handled: string[][] = [];
    const runner = start(stream, async ({ events }) => {
      handled.push(ids(events));
      attempts += 1;
      if (attempts <= 2) {
        // While the first batch keeps failing, a newer entry arrives: it must wait its turn.
        if (attempts === 1) await stream.publish([second]);
        throw new Error("sink down");
      }
    });
    await until(() => handled.length >= 4);
    expect(handled.slice(0, 4)).toEqual([[first.eventId], [first.eventId], [first.eventId], [second.eventId]]);
    expect(runner.stats()).toMatchObject({ failures: 2, consecutiveFailures: 0, lastError: "sink down" });
    await until(async () => (await stream.groupStatus())[0]!.pending === 0);
  });

  it("takes over the entries a dead consumer left pending", async () => {
    const stream = await setUp();
    const orphan = streamEvent();
    await stream.publish([orphan]);
    await stream.read("g", "dead", { partition: 0, count: 10, from: "new" });
    const seen: string[] = [];
    const runner = start(
      stream,
      async ({ events }) => {
        seen.push(...ids(events));
      },
      "rescuer",
      { reclaimIdleMs: 0, reclaimEveryMs: 0 },
    );
    await until(() => seen.length > 0);
    expect(seen).toEqual([orphan.eventId]);
    expect(runner.stats().reclaimed).toBe(1);
    await until(async () => (await stream.groupStatus())[0]!.pending === 0);
  });

  it("stops only after the batch in progress is handled and acknowledged", async () => {
    const stream = await setUp();
    await stream.publish([streamEvent()]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const runner = start(stream, async () => {
      entered = true;
      await gate;
    });
    await until(() => entered);
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await stream.groupStatus())[0]).toMatchObject({ pending: 0, lag: 0 });
    expect(runner.stats().batches).toBe(1);
  });

  it("quarantines a poison entry after maxDeliveries: its bad event is dead-lettered, every good event flows", async () => {
    const stream = await setUp();
    const [before, poison, besidePoison, after] = [streamEvent(), streamEvent(), streamEvent(), streamEvent()];
    await stream.publish([before]);
    await stream.publish([poison, besidePoison]);
    await stream.publish([after]);
    const handled = new Set<string>();
    const dead: DeadLetterBatch[] = [];
    const handler: ConsumerHandler = async ({ events }) => {
      if (events.some((event) => event.eventId === poison.eventId)) throw new TypeError("cannot read property of undefined");
      for (const event of events) handled.add(event.eventId);
    };
    const runner = start(stream, handler, "c", { maxDeliveries: 3, deadLetter: async (batch) => void dead.push(batch) });
    await until(async () => (await stream.groupStatus())[0]!.pending === 0 && handled.size === 3);
    expect([...handled].sort()).toEqual(ids([before, besidePoison, after]).sort());
    expect(dead).toHaveLength(1);
    expect(dead[0]!.deliveries).toBeGreaterThanOrEqual(3);
    expect(dead[0]!.failed).toEqual([{ event: poison, reason: "cannot read property of undefined" }]);
    expect(runner.stats()).toMatchObject({ quarantinedEntries: 1, deadLetteredEvents: 1 });
  });

  it("never dead-letters during a dependency outage, however many deliveries it takes", async () => {
    const stream = await setUp();
    const event = streamEvent();
    await stream.publish([event]);
    let attempts = 0;
    const dead: DeadLetterBatch[] = [];
    const handled: string[] = [];
    const handler: ConsumerHandler = async ({ events }) => {
      attempts += 1;
      if (attempts <= 8) throw new OnlineStoreError("Redis unavailable: connect ECONNREFUSED");
      handled.push(...ids(events));
    };
    const runner = start(stream, handler, "c", { backoffMaxMs: 2, maxDeliveries: 2, deadLetter: async (batch) => void dead.push(batch) });
    await until(() => handled.length === 1);
    expect(handled).toEqual([event.eventId]);
    expect(dead).toEqual([]);
    expect(runner.stats()).toMatchObject({ failures: 8, quarantinedEntries: 0 });
  });
});
