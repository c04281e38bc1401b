// MovieLens-format rating data → Cascade's catalogue and event log.
//
// Four layouts are recognised in a directory:
// - "ml-100k" (MovieLens 100K): `u.data` user⇥item⇥rating⇥timestamp, `u.item`
//   movie id|title|release date|video release date|IMDb URL|19 genre flags (0/1, in the order of
//   ML100K_GENRES), optional `u.user` user id|age|gender|occupation|zip; ISO-8859-1, no header.
// - "ml-1m" (MovieLens 1M/10M): `ratings.dat` UserID::MovieID::Rating::Timestamp,
//   `movies.dat` MovieID::Title::Genres (genres `|`-separated), optional `users.dat`
//   UserID::Gender::Age::Occupation::Zip-code; ISO-8859-1 text, no header.
// - "ml-latest" (ml-latest, ml-latest-small, ml-25m, ml-32m): `ratings.csv`
//   userId,movieId,rating,timestamp and `movies.csv` movieId,title,genres, with headers; titles
//   may be quoted and contain commas. (tags.csv and links.csv are not read.)
// - "recbole" (RecBole's atomic-file copies of MovieLens, recBole.ts): `<name>.inter`
//   user_id⇥item_id⇥rating⇥timestamp, optional `<name>.item` (item_id, movie_title,
//   release_year, class or genre: space-separated) and `<name>.user` (user_id, age, gender,
//   occupation, zip_code); UTF-8, `field:type` header.
//
// Mapping, the same for every layout, so the same data in another layout imports as the same rows
// (ids prefixed so a MovieLens catalogue can sit beside other data without collisions):
// - movie → item `<prefix>-movie-<MovieID>`: title as is, category = first genre ("unknown" when
//   none is listed), tags = all genres, publishedAt = 1 January of the year in the title (else of
//   the release year/date; 1970 when there is none), attributes {source: "movielens", movieId, year};
// - user → user `<prefix>-user-<UserID>` (attributes gender, age, occupation, zip when the layout
//   has a users file; otherwise users are created by their events, as the API does);
// - rating → event type `rating`, value = stars × 2 (the API's ratings are 0–10 with 5 neutral:
//   MovieLens's 0.5–5 stars become 1–10, so a 5-star rating counts like a like in popularity and
//   affinity, a 3-star one mildly positive, 1–2 stars negative), at the rating's timestamp, event id
//   `<prefix>:rating:<UserID>:<MovieID>:<Timestamp>` — stable, so a re-import inserts nothing.
// A rating of a movie missing from the movies file creates a placeholder item (category
// "unknown") instead of being rejected.
// Positive interactions: by default every rating (`defaultPositiveFor("movielens")`, the RecBole
// protocol); the data keep the stars, so `rating>=4` (MOVIELENS_POSITIVE_RATING, what `cascade eval
// --positive-rating` uses) can be applied later. `likesFrom` optionally also writes a `like`
// event (id `<prefix>:like:…`) for ratings of at least that many stars, for trainers that only
// read implicit feedback.
import { access, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ProgressReporter } from "../telemetry/progress.ts";
import { mapRecords, readCsvRecords, readSeparatedRecords, type FileRecord } from "./fileRecords.ts";
import { importRows, type ImportOptions, type ImportSinks, type ImportSummary } from "./importRunner.ts";
import { createStageRunner } from "./importStages.ts";
import { placeholderItem } from "./interactions.ts";
import type { PositiveSpec } from "@cascade/core";
import { defaultPositiveFor } from "./positiveSpec.ts";
import { findRecBoleFiles, readRecBoleHeader, readRecBoleRecords, type RecBoleField } from "./recBole.ts";

export const MOVIELENS_POSITIVE_RATING = 4;

/** The evaluation protocol's positive: a rating of at least 4 stars. */
export function isPositiveRating(stars: number, threshold = MOVIELENS_POSITIVE_RATING): boolean {
  return stars >= threshold;
}

export type MovieLensFormat = "ml-100k" | "ml-1m" | "ml-latest" | "recbole";
/** The files of a layout; `movies` is optional only in RecBole copies (an .inter without .item). */
export type MovieLensLayout = { format: MovieLensFormat; movies?: string; ratings: string; users?: string };

/** ML-100K's genre flags in u.item, in file order. */
export const ML100K_GENRES = [
  "unknown",
  "Action",
  "Adventure",
  "Animation",
  "Children's",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
] as const;

export type MovieLensMapping = {
  /** Id prefix; "" keeps MovieLens's numeric ids as they are. */
  idPrefix: string;
  /** Also write a `like` event for ratings of at least this many stars. */
  likesFrom?: number;
};

export const DEFAULT_MOVIELENS_MAPPING: MovieLensMapping = { idPrefix: "ml" };

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Which MovieLens layout `dir` holds; an error naming the files looked for when none. */
export async function detectMovieLensLayout(dir: string): Promise<MovieLensLayout> {
  const at = (name: string) => join(dir, name);
  if (await exists(at("ratings.dat"))) {
    if (!(await exists(at("movies.dat")))) throw new Error(`${dir} has ratings.dat but no movies.dat`);
    return { format: "ml-1m", ratings: at("ratings.dat"), movies: at("movies.dat"), users: (await exists(at("users.dat"))) ? at("users.dat") : undefined };
  }
  if (await exists(at("ratings.csv"))) {
    if (!(await exists(at("movies.csv")))) throw new Error(`${dir} has ratings.csv but no movies.csv`);
    return { format: "ml-latest", ratings: at("ratings.csv"), movies: at("movies.csv") };
  }
  if (await exists(at("u.data"))) {
    if (!(await exists(at("u.item")))) throw new Error(`${dir} has u.data but no u.item`);
    return { format: "ml-100k", ratings: at("u.data"), movies: at("u.item"), users: (await exists(at("u.user"))) ? at("u.user") : undefined };
  }
  if ((await readdir(dir)).some((name) => name.endsWith(".inter"))) {
    const files = await findRecBoleFiles(dir);
    return { format: "recbole", ratings: files.inter, movies: files.item, users: files.user };
  }
  throw new Error(
    `${dir} holds no MovieLens data: expected u.data + u.item (ML-100K), ratings.dat + movies.dat (ML-1M), ratings.csv + movies.csv (ML-latest) or <name>.inter (+ .item, .user) RecBole atomic files`,
  );
}

/** MovieLens stars (0.5–5) → the API's 0–10 rating scale. */
export function starsToRating(stars: number): number {
  return stars * (10 / MOVIELENS_MAX_STARS);
}

export const MOVIELENS_MAX_STARS = 5;

export function movieItemId(mapping: MovieLensMapping, movieId: string): string {
  return mapping.idPrefix === "" ? movieId : `${mapping.idPrefix}-movie-${movieId}`;
}

export function movieLensUserId(mapping: MovieLensMapping, userId: string): string {
  return mapping.idPrefix === "" ? userId : `${mapping.idPrefix}-user-${userId}`;
}

const TITLE_YEAR = /\((\d{4})(?:[–-]\d{0,4})?\)\s*$/;

const RELEASE_YEAR = /(?:^|\D)(\d{4})$/;

/**
 * A movies file's fields {movieId, title, genres (`|`-separated), releaseYear?} → an item row of
 * `PUT /v1/items`. The year in the title wins over `releaseYear` (a year, or a date ending in one).
 */
export function movieToItem(mapping: MovieLensMapping, fields: Record<string, unknown>): Record<string, unknown> {
  const movieId = String(fields.movieId ?? "").trim();
  const title = String(fields.title ?? "").trim();
  const genres = String(fields.genres ?? "")
    .split("|")
    .map((genre) => genre.trim())
    .filter((genre) => genre !== "" && genre !== "(no genres listed)" && genre !== "unknown");
  const year = TITLE_YEAR.exec(title)?.[1] ?? RELEASE_YEAR.exec(String(fields.releaseYear ?? "").trim())?.[1];
  const attributes: Record<string, string | number> = { source: "movielens", movieId };
  if (year) attributes.year = Number(year);
  return {
    id: movieItemId(mapping, movieId),
    title,
    category: genres[0] ?? "unknown",
    tags: genres,
    publishedAt: `${year ?? "1970"}-01-01T00:00:00.000Z`,
    attributes,
  };
}

/** A users.dat line {userId, gender, age, occupation, zip} → a user row of `PUT /v1/users`. */
export function movieLensUserToUser(mapping: MovieLensMapping, fields: Record<string, unknown>): Record<string, unknown> {
  const numberOrText = (value: unknown) => (value !== undefined && value !== "" && Number.isFinite(Number(value)) ? Number(value) : String(value ?? ""));
  return {
    id: movieLensUserId(mapping, String(fields.userId ?? "").trim()),
    attributes: {
      gender: String(fields.gender ?? ""),
      age: numberOrText(fields.age),
      occupation: numberOrText(fields.occupation),
      zip: String(fields.zip ?? ""),
    },
  };
}

/**
 * A ratings line {userId, movieId, rating, timestamp (Unix seconds)} → event rows of
 * `POST /v1/events`. A field that does not convert is passed on as text, so the API's contract
 * names it.
 */
export function ratingToEvents(mapping: MovieLensMapping, fields: Record<string, unknown>): Record<string, unknown>[] {
  const userId = String(fields.userId ?? "").trim();
  const movieId = String(fields.movieId ?? "").trim();
  const rawTimestamp = String(fields.timestamp ?? "").trim();
  const rawRating = String(fields.rating ?? "").trim();
  const seconds = Number(rawTimestamp);
  const stars = Number(rawRating);
  // RecBole stores timestamps as floats; a fraction of a second is kept to the millisecond.
  const timestamp = rawTimestamp !== "" && Number.isFinite(seconds) ? new Date(Math.round(seconds * 1_000)).toISOString() : rawTimestamp;
  const value = rawRating !== "" && Number.isFinite(stars) ? starsToRating(stars) : rawRating;
  const idPart = `${userId}:${movieId}:${rawTimestamp}`;
  const namespace = mapping.idPrefix === "" ? "ml" : mapping.idPrefix;
  const base = { userId: movieLensUserId(mapping, userId), itemId: movieItemId(mapping, movieId), timestamp };
  const events: Record<string, unknown>[] = [{ eventId: `${namespace}:rating:${idPart}`, type: "rating", value, ...base }];
  if (mapping.likesFrom !== undefined && typeof value === "number" && isPositiveRating(stars, mapping.likesFrom)) {
    events.push({ eventId: `${namespace}:like:${idPart}`, type: "like", ...base });
  }
  return events;
}

/** ML-100K and ML-1M are ISO-8859-1; RecBole's copies are UTF-8. */
const LATIN1 = "latin1";

/** A u.item line's genre flags → the `|`-separated genre list of the other layouts. */
export function ml100kGenres(fields: Record<string, unknown>): string {
  return ML100K_GENRES.filter((genre) => String(fields[genre] ?? "").trim() === "1").join("|");
}

/** RecBole field names → the names the MovieLens mapping reads (the same across layouts). */
function fromRecBole(fields: Record<string, unknown>, names: Record<string, string>): Record<string, unknown> {
  const renamed: Record<string, unknown> = {};
  for (const [to, from] of Object.entries(names)) renamed[to] = fields[from];
  return renamed;
}

async function recBoleRecords(
  path: string,
  names: Record<string, string>,
  onBytes: (bytes: number) => void,
  convert?: (fields: Record<string, unknown>) => Record<string, unknown>,
) {
  const header = await readRecBoleHeader(path);
  const missing = Object.values(names).filter((name) => !header.some((field: RecBoleField) => field.name === name));
  if (missing.length > 0) {
    throw new Error(
      `${path} lacks the MovieLens field(s) ${missing.join(", ")} (has ${header.map((field) => field.name).join(", ")}); use \`cascade import recbole\` for other data sets`,
    );
  }
  return mapRecords(readRecBoleRecords(path, header, { onBytes }), (fields) => [convert ? convert(fromRecBole(fields, names)) : fromRecBole(fields, names)]);
}

/** The genre field of a RecBole MovieLens .item file (ML-100K says class, ML-1M genre). */
async function recBoleGenreField(path: string): Promise<string> {
  const header = await readRecBoleHeader(path);
  return ["class", "genre", "genres"].find((name) => header.some((field) => field.name === name)) ?? "class";
}

async function movieRecords(layout: MovieLensLayout, movies: string, onBytes: (bytes: number) => void): Promise<AsyncIterable<FileRecord>> {
  switch (layout.format) {
    case "ml-100k": {
      const columns = ["movieId", "title", "releaseYear", "videoReleaseDate", "imdbUrl", ...ML100K_GENRES];
      return mapRecords(readSeparatedRecords(movies, "|", columns, { onBytes, encoding: LATIN1 }), (fields) => [{ ...fields, genres: ml100kGenres(fields) }]);
    }
    case "ml-1m":
      return readSeparatedRecords(movies, "::", ["movieId", "title", "genres"], { onBytes, encoding: LATIN1 });
    case "ml-latest":
      return readCsvRecords(movies, { onBytes });
    case "recbole": {
      const genres = await recBoleGenreField(movies);
      return recBoleRecords(movies, { movieId: "item_id", title: "movie_title", releaseYear: "release_year", genres }, onBytes, (fields) => ({
        ...fields,
        genres: String(fields.genres ?? "")
          .split(" ")
          .join("|"),
      }));
    }
  }
}

async function userRecords(layout: MovieLensLayout, users: string, onBytes: (bytes: number) => void): Promise<AsyncIterable<FileRecord>> {
  switch (layout.format) {
    case "ml-100k":
      return readSeparatedRecords(users, "|", ["userId", "age", "gender", "occupation", "zip"], { onBytes, encoding: LATIN1 });
    case "recbole":
      return recBoleRecords(users, { userId: "user_id", age: "age", gender: "gender", occupation: "occupation", zip: "zip_code" }, onBytes);
    default:
      return readSeparatedRecords(users, "::", ["userId", "gender", "age", "occupation", "zip"], { onBytes, encoding: LATIN1 });
  }
}

async function ratingRecords(layout: MovieLensLayout, onBytes: (bytes: number) => void): Promise<AsyncIterable<FileRecord>> {
  const columns = ["userId", "movieId", "rating", "timestamp"];
  switch (layout.format) {
    case "ml-100k":
      return readSeparatedRecords(layout.ratings, "\t", columns, { onBytes, encoding: LATIN1 });
    case "ml-1m":
      return readSeparatedRecords(layout.ratings, "::", columns, { onBytes, encoding: LATIN1 });
    case "ml-latest":
      return readCsvRecords(layout.ratings, { onBytes });
    case "recbole":
      return recBoleRecords(layout.ratings, { userId: "user_id", movieId: "item_id", rating: "rating", timestamp: "timestamp" }, onBytes);
  }
}

export type MovieLensImport = { layout: MovieLensLayout; positive: PositiveSpec; summaries: ImportSummary[] };

/** Movies, then users (when the layout has a users file), then ratings; each a stage with progress. */
export async function importMovieLens(
  dir: string,
  sinks: ImportSinks,
  options: ImportOptions & { mapping?: MovieLensMapping; progress: ProgressReporter },
): Promise<MovieLensImport> {
  const layout = await detectMovieLensLayout(dir);
  const mapping = options.mapping ?? DEFAULT_MOVIELENS_MAPPING;
  const stages = createStageRunner(options.progress);
  const movies = layout.movies;
  if (movies) {
    await stages.run("movies", movies, async (onBytes) =>
      importRows(
        "items",
        movies,
        mapRecords(await movieRecords(layout, movies, onBytes), (fields) => [movieToItem(mapping, fields)]),
        sinks,
        options,
      ),
    );
  }
  const users = layout.users;
  if (users) {
    await stages.run("users", users, async (onBytes) =>
      importRows(
        "users",
        users,
        mapRecords(await userRecords(layout, users, onBytes), (fields) => [movieLensUserToUser(mapping, fields)]),
        sinks,
        options,
      ),
    );
  }
  await stages.run("ratings", layout.ratings, async (onBytes) =>
    importRows(
      "events",
      layout.ratings,
      mapRecords(await ratingRecords(layout, onBytes), (fields) => ratingToEvents(mapping, fields)),
      sinks,
      {
        ...options,
        missingItems: { placeholder: (itemId, firstSeenAt) => placeholderItem(itemId, firstSeenAt, "movielens") },
      },
    ),
  );
  return { layout, positive: defaultPositiveFor("movielens"), summaries: stages.summaries };
}
