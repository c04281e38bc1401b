import { describe, expect, it } from "vitest";
import { compareUtf8, createMemoryOnlineStore } from "./memoryOnlineStore.ts";
import { describeOnlineStoreContract } from "./testing/onlineStoreContract.ts";
import { storeKey } from "./onlineStore.ts";

describeOnlineStoreContract("memory", async () => createMemoryOnlineStore());

describe("memory online store", () => {
  it("expires keys by its clock, without waiting", async () => {
    let now = 1_000;
    const store = createMemoryOnlineStore({ now: () => now });
    const key = storeKey("u:1", "counters");
    await store.writeHashes([{ key, values: { n: 1 }, ttlMs: 500 }]);
    now += 499;
    expect(await store.ttl(key)).toBe(1);
    expect(await store.readHashes([key])).toEqual([{ n: 1 }]);
    now += 1;
    expect(await store.readHashes([key])).toEqual([{}]);
    expect(await store.ttl(key)).toBeNull();
    await store.close();
  });
});

describe("compareUtf8", () => {
  it("orders by code point, like UTF-8 bytes", () => {
    expect(compareUtf8("a", "b")).toBeLessThan(0);
    expect(compareUtf8("ab", "a")).toBeGreaterThan(0);
    expect(compareUtf8("same", "same")).toBe(0);
    expect(compareUtf8("\uFF5E", "\u{1F600}")).toBeLessThan(0);
    expect(Buffer.compare(Buffer.from("\uFF5E"), Buffer.from("\u{1F600}"))).toBeLessThan(0);
  });
});
