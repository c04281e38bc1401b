// Real data-set layouts into real PostgreSQL: a generated ML-100K-shaped directory and a generic
// play-count CSV with an items file, each imported twice (the second run stores nothing new),
// with items created for events that name them and genres becoming category and tags.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPositiveFor } from "./positiveSpec.ts";
import { silentProgress } from "../telemetry/progress.ts";
import { importInteractionLog, type InteractionLogOptions } from "./interactionLog.ts";
import { openImportSinks } from "./importSinks.ts";
import { importMovieLens, ML100K_GENRES } from "./movieLens.ts";

const databaseUrl = () => process.env.TEST_DATABASE_URL!;
const quietLogger = { warn: () => undefined };
const run = `ds${randomUUID().slice(0, 6)}`;
let dir: string;
let sql: pg.Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-datasets-int-"));
  sql = new pg.Client({ connectionString: databaseUrl() });
  await sql.connect();
});
afterAll(async () => {
  await sql.end();
  await rm(dir, { recursive: true, force: true });
});

const count = async (query: string, values: unknown[] = []) => Number((await sql.query<{ n: string }>(query, values)).rows[0]!.n);

async function withSinks<T>(work: (sinks: Awaited<ReturnType<typeof openImportSinks>>["sinks"]) => Promise<T>): Promise<T> {
  const open = await openImportSinks(databaseUrl(), quietLogger);
  try {
    return await work(open.sinks);
  } finally {
    await open.close();
  }
}

/** An ML-100K-shaped directory: 30 movies (one without genres), 12 users, 10 ratings each, plus ratings of a movie u.item lacks. */
async function writeMl100kShaped(at: string): Promise<{ ratings: number; stars: number }> {
  await mkdir(at, { recursive: true });
  const movies = Array.from({ length: 30 }, (_, index) => {
    const id = index + 1;
    const genres = ML100K_GENRES.map((genre, at) => (id === 30 ? (at === 0 ? "1" : "0") : at === 1 + (id % 18) || at === 1 + ((id * 7) % 18) ? "1" : "0"));
    return `${id}|Movie ${id} (19${60 + id})|01-Jan-19${60 + id}||http://example.org/${id}|${genres.join("|")}`;
  });
  await writeFile(join(at, "u.item"), Buffer.from(movies.join("\n") + "\n", "latin1"));
  await writeFile(
    join(at, "u.user"),
    Array.from({ length: 12 }, (_, index) => `${index + 1}|${20 + index}|${index % 2 ? "F" : "M"}|writer|0000${index}`).join("\n") + "\n",
  );
  const lines: string[] = [];
  let stars = 0;
  for (let user = 1; user <= 12; user += 1) {
    for (let k = 0; k < 10; k += 1) {
      const rating = 1 + ((user + k) % 5);
      stars += rating;
      lines.push(`${user}\t${1 + ((user * 7 + k) % 30)}\t${rating}\t${880000000 + user * 1000 + k}`);
    }
  }
  lines.push(`1\t31\t4\t880999999`, `2\t31\t5\t881000000`);
  stars += 9;
  lines.push("3\t5\tbad\t880000000");
  await writeFile(join(at, "u.data"), lines.join("\n") + "\n");
  return { ratings: 122, stars };
}

describe("ML-100K layout", () => {
  it("imports movies with genres, users and ratings, creates the missing movie, and re-imports nothing", async () => {
    const at = join(dir, "ml-100k");
    const written = await writeMl100kShaped(at);
    const prefix = `${run}a`;
    const load = () => withSinks((sinks) => importMovieLens(at, sinks, { mapping: { idPrefix: prefix }, eventBatchSize: 50, progress: silentProgress }));

    const first = await load();
    expect(first.layout.format).toBe("ml-100k");
    expect(first.summaries.map(({ entity, imported, rejected }) => ({ entity, imported, rejected }))).toEqual([
      { entity: "items", imported: 30, rejected: 0 },
      { entity: "users", imported: 12, rejected: 0 },
      { entity: "events", imported: written.ratings, rejected: 1 },
    ]);
    expect(first.summaries[2]).toMatchObject({ itemsCreated: 1, rejections: [{ line: 123, field: "value" }] });

    const stored = await sql.query<{ n: string; stars: number }>(
      "SELECT count(*) AS n, sum(value) AS stars FROM events WHERE user_id LIKE $1 AND type = 'rating'",
      [`${prefix}-user-%`],
    );
    expect(Number(stored.rows[0]!.n)).toBe(written.ratings);
    expect(stored.rows[0]!.stars).toBeCloseTo(written.stars * 2, 6); // stars on the API's 0–10 scale
    const movie = await sql.query("SELECT title, category, tags, published_at FROM items WHERE id = $1", [`${prefix}-movie-1`]);
    expect(movie.rows[0]).toEqual({
      title: "Movie 1 (1961)",
      category: ML100K_GENRES[2],
      tags: [ML100K_GENRES[2], ML100K_GENRES[8]],
      published_at: new Date("1961-01-01T00:00:00Z"),
    });
    expect((await sql.query("SELECT category, tags FROM items WHERE id = $1", [`${prefix}-movie-30`])).rows[0]).toEqual({ category: "unknown", tags: [] });
    const placeholder = await sql.query("SELECT category, published_at, attributes FROM items WHERE id = $1", [`${prefix}-movie-31`]);
    expect(placeholder.rows[0]).toEqual({ category: "unknown", published_at: new Date(880999999_000), attributes: { source: "movielens", placeholder: true } });
    expect(await count("SELECT count(*) AS n FROM users WHERE id LIKE $1 AND attributes->>'occupation' = 'writer'", [`${prefix}-user-%`])).toBe(12);

    const itemsBefore = (await sql.query("SELECT id, updated_at FROM items WHERE id LIKE $1 ORDER BY id", [`${prefix}-%`])).rows;
    const second = await load();
    expect(second.summaries.map(({ imported, created, updated }) => ({ imported, created, updated }))).toEqual([
      { imported: 30, created: 0, updated: 0 },
      { imported: 12, created: 0, updated: 0 },
      { imported: 0, created: undefined, updated: undefined },
    ]);
    expect(second.summaries[2]).toMatchObject({ duplicates: written.ratings, itemsCreated: 0, rejected: 1 });
    expect((await sql.query("SELECT id, updated_at FROM items WHERE id LIKE $1 ORDER BY id", [`${prefix}-%`])).rows).toEqual(itemsBefore);
    expect(await count("SELECT count(*) AS n FROM events WHERE user_id LIKE $1", [`${prefix}-user-%`])).toBe(written.ratings);
  });
});

describe("generic interaction log", () => {
  it("keeps play counts, takes genres from the items file, creates unlisted items without touching existing ones, and re-imports nothing", async () => {
    const prefix = `${run}b`;
    // An item the catalogue already holds (with real metadata) that the log names but the items file does not.
    await withSinks((sinks) =>
      sinks.catalog!.write("items", [{ id: `${prefix}-item-known`, title: "Known", category: "jazz", publishedAt: "2001-01-01T00:00:00Z" }]),
    );
    const log = join(dir, "plays.csv");
    await writeFile(
      log,
      [
        "listener,artist,plays,listened_at",
        "alice,radiohead,42,2010-03-01T10:00:00Z",
        "alice,bjork,3,2010-03-02T10:00:00Z",
        "bob,radiohead,1,2010-03-02T11:00:00Z",
        "bob,known,7,2010-03-03T11:00:00Z",
        "bob,newcomer,2,2010-03-04T11:00:00Z",
        "carol,bjork,n/a,2010-03-05T11:00:00Z",
        "alice,radiohead,42,2010-03-01T10:00:00Z",
      ].join("\n"),
    );
    const items = join(dir, "artists.tsv");
    await writeFile(items, ["artist\tname\ttags", "radiohead\tRadiohead\trock;alternative", "bjork\tBjörk\telectronic"].join("\n"));
    const options: InteractionLogOptions = {
      columns: { user: "listener", item: "artist", weight: "plays", time: "listened_at", timeFormat: "iso" },
      idPrefix: prefix,
      itemsFile: { path: items, columns: { id: "artist", title: "name", genres: "tags", genreSeparator: ";" } },
      eventBatchSize: 2,
      progress: silentProgress,
    };
    const load = () => withSinks((sinks) => importInteractionLog(log, sinks, options));

    const first = await load();
    expect(first.positive).toEqual(defaultPositiveFor("weights"));
    expect(first.summaries[0]).toMatchObject({ entity: "items", imported: 2, created: 2 });
    expect(first.summaries[1]).toMatchObject({
      entity: "events",
      read: 7,
      imported: 5,
      duplicates: 1,
      rejected: 1,
      itemsCreated: 1,
      rejections: [{ line: 7, field: "plays" }],
    });

    const rows = await sql.query("SELECT user_id, item_id, type, value, context FROM events WHERE user_id LIKE $1 ORDER BY occurred_at", [`${prefix}-user-%`]);
    expect(
      rows.rows.map((row) => [row.user_id.replace(`${prefix}-user-`, ""), row.item_id.replace(`${prefix}-item-`, ""), row.type, row.value, row.context.weight]),
    ).toEqual([
      ["alice", "radiohead", "click", null, 42],
      ["alice", "bjork", "click", null, 3],
      ["bob", "radiohead", "click", null, 1],
      ["bob", "known", "click", null, 7],
      ["bob", "newcomer", "click", null, 2],
    ]);
    const catalogue = await sql.query("SELECT id, title, category, tags FROM items WHERE id LIKE $1 ORDER BY id", [`${prefix}-item-%`]);
    expect(catalogue.rows).toEqual([
      { id: `${prefix}-item-bjork`, title: "Björk", category: "electronic", tags: ["electronic"] },
      { id: `${prefix}-item-known`, title: "Known", category: "jazz", tags: [] },
      { id: `${prefix}-item-newcomer`, title: "", category: "unknown", tags: [] },
      { id: `${prefix}-item-radiohead`, title: "Radiohead", category: "rock", tags: ["rock", "alternative"] },
    ]);

    const second = await load();
    expect(second.summaries[0]).toMatchObject({ created: 0, updated: 0 });
    expect(second.summaries[1]).toMatchObject({ imported: 0, duplicates: 6, itemsCreated: 0, rejected: 1 });
    expect(await count("SELECT count(*) AS n FROM events WHERE user_id LIKE $1", [`${prefix}-user-%`])).toBe(5);
    expect(await count("SELECT count(*) AS n FROM items WHERE id LIKE $1", [`${prefix}-item-%`])).toBe(4);
  });
});
