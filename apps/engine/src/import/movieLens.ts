// MovieLens-format rating data → Cascade's catalogue and event log.
//
// Two layouts are recognised in a directory:
// - "ml-1m" (MovieLens 1M/10M): `ratings.dat` UserID::MovieID::Rating::Timestamp,
//   `movies.dat` MovieID::Title::Genres (genres `|`-separated), optional `users.dat`
//   UserID::Gender::Age::Occupation::Zip-code; ISO-8859-1 text, no header.
// - "ml-latest" (ml-latest, ml-latest-small, ml-25m, ml-32m): `ratings.csv`
//   userId,movieId,rating,timestamp and `movies.csv` movieId,title,genres, with headers; titles
//   may be quoted and contain commas. (tags.csv and links.csv are not read.)
//
// Mapping (ids prefixed so a MovieLens catalogue can sit beside other data without collisions):
// - movie → item `<prefix>-movie-<MovieID>`: title as is, category = first genre ("unknown" when
//   none is listed), tags = all genres, publishedAt = 1 January of the year in the title (1970
//   when the title has none), attributes {source: "movielens", movieId, year};
// - user → user `<prefix>-user-<UserID>` (attributes gender, age, occupation, zip from users.dat;
//   users without users.dat are created by their events, as the API does);
// - rating → event type `rating`, value = stars, at the rating's timestamp, event id
//   `<prefix>:rating:<UserID>:<MovieID>:<Timestamp>` — stable, so a re-import inserts nothing.
// Positive interactions: the published-benchmark protocol (issue 4, item 8) counts a rating
// ≥ MOVIELENS_POSITIVE_RATING as a positive; the data keep the rating itself, and evaluation
// applies the threshold (`isPositiveRating`). `likesFrom` optionally also writes a `like` event
// (id `<prefix>:like:…`) for such ratings, for trainers that only read implicit feedback.
import { access } from "node:fs/promises";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ProgressReporter } from "../cli/progress.ts";
import { readCsvRecords, readSeparatedRecords, type FileRecord } from "./fileRecords.ts";
import { importRows, type ImportOptions, type ImportSinks, type ImportSummary } from "./importRunner.ts";

export const MOVIELENS_POSITIVE_RATING = 4;

/** The evaluation protocol's positive: a rating of at least 4 stars. */
export function isPositiveRating(stars: number, threshold = MOVIELENS_POSITIVE_RATING): boolean {
  return stars >= threshold;
}

export type MovieLensFormat = "ml-1m" | "ml-latest";
export type MovieLensLayout = { format: MovieLensFormat; movies: string; ratings: string; users?: string };

export type MovieLensMapping = {
  /** Id prefix; "" keeps MovieLens's numeric ids as they are. */
  idPrefix: string;
  /** Also write a `like` event for ratings of at least this many stars. */
  likesFrom?: number;
};

export const DEFAULT_MOVIELENS_MAPPING: MovieLensMapping = { idPrefix: "ml" };

const exists = (path: string) => access(path).then(() => true, () => false);

/** Which MovieLens layout `dir` holds; an error naming the files looked for when neither. */
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
  throw new Error(`${dir} holds no MovieLens data: expected ratings.dat + movies.dat (ML-1M) or ratings.csv + movies.csv (ML-latest)`);
}

export function movieItemId(mapping: MovieLensMapping, movieId: string): string {
  return mapping.idPrefix === "" ? movieId : `${mapping.idPrefix}-movie-${movieId}`;
}

export function movieLensUserId(mapping: MovieLensMapping, userId: string): string {
  return mapping.idPrefix === "" ? userId : `${mapping.idPrefix}-user-${userId}`;
}

const TITLE_YEAR = /\((\d{4})(?:[–-]\d{0,4})?\)\s*$/;

/** A movies file's fields {movieId, title, genres} → an item row of `PUT /v1/items`. */
export function movieToItem(mapping: MovieLensMapping, fields: Record<string, unknown>): Record<string, unknown> {
  const movieId = String(fields.movieId ?? "").trim();
  const title = String(fields.title ?? "").trim();
  const genres = String(fields.genres ?? "")
    .split("|")
    .map((genre) => genre.trim())
    .filter((genre) => genre !== "" && genre !== "(no genres listed)");
  const year = TITLE_YEAR.exec(title)?.[1];
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
    attributes: { gender: String(fields.gender ?? ""), age: numberOrText(fields.age), occupation: numberOrText(fields.occupation), zip: String(fields.zip ?? "") },
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
  const timestamp = rawTimestamp !== "" && Number.isInteger(seconds) ? new Date(seconds * 1_000).toISOString() : rawTimestamp;
  const value = rawRating !== "" && Number.isFinite(stars) ? stars : rawRating;
  const idPart = `${userId}:${movieId}:${rawTimestamp}`;
  const namespace = mapping.idPrefix === "" ? "ml" : mapping.idPrefix;
  const base = { userId: movieLensUserId(mapping, userId), itemId: movieItemId(mapping, movieId), timestamp };
  const events: Record<string, unknown>[] = [{ eventId: `${namespace}:rating:${idPart}`, type: "rating", value, ...base }];
  if (mapping.likesFrom !== undefined && typeof value === "number" && isPositiveRating(value, mapping.likesFrom)) {
    events.push({ eventId: `${namespace}:like:${idPart}`, type: "like", ...base });
  }
  return events;
}

const ML1M_ENCODING = "latin1";

function movieRecords(layout: MovieLensLayout, onBytes: (bytes: number) => void): AsyncGenerator<FileRecord> {
  return layout.format === "ml-1m"
    ? readSeparatedRecords(layout.movies, "::", ["movieId", "title", "genres"], { onBytes, encoding: ML1M_ENCODING })
    : readCsvRecords(layout.movies, { onBytes });
}

function ratingRecords(layout: MovieLensLayout, onBytes: (bytes: number) => void): AsyncGenerator<FileRecord> {
  return layout.format === "ml-1m"
    ? readSeparatedRecords(layout.ratings, "::", ["userId", "movieId", "rating", "timestamp"], { onBytes, encoding: ML1M_ENCODING })
    : readCsvRecords(layout.ratings, { onBytes });
}

async function* mapRecords(records: AsyncIterable<FileRecord>, map: (fields: Record<string, unknown>) => Record<string, unknown>[]): AsyncGenerator<FileRecord> {
  for await (const record of records) {
    if ("problem" in record) yield record;
    else for (const fields of map(record.fields)) yield { line: record.line, fields };
  }
}

export type MovieLensImport = { layout: MovieLensLayout; summaries: ImportSummary[] };

/** Movies, then users (ML-1M's users.dat, when present), then ratings; each a stage with progress. */
export async function importMovieLens(
  dir: string,
  sinks: ImportSinks,
  options: ImportOptions & { mapping?: MovieLensMapping; progress: ProgressReporter },
): Promise<MovieLensImport> {
  const layout = await detectMovieLensLayout(dir);
  const mapping = options.mapping ?? DEFAULT_MOVIELENS_MAPPING;
  const summaries: ImportSummary[] = [];
  const stage = async (label: string, path: string, run: (onBytes: (bytes: number) => void) => Promise<ImportSummary>) => {
    options.progress.start(`import ${label} (bytes)`, (await stat(path)).size);
    try {
      summaries.push(await run((bytes) => options.progress.increment(bytes)));
    } finally {
      options.progress.stop();
    }
  };
  await stage("movies", layout.movies, (onBytes) =>
    importRows("items", layout.movies, mapRecords(movieRecords(layout, onBytes), (fields) => [movieToItem(mapping, fields)]), sinks, options),
  );
  const users = layout.users;
  if (users) {
    const columns = ["userId", "gender", "age", "occupation", "zip"];
    await stage("users", users, (onBytes) =>
      importRows(
        "users",
        users,
        mapRecords(readSeparatedRecords(users, "::", columns, { onBytes, encoding: ML1M_ENCODING }), (fields) => [movieLensUserToUser(mapping, fields)]),
        sinks,
        options,
      ),
    );
  }
  await stage("ratings", layout.ratings, (onBytes) =>
    importRows("events", layout.ratings, mapRecords(ratingRecords(layout, onBytes), (fields) => ratingToEvents(mapping, fields)), sinks, options),
  );
  return { layout, summaries };
}
