// The behaviour every EventDeduplicator must have; run by memoryEventDeduplicator.test.ts and
// redisEventDeduplicator.int.test.ts. Ids are fresh per test (the Redis database is shared).
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { EventDeduplicatorError, type EventDeduplicator } from "../eventDeduplicator.ts";

export function describeEventDeduplicatorContract(name: string, create: () => Promise<EventDeduplicator>): void {
  describe(`EventDeduplicator contract: ${name}`, () => {
    const opened: EventDeduplicator[] = [];
    async function open(): Promise<EventDeduplicator> {
      const deduplicator = await create();
      opened.push(deduplicator);
      return deduplicator;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((deduplicator) => deduplicator.close()));
    });
    const ids = (count: number) => Array.from({ length: count }, () => `test-${randomUUID()}`);

    it("calls an id seen only once it is remembered", async () => {
      const deduplicator = await open();
      const [a, b, c] = ids(3);
      expect(await deduplicator.unseen([a!, b!])).toEqual([true, true]);
      // Asking writes nothing: still unseen.
      expect(await deduplicator.unseen([a!, b!])).toEqual([true, true]);
      await deduplicator.remember([a!, b!]);
      expect(await deduplicator.unseen([b!, c!, a!])).toEqual([false, true, false]);
    });

    it("forgets ids on request (as the TTL does)", async () => {
      const deduplicator = await open();
      const [a, b] = ids(2);
      await deduplicator.remember([a!, b!]);
      await deduplicator.forget([a!]);
      expect(await deduplicator.unseen([a!, b!])).toEqual([true, false]);
    });

    it("handles a full 1,000-id batch in one go, exactly", async () => {
      const deduplicator = await open();
      const first = ids(1_000);
      await deduplicator.remember(first);
      const mixed = [...first.slice(0, 500), ...ids(500)];
      expect(await deduplicator.unseen(mixed)).toEqual(mixed.map((_, index) => index >= 500));
    });

    it("accepts empty batches", async () => {
      const deduplicator = await open();
      expect(await deduplicator.unseen([])).toEqual([]);
      await deduplicator.remember([]);
      await deduplicator.forget([]);
    });

    it("remembers any string id, braces and all", async () => {
      const deduplicator = await open();
      const odd = `{weird}:${randomUUID()}:ünïcode`;
      expect(await deduplicator.unseen([odd])).toEqual([true]);
      await deduplicator.remember([odd]);
      expect(await deduplicator.unseen([odd])).toEqual([false]);
    });

    it("rejects calls once closed", async () => {
      const deduplicator = await open();
      await deduplicator.close();
      await expect(deduplicator.unseen(ids(1))).rejects.toBeInstanceOf(EventDeduplicatorError);
    });
  });
}
