// Benchmark data from files (issue 10, item 7): the interactions of a published data set, or a
// supplied train/validation/test split, read into the RetrievalData the benchmark protocol runs
// on. Two uses:
//   - offline (bench/realDataBenchmark.ts): everything from the files, no database; item metadata
//     from a RecBole `.item` file when there is one (genres → category + tags, year → published);
//   - against the imported catalogue (`cascade eval --protocol benchmark --split-dir`): the
//     catalogue and its metadata come from the database, the split's ids are mapped onto it the
//     way the MovieLens importer maps them (`<prefix>-user-<id>`, `<prefix>-movie-<id>`).
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseInteractionTable, type InteractionTable, type PositiveSpec } from "@cascade/core";
import type { Interactions } from "../retrieval/interactions.ts";
import type { RetrievalData } from "../retrieval/retrievalTraining.ts";
import type { BenchmarkSplitInteractions } from "./benchmarkProtocol.ts";

/**
 * A file row is one interaction: with no rating threshold every row is a positive (the published
 * protocol); with `rating>=T` its rating, read as stars out of `FILE_RATING_MAX` and put on the
 * API's 0–10 scale as the importers do (× 2), must reach T.
 */
export const FILE_RATING_MAX = 5;

export async function readInteractionFile(path: string): Promise<InteractionTable> {
  return parseInteractionTable(await readFile(path, "utf8"), basename(path));
}

/** The one interaction file of a data directory: `<name>.inter` (RecBole), `u.data` (ML-100K), `ratings.dat`/`ratings.csv`. */
export async function findInteractionFile(dir: string): Promise<string> {
  const names = await readdir(dir);
  const inter = names.filter((name) => name.endsWith(".inter") && !/\.(train|valid|test)\.inter$/.test(name));
  if (inter.length === 1) return join(dir, inter[0]!);
  if (inter.length > 1) throw new Error(`${dir} holds several .inter files (${inter.join(", ")}): pass the file itself`);
  for (const name of ["u.data", "ratings.dat", "ratings.csv"]) if (names.includes(name)) return join(dir, name);
  throw new Error(`${dir} holds no interaction file (expected <name>.inter, u.data, ratings.dat or ratings.csv)`);
}

export type SplitFiles = { train: string; validation: string; test: string };

/** A supplied split in a directory: RecBole's `<name>.train.inter/.valid.inter/.test.inter`, or `train/valid(ation)/test` `.csv`/`.tsv`. */
export async function findSplitFiles(dir: string): Promise<SplitFiles> {
  const names = await readdir(dir);
  const one = (part: string, pattern: RegExp): string => {
    const found = names.filter((name) => pattern.test(name));
    if (found.length !== 1)
      throw new Error(
        `${dir}: expected one ${part} file (<name>.${part === "validation" ? "valid" : part}.inter or ${part}.csv/.tsv), found ${found.length === 0 ? "none" : found.join(", ")}`,
      );
    return join(dir, found[0]!);
  };
  return {
    train: one("train", /(^|\.)train\.(inter|csv|tsv)$/),
    validation: one("validation", /(^|\.)valid(ation)?\.(inter|csv|tsv)$/),
    test: one("test", /(^|\.)test\.(inter|csv|tsv)$/),
  };
}

/** Item metadata of a RecBole `.item` file (or any TSV with item_id and class/genre/year columns). */
export type ItemMetadata = Map<string, { genres: string[]; publishedAtMs: number }>;

export async function readItemMetadata(path: string): Promise<ItemMetadata> {
  const lines = (await readFile(path, "utf8")).split(/\r?\n/);
  const header = (lines[0] ?? "").split("\t").map((cell) => cell.split(":")[0]!.trim().toLowerCase());
  const idColumn = header.findIndex((name) => name === "item_id" || name === "movie_id");
  const genreColumn = header.findIndex((name) => name === "class" || name === "genre" || name === "genres");
  const yearColumn = header.findIndex((name) => name === "release_year" || name === "year");
  if (idColumn === -1) throw new Error(`${basename(path)} line 1: no item_id column in the header`);
  const metadata: ItemMetadata = new Map();
  for (let l = 1; l < lines.length; l += 1) {
    if (lines[l]!.trim() === "") continue;
    const cells = lines[l]!.split("\t");
    const year = Number(cells[yearColumn] ?? "");
    metadata.set(cells[idColumn]!.trim(), {
      genres: genreColumn === -1 ? [] : (cells[genreColumn] ?? "").split(/[ |]+/).filter((genre) => genre !== ""),
      publishedAtMs: yearColumn !== -1 && Number.isInteger(year) && year > 0 ? Date.UTC(year, 0, 1) : Number.NaN,
    });
  }
  return metadata;
}

/** The table's positive (user, item) pairs with ids mapped onto the catalogue, each pair once (held-out interactions for `cascade tune-fusion`). */
export function positivePairs(table: InteractionTable, rule: PositiveSpec, mapping: IdMapping): { userId: string; itemId: string }[] {
  const seen = new Set<string>();
  const pairs: { userId: string; itemId: string }[] = [];
  for (let row = 0; row < table.users.length; row += 1) {
    if (!isPositiveRow(rule, table, row)) continue;
    const pair = { userId: mapping.user(table.users[row]!), itemId: mapping.item(table.items[row]!) };
    const key = `${pair.userId}\t${pair.itemId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push(pair);
  }
  return pairs;
}

function isPositiveRow(rule: PositiveSpec, table: InteractionTable, row: number): boolean {
  if (rule.minRating === null) return true;
  const rating = table.ratings[row]!;
  if (Number.isNaN(rating))
    throw new Error(`${table.source} line ${table.lines[row]}: no rating, but positives are ratings ≥ ${rule.minRating} (pass --positive any)`);
  return (rating * 10) / FILE_RATING_MAX >= rule.minRating;
}

/** Positive rows of each table as index triples, in time order within each table, each (user, item) pair once overall. */
function toInteractions(
  tables: InteractionTable[],
  rule: PositiveSpec,
  userIndex: (id: string) => number,
  itemIndex: (id: string, table: InteractionTable, row: number) => number,
): Interactions[] {
  const seen = new Set<number>();
  return tables.map((table) => {
    const rows: number[] = [];
    for (let row = 0; row < table.users.length; row += 1) if (isPositiveRow(rule, table, row)) rows.push(row);
    rows.sort((a, b) => table.timestamps[a]! - table.timestamps[b]! || a - b);
    const user: number[] = [];
    const item: number[] = [];
    const timeMs: number[] = [];
    for (const row of rows) {
      const u = userIndex(table.users[row]!);
      const i = itemIndex(table.items[row]!, table, row);
      // user·2^26 + item stays an exact double for up to 2^27 users and 2^26 items.
      const key = u * 67_108_864 + i;
      if (seen.has(key)) continue;
      seen.add(key);
      user.push(u);
      item.push(i);
      timeMs.push(table.timestamps[row]! * 1000); // the files count seconds
    }
    return { count: user.length, user: Int32Array.from(user), item: Int32Array.from(item), timeMs: Float64Array.from(timeMs) };
  });
}

/** Merges time-ordered parts into one time-ordered log (the protocol's "all positives"). */
function mergeByTime(parts: Interactions[]): Interactions {
  const order: [number, number][] = [];
  parts.forEach((part, p) => {
    for (let j = 0; j < part.count; j += 1) order.push([p, j]);
  });
  order.sort((a, b) => parts[a[0]]!.timeMs[a[1]]! - parts[b[0]]!.timeMs[b[1]]! || a[0] - b[0] || a[1] - b[1]);
  return {
    count: order.length,
    user: Int32Array.from(order, ([p, j]) => parts[p]!.user[j]!),
    item: Int32Array.from(order, ([p, j]) => parts[p]!.item[j]!),
    timeMs: Float64Array.from(order, ([p, j]) => parts[p]!.timeMs[j]!),
  };
}

class Index {
  readonly ids: string[] = [];
  private readonly map = new Map<string, number>();
  constructor(initial: readonly string[] = []) {
    for (const id of initial) this.add(id);
  }
  add(id: string): number {
    let found = this.map.get(id);
    if (found === undefined) {
      found = this.ids.length;
      this.map.set(id, found);
      this.ids.push(id);
    }
    return found;
  }
  get(id: string): number | undefined {
    return this.map.get(id);
  }
}

function windowOf(interactions: Interactions): RetrievalData["window"] {
  let newest = 0;
  for (let j = 0; j < interactions.count; j += 1) newest = Math.max(newest, interactions.timeMs[j]!);
  return { fromMs: null, toMs: newest + 1 };
}

/**
 * RetrievalData from files alone: users and items as they appear in the tables (ids unchanged),
 * metadata from `items` when given (first genre = category, genres = tags, as the importer maps
 * MovieLens), no creators, no follows. With several tables (a supplied split), `parts` holds each
 * one's positives; the data's interactions are their union.
 */
export function offlineBenchmarkData(tables: InteractionTable[], rule: PositiveSpec, items?: ItemMetadata): { data: RetrievalData; parts: Interactions[] } {
  const users = new Index();
  const itemIndex = new Index();
  const parts = toInteractions(
    tables,
    rule,
    (id) => users.add(id),
    (id) => itemIndex.add(id),
  );
  const interactions = mergeByTime(parts);
  const categories = new Index(["unknown"]);
  const tags = new Index();
  const count = itemIndex.ids.length;
  const category = new Int32Array(count);
  const tagOffsets = new Int32Array(count + 1);
  const tagIds: number[] = [];
  const publishedAtMs = new Float64Array(count).fill(Number.NaN);
  itemIndex.ids.forEach((id, i) => {
    const metadata = items?.get(id);
    if (metadata) {
      category[i] = metadata.genres.length > 0 ? categories.add(metadata.genres[0]!) : 0;
      for (const genre of metadata.genres) tagIds.push(tags.add(genre));
      publishedAtMs[i] = metadata.publishedAtMs;
    }
    tagOffsets[i + 1] = tagIds.length;
  });
  const data: RetrievalData = {
    window: windowOf(interactions),
    itemIds: itemIndex.ids,
    userIds: users.ids,
    categoryNames: categories.ids,
    creatorIds: [""],
    tagNames: tags.ids,
    items: { category, creator: new Int32Array(count), tagOffsets, tagIds: Int32Array.from(tagIds), publishedAtMs },
    follows: { followOffsets: new Int32Array(users.ids.length + 1), followCreators: new Int32Array(0) },
    interactions,
    skippedEvents: 0,
  };
  return { data, parts };
}

export type IdMapping = { user: (id: string) => string; item: (id: string) => string };

/** How an importer named a file's ids: `cascade import movielens` (P-user-1, P-movie-1) or `cascade import recbole` / `interactions` (P-user-1, P-item-1). */
export type IdStyle = "movielens" | "recbole";

export function catalogIdMapping(prefix: string, style: IdStyle): IdMapping {
  const item = style === "movielens" ? "movie" : "item";
  return prefix === "" ? { user: (id) => id, item: (id) => id } : { user: (id) => `${prefix}-user-${id}`, item: (id) => `${prefix}-${item}-${id}` };
}

/**
 * A supplied split mapped onto the catalogue of `data` (loaded from the database): the split's
 * positives replace `data`'s interactions; a user the event log does not know is added (no
 * follows); an item not in the catalogue is an error naming the file and line — the two-tower
 * would have no metadata for it and the baselines no row.
 */
export function mapSuppliedSplit(
  data: RetrievalData,
  tables: { train: InteractionTable; validation: InteractionTable; test: InteractionTable },
  rule: PositiveSpec,
  mapping: IdMapping,
): { data: RetrievalData; parts: BenchmarkSplitInteractions } {
  const users = new Index(data.userIds);
  const items = new Map(data.itemIds.map((id, index) => [id, index]));
  const [train, validation, test] = toInteractions(
    [tables.train, tables.validation, tables.test],
    rule,
    (id) => users.add(mapping.user(id)),
    (id, table, row) => {
      const mapped = mapping.item(id);
      const index = items.get(mapped);
      if (index === undefined)
        throw new Error(
          `${table.source} line ${table.lines[row]}: item ${id} (catalogue id ${mapped}) is not in the catalogue — import the data set first, or fix --id-prefix`,
        );
      return index;
    },
  ) as [Interactions, Interactions, Interactions];
  const added = users.ids.length - data.userIds.length;
  const followOffsets = new Int32Array(users.ids.length + 1);
  followOffsets.set(data.follows.followOffsets);
  for (let u = data.userIds.length + 1; u <= users.ids.length; u += 1) followOffsets[u] = followOffsets[u - 1]!;
  const interactions = mergeByTime([train, validation, test]);
  return {
    data: {
      ...data,
      window: { fromMs: null, toMs: Math.max(data.window.toMs, windowOf(interactions).toMs) },
      userIds: users.ids,
      follows: added === 0 ? data.follows : { followOffsets, followCreators: data.follows.followCreators },
      interactions,
    },
    parts: { train, validation, test },
  };
}
