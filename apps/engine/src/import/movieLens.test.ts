import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCsvRecords, readSeparatedRecords, type FileRecord } from "./fileRecords.ts";
import { detectMovieLensLayout, isPositiveRating, movieToItem, ratingToEvents, movieLensUserToUser } from "./movieLens.ts";
import { generateSyntheticMovieLens } from "./syntheticMovieLens.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-movielens-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(records: AsyncIterable<FileRecord>): Promise<FileRecord[]> {
  const all: FileRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

const fieldsOf = (records: FileRecord[]) => records.map((record) => ("fields" in record ? record.fields : record.problem));
const mapping = { idPrefix: "ml" };

describe("ML-1M (.dat, :: separated, ISO-8859-1)", () => {
  it("reads movies with genres, non-ASCII titles and titles containing colons", async () => {
    const path = join(dir, "movies.dat");
    await writeFile(path, Buffer.from("1::Toy Story (1995)::Animation|Children's|Comedy\n2::Amélie: Le Fabuleux Destin (2001)::Comedy|Romance\n\n3::Untitled::(no genres listed)\n", "latin1"));
    const records = await collect(readSeparatedRecords(path, "::", ["movieId", "title", "genres"], { encoding: "latin1" }));
    expect(records.map((record) => record.line)).toEqual([1, 2, 4]);
    const items = fieldsOf(records).map((fields) => movieToItem(mapping, fields as Record<string, unknown>));
    expect(items[0]).toMatchObject({ id: "ml-movie-1", title: "Toy Story (1995)", category: "Animation", tags: ["Animation", "Children's", "Comedy"], publishedAt: "1995-01-01T00:00:00.000Z" });
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
      { eventId: "ml:rating:1:1193:978300760", type: "rating", value: 5, userId: "ml-user-1", itemId: "ml-movie-1193", timestamp: new Date(978300760_000).toISOString() },
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
    await writeFile(path, 'movieId,title,genres\n11,"American President, The (1995)",Comedy|Drama|Romance\n12,"""Great Performances"" Cats (1998)",Musical\n13,Heat (1995),Action|Crime|Thriller\n');
    const items = fieldsOf(await collect(readCsvRecords(path))).map((fields) => movieToItem(mapping, fields as Record<string, unknown>));
    expect(items.map((item) => item.title)).toEqual(["American President, The (1995)", '"Great Performances" Cats (1998)', "Heat (1995)"]);
    expect(items[0]).toMatchObject({ category: "Comedy", tags: ["Comedy", "Drama", "Romance"], attributes: { year: 1995, movieId: "11" } });
  });

  it("keeps half-star ratings and passes unconvertible fields on for the contract to name", () => {
    const [event] = ratingToEvents(mapping, { userId: "3", movieId: "5", rating: "3.5", timestamp: "1112486027" });
    expect(event).toMatchObject({ type: "rating", value: 3.5 });
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

describe("layout detection", () => {
  it("prefers ratings.dat, falls back to ratings.csv, and names what it looked for", async () => {
    const empty = await mkdtemp(join(dir, "empty-"));
    await expect(detectMovieLensLayout(empty)).rejects.toThrow(/ratings\.dat.*ratings\.csv/);
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
    const ratings = fieldsOf(await collect(readSeparatedRecords(generated.files[2]!, "::", ["userId", "movieId", "rating", "timestamp"]))) as Record<string, string>[];
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
