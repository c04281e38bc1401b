import { describe, expect, it } from "vitest";
import { keySlot } from "./redisPipeline.ts";

describe("keySlot", () => {
  it("is CRC16/XMODEM of the key mod 16384 (the Redis Cluster specification's vectors)", () => {
    // CRC16/XMODEM("123456789") = 0x31C3.
    expect(keySlot("123456789")).toBe(0x31c3);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("")).toBe(0);
  });

  it("hashes only the first non-empty {hash tag}", () => {
    expect(keySlot("cascade:{u:42}:recent")).toBe(keySlot("u:42"));
    expect(keySlot("cascade:{u:42}:counts")).toBe(keySlot("cascade:{u:42}:recent"));
    expect(keySlot("a{b}c{d}")).toBe(keySlot("b"));
    // An empty tag, or a { without }, hashes the whole key.
    expect(keySlot("{}x")).not.toBe(keySlot("x"));
    expect(keySlot("{}x")).toBe(keySlot("{}x"));
    expect(keySlot("{x")).not.toBe(keySlot("x"));
  });
});
