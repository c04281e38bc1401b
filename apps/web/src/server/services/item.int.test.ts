import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ITEM_LIST_QUERY, type ItemListQuery } from "../../lib/item-list-query.ts";
import { creatorsMatchingName, itemWhere, listItems } from "./item.ts";

// Rows of this file carry a random prefix, so the shared test database may hold anything else.
const prefix = `webitem${Math.random().toString(36).slice(2, 8)}`;
const category = `${prefix}-cat`;
let db: Database;

function query(overrides: Partial<ItemListQuery>): ItemListQuery {
  return { ...DEFAULT_ITEM_LIST_QUERY, category, ...overrides };
}

async function ids(overrides: Partial<ItemListQuery>): Promise<string[]> {
  return (await listItems(db, query(overrides))).rows.map((row) => row.id);
}

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await db.creator.create({ data: { id: `${prefix}-creator`, name: "Zelda Kitchen" } });
  const base = Date.parse("2026-01-01T00:00:00Z");
  await db.item.createMany({
    data: [
      { id: `${prefix}-001`, title: "Pasta at home", category, creatorId: `${prefix}-creator`, publishedAt: new Date(base + 1000) },
      { id: `${prefix}-002`, title: "100% rye bread", category, publishedAt: new Date(base + 2000), available: false },
      { id: `${prefix}-003`, title: "Quiet mornings", category, tags: ["calm"], publishedAt: new Date(base + 3000) },
      // Same publish time as 003: the id decides the order.
      { id: `${prefix}-004`, title: "Loud evenings", category, publishedAt: new Date(base + 3000) },
    ],
  });
});

afterAll(async () => {
  await db.item.deleteMany({ where: { id: { startsWith: prefix } } });
  await db.creator.deleteMany({ where: { id: { startsWith: prefix } } });
  await db.$disconnect();
});

describe("listItems", () => {
  it("sorts by publish time with the id as tie-break, both ways", async () => {
    expect(await ids({})).toEqual([`${prefix}-004`, `${prefix}-003`, `${prefix}-002`, `${prefix}-001`]);
    expect(await ids({ sort: "published_asc" })).toEqual([`${prefix}-001`, `${prefix}-002`, `${prefix}-003`, `${prefix}-004`]);
  });

  it("searches id, title, category, creator id and creator name, ignoring case", async () => {
    expect(await ids({ q: `${prefix}-003`.toUpperCase() })).toEqual([`${prefix}-003`]);
    expect(await ids({ q: "PASTA" })).toEqual([`${prefix}-001`]);
    expect(await ids({ q: "zelda kitch" })).toEqual([`${prefix}-001`]);
    expect(await ids({ q: `${prefix}-creator` })).toEqual([`${prefix}-001`]);
    expect(await listItems(db, { ...DEFAULT_ITEM_LIST_QUERY, q: category })).toMatchObject({ total: 4 });
  });

  it("matches creator names the same whether it names the matching creators or joins them", async () => {
    for (const q of ["zelda", "KITCHEN", "Pasta", "no such creator"]) {
      const named = await creatorsMatchingName(db, q);
      expect(named).not.toBe("many");
      const byIds = await db.item.findMany({ where: itemWhere(query({ q }), named), select: { id: true }, orderBy: { id: "asc" } });
      const byJoin = await db.item.findMany({ where: itemWhere(query({ q }), "many"), select: { id: true }, orderBy: { id: "asc" } });
      expect(byIds).toEqual(byJoin);
    }
    expect(await creatorsMatchingName(db, "zelda kitchen")).toContain(`${prefix}-creator`);
  });

  it("treats % and _ in the search as text, not wildcards", async () => {
    expect(await ids({ q: "%" })).toEqual([`${prefix}-002`]);
    expect(await ids({ q: "_" })).toEqual([]);
  });

  it("filters by availability and category", async () => {
    expect(await ids({ availability: "unavailable" })).toEqual([`${prefix}-002`]);
    expect(await ids({ availability: "available" })).toHaveLength(3);
    expect(await ids({ category: `${prefix}-no-such-category` })).toEqual([]);
  });

  it("pages with an exact total and returns the creator and tags", async () => {
    const page = await listItems(db, query({ q: prefix, sort: "published_asc", pageSize: 25, page: 1 }));
    expect(page.total).toBe(4);
    expect(page.rows[0]).toMatchObject({
      id: `${prefix}-001`,
      creator: { id: `${prefix}-creator`, name: "Zelda Kitchen" },
      tags: [],
      available: true,
    });
    const beyond = await listItems(db, query({ page: 2 }));
    expect(beyond).toMatchObject({ rows: [], total: 4, page: 2 });
  });
});
