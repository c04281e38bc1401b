// The train/serve guarantee at unit level: state built online (batches delivered out of order, with
// redeliveries, idempotent writes on the wall clock) and state replayed offline (the log in time
// order on the replay clock) give the same vectors at the same times.
import { describe, expect, it } from "vitest";
import { createMemoryOnlineStore } from "../../stores/memoryOnlineStore.ts";
import { readOnlineFeatures } from "../../features/onlineFeatureReader.ts";
import { applyEventsToOnlineStore } from "../../features/onlineFeatureWriter.ts";
import { featureRegistry } from "../../features/registry.ts";
import { testEventHistory, testItemCategories } from "../../features/testing/featureTestEvents.ts";
import { FeatureReplay } from "./featureReplay.ts";

const START = Date.UTC(2026, 0, 5, 8);

describe("offline replay vs online store", () => {
  it("agree on every feature at every read time", async () => {
    const events = testEventHistory({ startMs: START, count: 600, seed: 11 });
    const lastMs = events[events.length - 1]!.occurredAt;
    const readTimes = Array.from({ length: 12 }, (_, index) => Math.floor(START + ((index + 1) / 12) * (lastMs - START)) + 1);

    let clock = START;
    const online = createMemoryOnlineStore({ now: () => clock });
    const replay = new FeatureReplay({ itemCategories: testItemCategories });
    let delivered = 0;
    let replayed = 0;
    let compared = 0;
    for (const at of readTimes) {
      // Online: everything before `at`, in reversed batches of 7, half of them delivered twice.
      clock = at;
      const end = events.findIndex((event) => event.occurredAt >= at);
      const due = events.slice(delivered, end === -1 ? events.length : end);
      for (let offset = 0; offset < due.length; offset += 7) {
        const batch = due.slice(offset, offset + 7).reverse();
        await applyEventsToOnlineStore(online, batch, new Date(at), { itemCategories: testItemCategories });
        if (offset % 14 === 0) await applyEventsToOnlineStore(online, batch, new Date(at), { itemCategories: testItemCategories });
      }
      delivered += due.length;
      // Offline: the same events in time order, one run of equal timestamps at a time.
      while (replayed < events.length && events[replayed]!.occurredAt < at) {
        const run = events.filter((event) => event.occurredAt === events[replayed]!.occurredAt);
        await replay.apply(run, run[0]!.occurredAt);
        replayed += run.length;
      }

      for (const userId of ["user-1", "user-2", "user-3"]) {
        const itemIds = ["item-a", "item-b", "item-c", "item-d"];
        const served = await readOnlineFeatures(online, { userId, itemIds, at: new Date(at) }, { itemCategories: testItemCategories });
        const recomputed = await replay.read(userId, itemIds, at);
        served.forEach((vector, index) => {
          for (const name of featureRegistry.names) {
            const a = vector.features[name]!;
            const b = recomputed[index]!.features[name]!;
            expect(Math.abs(a - b), `${name} for ${userId}/${vector.itemId} at ${new Date(at).toISOString()}: ${a} vs ${b}`).toBeLessThanOrEqual(
              1e-9 * Math.max(1, Math.abs(a)),
            );
            compared += 1;
          }
          expect(vector.defaulted).toEqual(recomputed[index]!.defaulted);
        });
      }
    }
    expect(delivered).toBe(replayed);
    expect(compared).toBeGreaterThan(1_000);
    await online.close();
    await replay.close();
  });

  it("refuses to go back in time", async () => {
    const replay = new FeatureReplay({ itemCategories: testItemCategories });
    await replay.read("u", ["item-a"], 1_000);
    await expect(replay.apply([], 999)).rejects.toThrow(RangeError);
    await replay.close();
  });
});
