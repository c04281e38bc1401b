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

    it("claims an id once: the first claim wins, later ones are duplicates", async () => {
      const deduplicator = await open();
      const [a, b, c] = ids(3);
      expect(await deduplicator.claim([a!, b!])).toEqual([true, true]);
      expect(await deduplicator.claim([b!, c!, a!])).toEqual([false, true, false]);
    });

    it("lets exactly one of two concurrent claims win each id", async () => {
      const deduplicator = await open();
      const batch = ids(50);
      const [first, second] = await Promise.all([deduplicator.claim(batch), deduplicator.claim(batch)]);
      first.forEach((won, index) => expect(won).not.toBe(second[index]));
    });

    it("releases claims so that a retry is not a duplicate", async () => {
      const deduplicator = await open();
      const [a, b] = ids(2);
      await deduplicator.claim([a!, b!]);
      await deduplicator.release([a!]);
      expect(await deduplicator.claim([a!, b!])).toEqual([true, false]);
    });

    it("claims a full 1,000-id batch in one go, exactly", async () => {
      const deduplicator = await open();
      const first = ids(1_000);
      expect(await deduplicator.claim(first)).toEqual(first.map(() => true));
      const mixed = [...first.slice(0, 500), ...ids(500)];
      expect(await deduplicator.claim(mixed)).toEqual(mixed.map((_, index) => index >= 500));
    });

    it("accepts empty batches", async () => {
      const deduplicator = await open();
      expect(await deduplicator.claim([])).toEqual([]);
      await deduplicator.release([]);
    });

    it("claims any string id, braces and all", async () => {
      const deduplicator = await open();
      const odd = `{weird}:${randomUUID()}:ünïcode`;
      expect(await deduplicator.claim([odd])).toEqual([true]);
      expect(await deduplicator.claim([odd])).toEqual([false]);
    });

    it("rejects calls once closed", async () => {
      const deduplicator = await open();
      await deduplicator.close();
      await expect(deduplicator.claim(ids(1))).rejects.toBeInstanceOf(EventDeduplicatorError);
    });
  });
}
