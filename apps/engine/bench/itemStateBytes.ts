// Heap bytes a cached item state holds (a script, not a test):
//   node --expose-gc --import tsx apps/engine/bench/itemStateBytes.ts [--states 100000] [--out bench-results/item-state-bytes.json]
//
// Builds `--states` item states the way the request path does (itemStatesFrom over the item
// counters' read shape: the 6-hour and 3-day decayed-sum hashes, 2 and 3 fields), keeps them, and
// prints the heap they retain per state after full collections: the hashes themselves, and the
// state's own structure around them (what caching/shapedMap.ts cut). Each such state lives in the
// item state cache for its TTL, long enough to be promoted: these bytes are what the old
// generation takes in per cached item with data.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { counterReadShape, itemStatesFrom } from "../src/caching/itemStateCache.ts";
import { featureRegistry } from "../src/features/registry.ts";

const { values } = parseArgs({
  options: { states: { type: "string", default: "100000" }, out: { type: "string", default: "bench-results/item-state-bytes.json" } },
});
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("run with node --expose-gc");
const count = Number(values.states);
const shape = counterReadShape(featureRegistry.counters.item, Date.UTC(2026, 11, 7));
const itemIds = Array.from({ length: count }, (_, index) => `item-${index}`);

function heapAfterCollections(): number {
  collect!();
  collect!();
  return process.memoryUsage().heapUsed;
}

const atStart = heapAfterCollections();
// Field names as the decayed sums write them (counter id and era); values not integers, as decayed sums are.
const hashes = itemIds.flatMap((_, index) =>
  shape.hashNames.map((name, k) => Object.fromEntries(Array.from({ length: 2 + k }, (_, field) => [`c${field}:${name}:${index % 5}`, 0.5 + index + field]))),
);
const withHashes = heapAfterCollections();
const states = itemStatesFrom(shape, itemIds, hashes, 0, [], 0);
const withStates = heapAfterCollections();
const result = {
  states: count,
  hashNames: shape.hashNames,
  bytesPerStateHashes: Math.round((withHashes - atStart) / count),
  bytesPerStateStructure: Math.round((withStates - withHashes) / count),
};
if (states.length !== count) throw new Error("states lost");
console.log(JSON.stringify(result));
const out = resolve(values.out);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
