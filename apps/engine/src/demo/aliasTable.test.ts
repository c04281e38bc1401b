import { describe, expect, it } from "vitest";
import { buildAliasTable } from "./aliasTable.ts";
import { createRandom } from "@cascade/core";

function frequencies(sample: () => number, size: number, draws: number): number[] {
  const counts = new Array<number>(size).fill(0);
  for (let n = 0; n < draws; n += 1) counts[sample()]! += 1;
  return counts.map((count) => count / draws);
}

describe("buildAliasTable", () => {
  it("draws each index in proportion to its weight, never a zero weight", () => {
    const weights = [1, 0, 3, 6, 0.5, 0];
    const table = buildAliasTable(weights);
    const random = createRandom(9);
    const observed = frequencies(() => table.sample(random), weights.length, 200_000);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    weights.forEach((weight, index) => expect(observed[index]).toBeCloseTo(weight / total, 2));
    expect(observed[1]).toBe(0);
    expect(observed[5]).toBe(0);
  });

  it("samples a subset given by member indices and returns the members", () => {
    const weights = [100, 1, 1, 2];
    const table = buildAliasTable(weights, Int32Array.from([1, 3]));
    const random = createRandom(2);
    const observed = frequencies(() => table.sample(random), weights.length, 60_000);
    expect(observed[0]).toBe(0);
    expect(observed[1]).toBeCloseTo(1 / 3, 2);
    expect(observed[3]).toBeCloseTo(2 / 3, 2);
  });

  it("handles heavy-tailed weights", () => {
    const weights = Array.from({ length: 1_000 }, (_, index) => 1 / (index + 1));
    const table = buildAliasTable(weights);
    const random = createRandom(4);
    const observed = frequencies(() => table.sample(random), weights.length, 200_000);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    expect(observed[0]).toBeCloseTo(1 / total, 2);
  });

  it("rejects tables that cannot be sampled", () => {
    expect(() => buildAliasTable([])).toThrow(/at least one/);
    expect(() => buildAliasTable([0, 0])).toThrow(/sum to zero/);
    expect(() => buildAliasTable([1, Number.NaN])).toThrow(/weight 1/);
    expect(() => buildAliasTable([1, -1])).toThrow(/weight 1/);
  });
});
