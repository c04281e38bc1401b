import { describe, expect, it } from "vitest";
import { parseInteractionTable } from "./interactionTable.ts";

describe("parseInteractionTable", () => {
  it("reads a RecBole atomic file by its header, whatever the column order", () => {
    const table = parseInteractionTable(
      "item_id:token\tuser_id:token\ttimestamp:float\trating:float\n242\t196\t881250949\t3\n302\t186\t891717742\t4.5\n",
      "ml.inter",
    );
    expect(table.users).toEqual(["196", "186"]);
    expect(table.items).toEqual(["242", "302"]);
    expect([...table.ratings]).toEqual([3, 4.5]);
    expect([...table.timestamps]).toEqual([881250949, 891717742]);
  });

  it("reads headerless u.data (tabs), ratings.dat (::) and a user,item CSV without rating or time", () => {
    expect(parseInteractionTable("196\t242\t3\t881250949\n", "u.data").items).toEqual(["242"]);
    expect([...parseInteractionTable("1::1193::5::978300760\n", "ratings.dat").ratings]).toEqual([5]);
    const csv = parseInteractionTable("userId,movieId\nu1,m9\r\nu2,m3\n\n", "pairs.csv");
    expect(csv.users).toEqual(["u1", "u2"]);
    expect([...csv.lines]).toEqual([2, 3]);
    expect([...csv.ratings].every(Number.isNaN)).toBe(true);
    expect([...csv.timestamps]).toEqual([0, 0]);
  });

  it("names the file, line and field of bad input", () => {
    expect(() => parseInteractionTable("user,item,rating\n1,2,4\n3,4,good\n", "t.csv")).toThrow('t.csv line 3: rating "good" is not a number');
    expect(() => parseInteractionTable("1,2\n3\n", "t.csv")).toThrow(/t\.csv line 2: expected a user and an item/);
    expect(() => parseInteractionTable("user,when\nx,1\n", "t.csv")).toThrow(/line 1: header .* names no user and item columns/);
    expect(() => parseInteractionTable("\n\n", "empty.csv")).toThrow("empty.csv: no rows");
  });
});
