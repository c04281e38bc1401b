// Synthetic MovieLens-format data, for exercising the import and the published-benchmark
// evaluation protocol (issue 4, item 8) on machines without the real files. NOT a substitute for
// them: numbers comparable with published tables need the real MovieLens files, which the user
// supplies (`cascade import movielens <dir>`).
//
// The generative model (deterministic by seed):
// - items and users have latent taste vectors in `dimensions` dimensions, scaled so that the
//   affinity u·v is roughly standard normal;
// - item popularity is a power law: the item of popularity rank r has weight r^-popularityExponent
//   (ranks randomly permuted over ids);
// - user activity is heavy-tailed too (Pareto, at least `minRatingsPerUser` ratings each, as ML-1M
//   guarantees 20), scaled to about `ratings` in total;
// - each user rates `n` distinct items drawn without replacement with weight
//   popularity × exp(tasteStrength · affinity) (Efraimidis–Spirakis keys);
// - stars = 3.55 + user bias + item bias + 0.9 · (affinity − the user's mean affinity over the
//   items picked) + noise, rounded to 1–5 (ML-1M) or to
//   half stars in 0.5–5 (ML-latest), so high ratings concentrate on high-affinity items;
// - genres: each of the 18 MovieLens genres has a direction in taste space; an item gets the 1–3
//   genres its vector points to most (plus noise), so genres carry signal about taste;
// - titles follow MovieLens conventions ("Name, The (1994)"), some with commas and quotes, so the
//   CSV writer must quote them; timestamps fall in ML-1M's period (2000–2003), per user a burst.
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createRandom, deriveSeed, type Random } from "@cascade/core";
import type { MovieLensFormat } from "./movieLens.ts";

/** The layouts the generator writes. */
export type SyntheticMovieLensFormat = Extract<MovieLensFormat, "ml-1m" | "ml-latest">;

export const MOVIELENS_GENRES = [
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

export type SyntheticMovieLensOptions = {
  dir: string;
  format: SyntheticMovieLensFormat;
  users: number;
  items: number;
  ratings: number;
  seed: number;
  dimensions?: number;
  popularityExponent?: number;
  tasteStrength?: number;
  minRatingsPerUser?: number;
  /** Called after each user's ratings are written, with the number written so far. */
  onRatings?: (written: number) => void;
};

export type SyntheticMovieLensResult = { format: SyntheticMovieLensFormat; files: string[]; users: number; items: number; ratings: number };

const SUB_STREAM = { items: 1, genres: 2, users: 3, userRatings: 4 } as const;
const FIRST_TIMESTAMP = 956_703_932; // ML-1M's first rating (2000-04-25)
const LAST_TIMESTAMP = 1_046_454_590; // ML-1M's last rating (2003-02-28)

type World = {
  itemVectors: Float64Array;
  itemPopularity: Float64Array;
  itemBias: Float64Array;
  dimensions: number;
};

export async function generateSyntheticMovieLens(options: SyntheticMovieLensOptions): Promise<SyntheticMovieLensResult> {
  const dimensions = options.dimensions ?? 16;
  const popularityExponent = options.popularityExponent ?? 1.0;
  const tasteStrength = options.tasteStrength ?? 2.0;
  const minRatings = Math.min(options.minRatingsPerUser ?? 20, options.items);
  if (options.users < 1 || options.items < 1 || options.ratings < 1) throw new Error("users, items and ratings must be positive");
  await mkdir(options.dir, { recursive: true });
  const mlLatest = options.format === "ml-latest";
  const files: string[] = [];

  // Items: vectors, popularity, bias, genres, titles.
  const itemRandom = createRandom(deriveSeed(options.seed, SUB_STREAM.items));
  const scale = 1 / Math.sqrt(Math.sqrt(dimensions));
  const itemVectors = gaussianMatrix(itemRandom, options.items, dimensions, scale);
  const ranks = shuffledRanks(itemRandom, options.items);
  const itemPopularity = new Float64Array(options.items);
  const itemBias = new Float64Array(options.items);
  for (let item = 0; item < options.items; item += 1) {
    itemPopularity[item] = Math.pow(ranks[item]! + 1, -popularityExponent);
    // Popular films are rated slightly higher, as in the real data.
    itemBias[item] = 0.3 * itemRandom.normal() + 0.15 * (1 - ranks[item]! / options.items);
  }
  const world: World = { itemVectors, itemPopularity, itemBias, dimensions };
  const genreRandom = createRandom(deriveSeed(options.seed, SUB_STREAM.genres));
  const genreVectors = gaussianMatrix(genreRandom, MOVIELENS_GENRES.length, dimensions, 1);

  const moviesPath = join(options.dir, mlLatest ? "movies.csv" : "movies.dat");
  await writeLines(moviesPath, mlLatest ? "utf8" : "latin1", function* () {
    if (mlLatest) yield "movieId,title,genres";
    for (let item = 0; item < options.items; item += 1) {
      const title = movieTitle(itemRandom, item);
      const genres = itemGenres(genreRandom, world, genreVectors, item).join("|");
      const movieId = String(item + 1);
      yield mlLatest ? [movieId, csvCell(title), csvCell(genres)].join(",") : `${movieId}::${title}::${genres}`;
    }
  });
  files.push(moviesPath);

  // Users: vectors, bias, activity.
  const userRandom = createRandom(deriveSeed(options.seed, SUB_STREAM.users));
  const userVectors = gaussianMatrix(userRandom, options.users, dimensions, scale);
  const userBias = Float64Array.from({ length: options.users }, () => 0.35 * userRandom.normal());
  const activity = ratingsPerUser(userRandom, options.users, options.ratings, minRatings, Math.max(minRatings, Math.floor(options.items * 0.6)));
  if (!mlLatest) {
    const usersPath = join(options.dir, "users.dat");
    const ages = [1, 18, 25, 35, 45, 50, 56];
    await writeLines(usersPath, "latin1", function* () {
      for (let user = 0; user < options.users; user += 1) {
        const zip = String(10_000 + userRandom.int(89_999));
        yield `${user + 1}::${userRandom.chance(0.72) ? "M" : "F"}::${ages[userRandom.int(ages.length)]}::${userRandom.int(21)}::${zip}`;
      }
    });
    files.push(usersPath);
  }

  // Ratings, user by user (MovieLens files are ordered by user).
  const ratingsPath = join(options.dir, mlLatest ? "ratings.csv" : "ratings.dat");
  let written = 0;
  const keys = new Float64Array(options.items);
  const sortedKeys = new Float64Array(options.items);
  const affinity = new Float64Array(options.items);
  await writeLines(ratingsPath, "utf8", function* () {
    if (mlLatest) yield "userId,movieId,rating,timestamp";
    for (let user = 0; user < options.users; user += 1) {
      const random = createRandom(deriveSeed(options.seed, SUB_STREAM.userRatings, user));
      const count = activity[user]!;
      const userOffset = user * dimensions;
      for (let item = 0; item < options.items; item += 1) {
        let dot = 0;
        const itemOffset = item * dimensions;
        for (let d = 0; d < dimensions; d += 1) dot += userVectors[userOffset + d]! * itemVectors[itemOffset + d]!;
        affinity[item] = dot;
        // Efraimidis–Spirakis: the `count` largest log(U)/w are a weighted sample without replacement.
        keys[item] = Math.log(random.next() + 1e-300) / (itemPopularity[item]! * Math.exp(tasteStrength * dot));
      }
      // The count-th largest key is the threshold (a typed-array sort is native and fast).
      sortedKeys.set(keys);
      sortedKeys.sort();
      const threshold = sortedKeys[options.items - count]!;
      const chosen: number[] = [];
      for (let item = 0; item < options.items && chosen.length < count; item += 1) if (keys[item]! >= threshold) chosen.push(item);
      const start = FIRST_TIMESTAMP + random.int(Math.max(1, LAST_TIMESTAMP - FIRST_TIMESTAMP - 90 * 86_400));
      const span = random.exponential(30 * 86_400);
      // Affinity relative to the user's own picks: everything picked has high affinity (that is why
      // it was picked), and stars spread around the user's mean as in real data (mean ≈ 3.6).
      const meanAffinity = chosen.reduce((sum, item) => sum + affinity[item]!, 0) / Math.max(1, chosen.length);
      const rows = chosen.map((item) => {
        const raw = 3.55 + userBias[user]! + itemBias[item]! + 0.9 * (affinity[item]! - meanAffinity) + 0.75 * random.normal();
        const stars = mlLatest ? Math.min(5, Math.max(0.5, Math.round(raw * 2) / 2)) : Math.min(5, Math.max(1, Math.round(raw)));
        const timestamp = Math.min(LAST_TIMESTAMP, start + Math.floor(random.exponential(span + 60)));
        return { item, stars, timestamp };
      });
      rows.sort((a, b) => a.timestamp - b.timestamp || a.item - b.item);
      for (const row of rows) {
        yield mlLatest
          ? `${user + 1},${row.item + 1},${row.stars.toFixed(1)},${row.timestamp}`
          : `${user + 1}::${row.item + 1}::${row.stars}::${row.timestamp}`;
      }
      written += rows.length;
      options.onRatings?.(written);
    }
  });
  files.push(ratingsPath);
  return { format: options.format, files, users: options.users, items: options.items, ratings: written };
}

function gaussianMatrix(random: Random, rows: number, columns: number, scale: number): Float64Array {
  const matrix = new Float64Array(rows * columns);
  for (let index = 0; index < matrix.length; index += 1) matrix[index] = scale * random.normal();
  return matrix;
}

function shuffledRanks(random: Random, count: number): Uint32Array {
  const ranks = Uint32Array.from({ length: count }, (_, index) => index);
  for (let index = count - 1; index > 0; index -= 1) {
    const other = random.int(index + 1);
    [ranks[index], ranks[other]] = [ranks[other]!, ranks[index]!];
  }
  return ranks;
}

/** Pareto-distributed activity, at least `min` and at most `max` per user, summing to about `total`. */
function ratingsPerUser(random: Random, users: number, total: number, min: number, max: number): Uint32Array {
  const raw = Float64Array.from({ length: users }, () => Math.pow(1 - random.next(), -1 / 1.3));
  const rawSum = raw.reduce((sum, value) => sum + value, 0);
  const extra = Math.max(0, total - users * min);
  // Capping the heaviest users loses ratings: scale the rest up until the total is close.
  let scale = extra / rawSum;
  let counts = new Uint32Array(users);
  for (let round = 0; round < 8; round += 1) {
    counts = Uint32Array.from(raw, (value) => Math.min(max, min + Math.round(scale * value)));
    const extraNow = counts.reduce((sum, count) => sum + count, 0) - users * min;
    if (extraNow <= 0 || Math.abs(extraNow - extra) <= 0.001 * extra) break;
    scale *= extra / extraNow;
  }
  return counts;
}

const TITLE_WORDS = ["Night", "River", "Last", "Summer", "Dark", "City", "Love", "Secret", "Road", "Star", "Winter", "House", "Game", "Blue", "Wild", "King"];

function movieTitle(random: Random, item: number): string {
  const year = 1920 + Math.floor(80 * Math.sqrt(random.next()));
  const words = `${TITLE_WORDS[random.int(TITLE_WORDS.length)]} ${TITLE_WORDS[random.int(TITLE_WORDS.length)]} ${item + 1}`;
  // MovieLens moves leading articles to the end ("American President, The (1995)") and has
  // quoted nicknames: both make CSV quoting necessary.
  if (item % 7 === 3) return `${words}, The (${year})`;
  if (item % 11 === 5) return `"${words}" Returns, Part II (${year})`;
  return `${words} (${year})`;
}

function itemGenres(random: Random, world: World, genreVectors: Float64Array, item: number): string[] {
  const scored = MOVIELENS_GENRES.map((genre, index) => {
    let dot = 0;
    for (let d = 0; d < world.dimensions; d += 1) dot += world.itemVectors[item * world.dimensions + d]! * genreVectors[index * world.dimensions + d]!;
    return { genre, score: dot + 0.5 * random.normal() };
  }).sort((a, b) => b.score - a.score);
  return scored.slice(0, 1 + random.int(3)).map(({ genre }) => genre);
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes lines through a buffered stream, waiting on backpressure so memory stays flat. */
async function writeLines(path: string, encoding: "latin1" | "utf8", lines: () => Generator<string>): Promise<void> {
  const stream: WriteStream = createWriteStream(path, { encoding });
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  let buffer = "";
  for (const line of lines()) {
    buffer += line + "\n";
    if (buffer.length >= 256 * 1024) {
      if (!stream.write(buffer)) await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
      buffer = "";
    }
  }
  stream.end(buffer);
  await done;
}
