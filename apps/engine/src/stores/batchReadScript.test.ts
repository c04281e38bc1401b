import { describe, expect, it } from "vitest";
import { KEYS_PER_CALL, batchReadArguments, entityReadArguments, hashFromFlat, membersFromFlat, planBatchReadCalls } from "./batchReadScript.ts";

describe("batch read script calls", () => {
  it("keeps every key once, hashes before sorted sets, at most KEYS_PER_CALL keys per call", () => {
    const hashes = Array.from({ length: KEYS_PER_CALL + 10 }, (_, index) => `h${index}`);
    const sortedSets = Array.from({ length: KEYS_PER_CALL }, (_, index) => ({ key: `z${index}`, limit: (index % 5) + 1 }));
    const calls = planBatchReadCalls(hashes, sortedSets);
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.hashKeys.length + call.sortedSets.length).toBeLessThanOrEqual(KEYS_PER_CALL);
    // Concatenated in call order, the replies come back as hashes then sorted sets, in request order.
    expect(calls.flatMap((call) => call.hashKeys)).toEqual(hashes);
    expect(calls.flatMap((call) => call.sortedSets)).toEqual(sortedSets);
    expect(calls[1]!.hashKeys).toHaveLength(10);
  });

  it("passes the key count, the keys, the hash count and each sorted set's limit", () => {
    expect(batchReadArguments({ hashKeys: ["a", "b"], sortedSets: [{ key: "z", limit: 7 }] })).toEqual([3, "a", "b", "z", 2, 7]);
    expect(batchReadArguments({ hashKeys: [], sortedSets: [] })).toEqual([0, 0]);
  });

  it("passes an entity read as no keys, the key prefix, the names and limits, and the ids as one string", () => {
    expect(entityReadArguments("cascade:{i:", ["d60", "w"], [{ name: "z", limit: 3 }], ["a", "b:c", ""])).toEqual([
      0,
      "cascade:{i:",
      2,
      "d60",
      "w",
      1,
      "z",
      3,
      "a\nb:c\n",
    ]);
    expect(entityReadArguments("p", [], [], ["x"])).toEqual([0, "p", 0, 0, "x"]);
  });

  it("decodes flat replies", () => {
    expect(hashFromFlat(["click", "3", "trend", "0.5"], Number)).toEqual({ click: 3, trend: 0.5 });
    expect(membersFromFlat(["b", "30", "a", "10"], Number)).toEqual([
      { member: "b", score: 30 },
      { member: "a", score: 10 },
    ]);
    expect(hashFromFlat([], Number)).toEqual({});
  });
});
