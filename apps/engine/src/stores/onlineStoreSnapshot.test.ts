import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryOnlineStore, type MemoryOnlineStore, type StoredEntry } from "./memoryOnlineStore.ts";
import { storeKey } from "./onlineStore.ts";
import { readOnlineStoreSnapshot, SNAPSHOT_VERSION, SnapshotUnusableError, writeOnlineStoreSnapshot, type SnapshotMetadata } from "./onlineStoreSnapshot.ts";

const NOW = 1_780_000_000_000;
const METADATA: SnapshotMetadata = { takenAt: NOW, watermark: "123456789012", watermarkEventId: "evt-9", watermarkAt: NOW - 30_000, features: "f1" };

/** A store holding every kind of entry, odd field names and numbers included. */
async function filledStore(now: () => number = () => NOW): Promise<MemoryOnlineStore> {
  const store = createMemoryOnlineStore({ now });
  await store.writeHashes([
    { key: storeKey("u:1", "counters"), values: { clicks: 3, "weird field \u{1F600}": -0.000123, big: 1e300, __proto__: 7 } },
    { key: storeKey("i:é", "counters"), values: { n: 0.1 + 0.2 }, ttlMs: 60_000 },
  ]);
  await store.incrementSortedSets([
    { key: storeKey("u:1", "recent"), member: "item-b", by: 2.5 },
    { key: storeKey("u:1", "recent"), member: "item-a", by: 2.5 },
    { key: storeKey("u:1", "applied"), member: "evt-1", by: NOW - 5, ttlMs: 3_600_000 },
  ]);
  await store.pushToCappedLists([{ key: storeKey("u:1", "history"), values: ["x", "y", "x"], maxLength: 10 }]);
  return store;
}

function sortedEntries(store: MemoryOnlineStore): StoredEntry[] {
  return [...store.exportEntries()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

describe("online store snapshot", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cascade-snapshot-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips every key, value, order and expiry exactly", async () => {
    const source = await filledStore();
    const file = join(dir, "online-store", "snapshot.jsonl.gz");
    const written = await writeOnlineStoreSnapshot(file, source, METADATA);
    expect(written.entries).toBe(5);
    const { metadata, entries } = await readOnlineStoreSnapshot(file, "f1");
    expect(metadata).toEqual(METADATA);
    const restored = createMemoryOnlineStore({ now: () => NOW });
    restored.importEntries(entries);
    expect(sortedEntries(restored)).toEqual(sortedEntries(source));
    // Read through the store's API too: values, sorted-set order, TTLs.
    expect(await restored.readHashes([storeKey("u:1", "counters")])).toEqual(await source.readHashes([storeKey("u:1", "counters")]));
    expect(await restored.topOfSortedSet(storeKey("u:1", "recent"), 10)).toEqual([
      { member: "item-b", score: 2.5 },
      { member: "item-a", score: 2.5 },
    ]);
    expect(await restored.ttl(storeKey("i:é", "counters"))).toBe(60_000);
    expect(await restored.readLists([storeKey("u:1", "history")], 10)).toEqual([["x", "y", "x"]]);
    // Nothing but the snapshot is left in the folder (the temporary file was renamed).
    expect(await readdir(join(dir, "online-store"))).toEqual(["snapshot.jsonl.gz"]);
    await source.close();
    await restored.close();
  });

  it("leaves out keys that expired before the snapshot, and drops those expired by load time", async () => {
    let now = NOW;
    const source = await filledStore(() => now);
    now += 30_000;
    await source.writeHashes([{ key: storeKey("u:2", "counters"), values: { n: 1 }, ttlMs: 1_000 }]);
    now += 1_000;
    const file = join(dir, "snapshot.jsonl.gz");
    expect((await writeOnlineStoreSnapshot(file, source, METADATA)).entries).toBe(5);
    const { entries } = await readOnlineStoreSnapshot(file, "f1");
    const later = createMemoryOnlineStore({ now: () => NOW + 61_000 });
    later.importEntries(entries);
    expect(later.size()).toBe(4);
    expect(await later.readHashes([storeKey("i:é", "counters")])).toEqual([{}]);
  });

  it("refuses a missing, truncated, altered, other-version or other-features file, naming why", async () => {
    const file = join(dir, "snapshot.jsonl.gz");
    const reason = (promise: Promise<unknown>) =>
      promise.then(
        () => "accepted",
        (error: unknown) => (error instanceof SnapshotUnusableError ? `${error.reason}: ${error.message}` : `threw ${String(error)}`),
      );
    expect(await reason(readOnlineStoreSnapshot(file, "f1"))).toMatch(/^missing/);

    await writeOnlineStoreSnapshot(file, await filledStore(), METADATA);
    const good = await readFile(file);
    const text = gunzipSync(good).toString();
    const lines = text.trimEnd().split("\n");

    await writeFile(file, good.subarray(0, good.length - 20));
    expect(await reason(readOnlineStoreSnapshot(file, "f1"))).toMatch(/^corrupt: unreadable/);

    await writeFile(file, gzipSync(lines.slice(0, -2).join("\n") + "\n"));
    expect(await reason(readOnlineStoreSnapshot(file, "f1"))).toMatch(/^corrupt: truncated: 4 of 5 entries/);

    await writeFile(file, gzipSync(text.replace('"clicks":3', '"clicks":4')));
    expect(await reason(readOnlineStoreSnapshot(file, "f1"))).toMatch(/^corrupt: digest mismatch/);

    await writeFile(file, gzipSync(text.replace(`"version":${SNAPSHOT_VERSION}`, `"version":${SNAPSHOT_VERSION + 1}`)));
    expect(await reason(readOnlineStoreSnapshot(file, "f1"))).toMatch(new RegExp(`^version: format version ${SNAPSHOT_VERSION + 1}`));

    await writeFile(file, good);
    expect(await reason(readOnlineStoreSnapshot(file, "f2"))).toMatch(/^features: written under other feature definitions or another clock/);

    await writeFile(file, gzipSync([lines[0], '["k","hash",null,{"n":"NaN"}]', ...lines.slice(2)].join("\n") + "\n"));
    expect(await reason(readOnlineStoreSnapshot(file, "f1"))).toBe("corrupt: line 2: not a valid entry");

    await writeFile(file, "not gzip at all");
    expect(await reason(readOnlineStoreSnapshot(file, "f1"))).toMatch(/^corrupt/);
  });

  it("keeps the previous snapshot when a write fails", async () => {
    const file = join(dir, "snapshot.jsonl.gz");
    const store = await filledStore();
    await writeOnlineStoreSnapshot(file, store, METADATA);
    await store.close();
    // A closed store cannot be captured: the write fails before touching the file.
    await expect(writeOnlineStoreSnapshot(file, store, { ...METADATA, watermark: "1" })).rejects.toThrow(/closed/);
    expect((await readOnlineStoreSnapshot(file, "f1")).metadata.watermark).toBe(METADATA.watermark);
    expect(await readdir(dir)).toEqual(["snapshot.jsonl.gz"]);
  });
});
