import { describe, expect, it } from "vitest";
import { encodeEntityUpdate, type JsonTokens } from "./entityUpdateScript.ts";
import { storeKey, type EntityUpdate, type StoreKey } from "./onlineStore.ts";

const key = (name: string) => storeKey("u:42", name);

function encode(update: EntityUpdate): { declared: StoreKey[]; elements: unknown[]; appended: boolean } {
  const declared: StoreKey[] = [];
  const tokens: JsonTokens = [];
  const appended = encodeEntityUpdate(update, (k) => declared.push(k), tokens);
  return { declared, elements: JSON.parse(`[${tokens.join(",")}]`) as unknown[], appended };
}

describe("encodeEntityUpdate", () => {
  const update: EntityUpdate = {
    ledger: { key: key("applied"), ids: ['e"1', "e2"], atMs: 5_000, retentionMs: 1_000 },
    hashDeletes: [{ key: key("old"), fields: ["x|1"] }],
    hashIncrements: [
      {
        key: key("w60x5:9"),
        increments: { clicks: 2, watch: 1.5 },
        ttlMs: 60_000,
        expireWhen: "created",
        clearWhenCreated: { clicks: ["clicks|0", "clicks|-1"] },
      },
    ],
    sortedSetMaxes: [{ key: key("recent"), member: "item\\7", score: 12.25, keep: 50, ttlMs: 9_000 }],
  };

  it("declares every key the update touches, and refers to keys only by their declared position", () => {
    const { declared, elements } = encode(update);
    expect(new Set(declared)).toEqual(new Set([key("applied"), key("old"), key("w60x5:9"), key("recent")]));
    // Key names never travel in ARGV: the only strings are ops, ids, fields, members and fractional numbers.
    for (const name of declared) expect(elements).not.toContain(name);
  });

  it("writes the flat layout the script reads: ledger, ops length, then the ops, with exact values", () => {
    const { declared, elements } = encode(update);
    const at = (k: StoreKey) => declared.indexOf(k) + 1;
    expect(elements).toEqual([
      at(key("applied")),
      2,
      'e"1',
      "e2",
      5_000,
      4_000,
      1_000,
      elements.length - 8,
      "D",
      at(key("old")),
      1,
      "x|1",
      "I",
      at(key("w60x5:9")),
      60_000,
      1,
      2,
      "clicks",
      2,
      2,
      "clicks|0",
      "clicks|-1",
      "watch",
      "1.5",
      0,
      "Z",
      at(key("recent")),
      50,
      9_000,
      1,
      "item\\7",
      "12.25",
    ]);
  });

  it("sends a run of writes to one set (same keep and expiry) as one op, and a change of either as another", () => {
    const write = { key: key("recent"), keep: 50, ttlMs: 9_000 };
    const { declared, elements } = encode({
      sortedSetMaxes: [
        { ...write, member: "a", score: 1 },
        { ...write, member: "b", score: 2.5 },
        { ...write, member: "c", score: 3, ttlMs: 10_000 },
        { ...write, key: key("other"), member: "d", score: 4 },
      ],
    });
    expect(elements).toEqual([
      0,
      elements.length - 2,
      "Z",
      declared.indexOf(key("recent")) + 1,
      50,
      9_000,
      2,
      "a",
      "1",
      "b",
      "2.5",
      "Z",
      declared.lastIndexOf(key("recent")) + 1,
      50,
      10_000,
      1,
      "c",
      "3",
      "Z",
      declared.indexOf(key("other")) + 1,
      50,
      9_000,
      1,
      "d",
      "4",
    ]);
  });

  it("marks an update whose ledger was maintained lately (no upkeep), and one without a ledger", () => {
    expect(encode({ ...update, ledger: { ...update.ledger!, maintain: false } }).elements.slice(0, 7)).toEqual([
      expect.any(Number),
      2,
      'e"1',
      "e2",
      5_000,
      -1,
      1_000,
    ]);
    const { elements } = encode({ sortedSetMaxes: update.sortedSetMaxes! });
    expect(elements.slice(0, 2)).toEqual([0, 7]);
  });

  it("appends nothing for an update that names no key", () => {
    expect(encode({ hashIncrements: [{ key: key("h"), increments: {} }], hashDeletes: [{ key: key("d"), fields: [] }] })).toEqual({
      declared: [],
      elements: [],
      appended: false,
    });
  });
});
