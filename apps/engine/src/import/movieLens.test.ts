import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPositiveFor } from "./positiveSpec.ts";
import { readCsvRecords, readSeparatedRecords, type FileRecord } from "./fileRecords.ts";
import { silentProgress } from "../telemetry/progress.ts";
import { detectMovieLensLayout, importMovieLens, isPositiveRating, ML100K_GENRES, movieToItem, ratingToEvents, movieLensUserToUser } from "./movieLens.ts";
import { collectRecords, recordingSinks } from "./testing/recordingSinks.ts";
import { generateSyntheticMovieLens } from "./syntheticMovieLens.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-movielens-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const collect = (records: AsyncIterable<FileRecord>) => collectRecords(records);

const fieldsOf = (records: FileRecord[]) => records.map((record) => ("fields" in record ? record.fields : record.problem));
const mapping = { idPrefix: "ml" };

describe("ML-1M (.dat, :: separated, ISO-8859-1)", () => {
  it("reads movies with genres, non-ASCII titles and titles containing colons", async () => {
    const path = join(dir, "movies.dat");
    await writeFile(
      path,
      Buffer.from(
        "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Amélie: Le Fabuleux Destin (2001)::Comedy|Romance\n\n3::Untitled::(no genres listed)\n",
        "latin1",
      ),
    );
    const records = await collect(readSeparatedRecords(path, "::", ["movieId", "title", "genres"], { encoding: "latin1" }));
    expect(records.map((record) => record.line)).toEqual([1, 2, 4]);
    const items = fieldsOf(records).map((fields) => movieToItem(mapping, fields as Record<string, unknown>));
    expect(items[0]).toMatchObject({
      id: "ml-movie-1",
      title: "Toy Story (1995)",
      category: "Animation",
      tags: ["Animation", "Children's", "Comedy"],
      publishedAt: "1995-01-01T00:00:00.000Z",
    });
    expect(items[1]).toMatchObject({ title: "Amélie: Le Fabuleux Destin (2001)", category: "Comedy" });
    expect(items[2]).toMatchObject({ category: "unknown", tags: [], publishedAt: "1970-01-01T00:00:00.000Z" });
  });

  it("maps ratings to rating events with stable ids, and reports short lines", async () => {
    const path = join(dir, "ratings.dat");
    await writeFile(path, "1::1193::5::978300760\n1::661::3\n2::3408::4::978298413\n");
    const records = await collect(readSeparatedRecords(path, "::", ["userId", "movieId", "rating", "timestamp"]));
    expect(records[1]).toMatchObject({ line: 2, problem: { field: "row" } });
    const events = ratingToEvents(mapping, (records[0] as { fields: Record<string, unknown> }).fields);
    expect(events).toEqual([
      {
        eventId: "ml:rating:1:1193:978300760",
        type: "rating",
        value: 10,
        userId: "ml-user-1",
        itemId: "ml-movie-1193",
        timestamp: new Date(978300760_000).toISOString(),
      },
    ]);
    expect(ratingToEvents(mapping, { userId: "1", movieId: "1193", rating: "5", timestamp: "978300760" })[0]!.eventId).toBe(events[0]!.eventId);
  });

  it("maps users.dat demographics to user attributes", () => {
    expect(movieLensUserToUser(mapping, { userId: "7", gender: "M", age: "35", occupation: "1", zip: "06810" })).toEqual({
      id: "ml-user-7",
      attributes: { gender: "M", age: 35, occupation: 1, zip: "06810" },
    });
  });
});

describe("ML-latest (.csv with header, quoted titles)", () => {
  it("reads quoted titles with commas and doubled quotes", async () => {
    const path = join(dir, "movies.csv");
    await writeFile(
      path,
      'movieId,title,genres\n11,"American President, The (1995)",Comedy|Drama|Romance\n12,"""Great Performances"" Cats (1998)",Musical\n13,Heat (1995),Action|Crime|Thriller\n',
    );
    const items = fieldsOf(await collect(readCsvRecords(path))).map((fields) => movieToItem(mapping, fields as Record<string, unknown>));
    expect(items.map((item) => item.title)).toEqual(["American President, The (1995)", '"Great Performances" Cats (1998)', "Heat (1995)"]);
    expect(items[0]).toMatchObject({ category: "Comedy", tags: ["Comedy", "Drama", "Romance"], attributes: { year: 1995, movieId: "11" } });
  });

  it("keeps half-star ratings and passes unconvertible fields on for the contract to name", () => {
    const [event] = ratingToEvents(mapping, { userId: "3", movieId: "5", rating: "3.5", timestamp: "1112486027" });
    expect(event).toMatchObject({ type: "rating", value: 7 }); // 3.5 stars on the API's 0–10 scale
    const [bad] = ratingToEvents(mapping, { userId: "3", movieId: "5", rating: "three", timestamp: "yesterday" });
    expect(bad).toMatchObject({ value: "three", timestamp: "yesterday" });
  });

  it("can add a like for positive ratings only", () => {
    const withLikes = { idPrefix: "ml", likesFrom: 4 };
    expect(ratingToEvents(withLikes, { userId: "1", movieId: "2", rating: "4", timestamp: "1" }).map((event) => event.type)).toEqual(["rating", "like"]);
    expect(ratingToEvents(withLikes, { userId: "1", movieId: "2", rating: "3.5", timestamp: "1" }).map((event) => event.type)).toEqual(["rating"]);
    expect([isPositiveRating(4), isPositiveRating(3.5)]).toEqual([true, false]);
  });
});

/** u.item flags for the named genres (the rest 0). */
const flags = (...genres: string[]) => ML100K_GENRES.map((genre) => (genres.includes(genre) ? "1" : "0")).join("|");

/** The same three movies, two users and four ratings in ML-100K's and in RecBole's layout. */
async function writeMl100k(at: string): Promise<void> {
  await mkdir(at, { recursive: true });
  await writeFile(
    join(at, "u.item"),
    Buffer.from(
      [
        `1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|${flags("Animation", "Children's", "Comedy")}`,
        `267|unknown||||${flags("unknown")}`,
        `543|Misérables, Les (1995)|01-Jan-1995||http://us.imdb.com/x|${flags("Drama", "Musical")}`,
      ].join("\n") + "\n",
      "latin1",
    ),
  );
  await writeFile(join(at, "u.user"), "1|24|M|technician|85711\n2|53|F|other|94043\n");
  await writeFile(join(at, "u.data"), "1\t1\t5\t874965758\n1\t267\t3\t874965759\n2\t543\t4\t888550871\n2\t1\tfive\t888550872\n2\t1\n2\t99\t2\t888550873\n");
}

async function writeRecBoleMl100k(at: string): Promise<void> {
  await mkdir(at, { recursive: true });
  const lines = (rows: string[][]) => rows.map((row) => row.join("\t")).join("\n") + "\n";
  await writeFile(
    join(at, "ml-100k.item"),
    lines([
      ["item_id:token", "movie_title:token_seq", "release_year:token", "class:token_seq"],
      ["1", "Toy Story", "1995", "Animation Children's Comedy"],
      ["267", "unkonwn", "unkonwn", "unknown"],
      ["543", "Misérables, Les", "1995", "Drama Musical"],
    ]),
  );
  await writeFile(
    join(at, "ml-100k.user"),
    lines([
      ["user_id:token", "age:token", "gender:token", "occupation:token", "zip_code:token"],
      ["1", "24", "M", "technician", "85711"],
      ["2", "53", "F", "other", "94043"],
    ]),
  );
  await writeFile(
    join(at, "ml-100k.inter"),
    lines([
      ["user_id:token", "item_id:token", "rating:float", "timestamp:float"],
      ["1", "1", "5", "874965758"],
      ["1", "267", "3", "874965759"],
      ["2", "543", "4", "888550871"],
      ["2", "1", "five", "888550872"],
      ["2", "1"],
      ["2", "99", "2", "888550873"],
    ]),
  );
}

describe("ML-100K and its RecBole copy", () => {
  it("reads u.item's genre flags, u.user and tab-separated u.data, reporting bad lines", async () => {
    const at = join(dir, "ml-100k");
    await writeMl100k(at);
    const sinks = recordingSinks();
    const result = await importMovieLens(at, sinks, { progress: silentProgress });
    expect(result.layout).toMatchObject({ format: "ml-100k", users: join(at, "u.user") });
    expect(result.positive).toEqual(defaultPositiveFor("recbole"));
    expect(sinks.items.get("ml-movie-1")).toMatchObject({
      title: "Toy Story (1995)",
      category: "Animation",
      tags: ["Animation", "Children's", "Comedy"],
      publishedAt: "1995-01-01T00:00:00.000Z",
    });
    expect(sinks.items.get("ml-movie-543")).toMatchObject({ title: "Misérables, Les (1995)", category: "Drama", tags: ["Drama", "Musical"] });
    // The "unknown" genre flag is no genre at all.
    expect(sinks.items.get("ml-movie-267")).toMatchObject({ category: "unknown", tags: [], publishedAt: "1970-01-01T00:00:00.000Z" });
    expect(sinks.users.get("ml-user-2")).toEqual({ id: "ml-user-2", attributes: { gender: "F", age: 53, occupation: "other", zip: "94043" } });
    const ratings = result.summaries.at(-1)!;
    expect(ratings).toMatchObject({ read: 6, imported: 4, rejected: 2, itemsCreated: 1 });
    expect(ratings.rejections.map(({ line, field }) => ({ line, field }))).toEqual([
      { line: 4, field: "value" },
      { line: 5, field: "row" },
    ]);
    expect([...sinks.stored.keys()]).toEqual(["ml:rating:1:1:874965758", "ml:rating:1:267:874965759", "ml:rating:2:543:888550871", "ml:rating:2:99:888550873"]);
  });

  it("imports the RecBole copy as the same users, genres and rating events", async () => {
    const original = recordingSinks();
    await writeMl100k(join(dir, "same-a"));
    await importMovieLens(join(dir, "same-a"), original, { progress: silentProgress });
    const copy = recordingSinks();
    await writeRecBoleMl100k(join(dir, "same-b"));
    const result = await importMovieLens(join(dir, "same-b"), copy, { progress: silentProgress });
    expect(result.layout.format).toBe("recbole");
    expect(result.summaries.at(-1)!.rejections.map(({ line, field }) => ({ line, field }))).toEqual([
      { line: 5, field: "value" },
      { line: 6, field: "row" },
    ]);
    expect([...copy.stored.values()]).toEqual([...original.stored.values()]);
    expect([...copy.users.values()]).toEqual([...original.users.values()]);
    const genres = (sinks: typeof copy) => [...sinks.items.values()].map(({ id, category, tags, publishedAt }) => ({ id, category, tags, publishedAt }));
    expect(genres(copy)).toEqual(genres(original));
  });

  it("refuses a RecBole data set that is not MovieLens-shaped, pointing at `import recbole`", async () => {
    const at = join(dir, "not-ml");
    await mkdir(at, { recursive: true });
    await writeFile(join(at, "lfm.inter"), "user_id:token\tartist_id:token\tweight:float\n1\ta\t3\n");
    await expect(importMovieLens(at, recordingSinks(), { progress: silentProgress })).rejects.toThrow(
      /lacks the MovieLens field\(s\) item_id, rating, timestamp.*cascade import recbole/,
    );
  });
});

describe("layout detection", () => {
  it("prefers ratings.dat, falls back to ratings.csv, and names what it looked for", async () => {
    const empty = await mkdtemp(join(dir, "empty-"));
    await expect(detectMovieLensLayout(empty)).rejects.toThrow(
      /u\.data \+ u\.item \(ML-100K\), ratings\.dat \+ movies\.dat \(ML-1M\), ratings\.csv \+ movies\.csv \(ML-latest\) or <name>\.inter/,
    );
    const partial = await mkdtemp(join(dir, "partial-"));
    await writeFile(join(partial, "u.data"), "1\t1\t5\t1\n");
    await expect(detectMovieLensLayout(partial)).rejects.toThrow(/has u\.data but no u\.item/);
    await expect(detectMovieLensLayout(dir)).resolves.toMatchObject({ format: "ml-1m", users: undefined });
    const latest = await mkdtemp(join(dir, "latest-"));
    await writeFile(join(latest, "ratings.csv"), "userId,movieId,rating,timestamp\n");
    await expect(detectMovieLensLayout(latest)).rejects.toThrow(/no movies\.csv/);
    await writeFile(join(latest, "movies.csv"), "movieId,title,genres\n");
    await expect(detectMovieLensLayout(latest)).resolves.toMatchObject({ format: "ml-latest" });
  });
});

describe("synthetic MovieLens", () => {
  const options = { users: 60, items: 40, ratings: 1_500, seed: 7 };

  it("is deterministic by seed and writes the same movies in both layouts", async () => {
    const a = await generateSyntheticMovieLens({ ...options, dir: join(dir, "a"), format: "ml-1m" });
    const b = await generateSyntheticMovieLens({ ...options, dir: join(dir, "b"), format: "ml-1m" });
    const c = await generateSyntheticMovieLens({ ...options, dir: join(dir, "c"), format: "ml-latest" });
    expect(await readFile(join(dir, "a", "ratings.dat"))).toEqual(await readFile(join(dir, "b", "ratings.dat")));
    expect(a.ratings).toBe(b.ratings);
    expect(c.ratings).toBe(a.ratings);
    // The CSV layout quotes titles with commas and quotes; parsed back, they equal the .dat ones.
    const datMovies = fieldsOf(await collect(readSeparatedRecords(join(dir, "a", "movies.dat"), "::", ["movieId", "title", "genres"], { encoding: "latin1" })));
    const csvMovies = fieldsOf(await collect(readCsvRecords(join(dir, "c", "movies.csv"))));
    expect(csvMovies).toEqual(datMovies);
    expect(datMovies.some((movie) => String((movie as { title: string }).title).includes(","))).toBe(true);
  });

  it("has power-law popularity, ≥ 20 ratings per user and no repeated user–movie pair", async () => {
    const generated = await generateSyntheticMovieLens({ users: 200, items: 1_000, ratings: 12_000, seed: 3, dir: join(dir, "d"), format: "ml-1m" });
    const ratings = fieldsOf(await collect(readSeparatedRecords(generated.files[2]!, "::", ["userId", "movieId", "rating", "timestamp"]))) as Record<
      string,
      string
    >[];
    expect(Math.abs(ratings.length - 12_000)).toBeLessThan(600);
    const perUser = new Map<string, number>();
    const perMovie = new Map<string, number>();
    const pairs = new Set<string>();
    for (const rating of ratings) {
      perUser.set(rating.userId!, (perUser.get(rating.userId!) ?? 0) + 1);
      perMovie.set(rating.movieId!, (perMovie.get(rating.movieId!) ?? 0) + 1);
      pairs.add(`${rating.userId}:${rating.movieId}`);
      expect(["1", "2", "3", "4", "5"]).toContain(rating.rating);
    }
    expect(pairs.size).toBe(ratings.length);
    expect(Math.min(...perUser.values())).toBeGreaterThanOrEqual(20);
    const counts = [...perMovie.values()].sort((x, y) => y - x);
    const top10Percent = counts.slice(0, 100).reduce((sum, count) => sum + count, 0);
    // Skewed: the most popular tenth of the catalogue gets far more than a tenth of the ratings.
    expect(top10Percent / ratings.length).toBeGreaterThan(0.25);
  });
});
