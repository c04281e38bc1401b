// RecBole atomic files (https://recbole.io/atomic_files.html) → Cascade's catalogue and event log.
//
// A data set `<name>` is `<name>.inter` (interactions) with optional `<name>.item` and
// `<name>.user`: UTF-8, tab-separated, a header row of `field:type` (token, token_seq, float,
// float_seq; seq values are space-separated). Interactions are mapped by interactions.ts: user and
// item fields (default user_id, item_id), a rating field (default `rating` when present) → rating
// events, else each row is one implicit event of the chosen type (default click); a weight field →
// `context.weight`; `timestamp` (unix seconds, possibly fractional) → the event time, and without
// one the deterministic synthetic time of interactions.ts.
// Items: title = the first field named like `*title*` or `name`; genres = the first of class,
// genre, genres, categories, category (space-separated tokens) → category = first, tags = all;
// publishedAt = 1 January of `release_year`/`year` when present (else 1970); the other token and
// float fields become attributes. Users: every field but the id becomes an attribute.
// Items named by interactions but absent from the .item file are created as placeholders
// (category "unknown"), in the same run, before their events.
import { access, readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { EventType } from "@cascade/core";
import type { ProgressReporter } from "../telemetry/progress.ts";
import { mapRecords, readLines, type FileRecord, type ReadOptions, type RowProblem } from "./fileRecords.ts";
import { importRows, type ImportOptions, type ImportSinks, type ImportSummary } from "./importRunner.ts";
import { createStageRunner } from "./importStages.ts";
import {
  DEFAULT_SYNTHETIC_TIME,
  interactionColumnsProblem,
  interactionItemId,
  interactionToEvent,
  interactionUserId,
  placeholderItem,
  splitGenres,
  type InteractionColumns,
} from "./interactions.ts";
import type { PositiveSpec } from "@cascade/core";
import { defaultPositiveFor } from "./positiveSpec.ts";

export const recBoleFieldTypes = ["token", "token_seq", "float", "float_seq"] as const;
export type RecBoleFieldType = (typeof recBoleFieldTypes)[number];
export type RecBoleField = { name: string; type: RecBoleFieldType };

export type RecBoleFiles = { name: string; inter: string; item?: string; user?: string };

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The data set at `path`: a `.inter` file, or a directory holding exactly one. */
export async function findRecBoleFiles(path: string): Promise<RecBoleFiles> {
  let inter = path;
  if ((await stat(path)).isDirectory()) {
    const found = (await readdir(path)).filter((name) => name.endsWith(".inter")).sort();
    if (found.length === 0) throw new Error(`${path} holds no RecBole data: expected a <name>.inter file`);
    if (found.length > 1) throw new Error(`${path} holds several RecBole data sets (${found.join(", ")}): pass one .inter file`);
    inter = join(path, found[0]!);
  } else if (extname(path) !== ".inter") {
    throw new Error(`${path} is not a RecBole interaction file (<name>.inter)`);
  }
  const name = basename(inter, ".inter");
  const beside = (extension: string) => join(dirname(inter), `${name}.${extension}`);
  return {
    name,
    inter,
    item: (await exists(beside("item"))) ? beside("item") : undefined,
    user: (await exists(beside("user"))) ? beside("user") : undefined,
  };
}

/** The header row's fields; an error naming the file and the column when it is not `name:type`. */
export async function readRecBoleHeader(path: string): Promise<RecBoleField[]> {
  for await (const { line, text } of readLines(path)) {
    return text.split("\t").map((column, index) => {
      const at = column.lastIndexOf(":");
      const name = at > 0 ? column.slice(0, at).trim() : "";
      const type = at > 0 ? column.slice(at + 1).trim() : "";
      if (name === "" || !(recBoleFieldTypes as readonly string[]).includes(type)) {
        throw new Error(`${path} line ${line}, column ${index + 1}: "${column}" is not a RecBole field (name:${recBoleFieldTypes.join("|")})`);
      }
      return { name, type: type as RecBoleFieldType };
    });
  }
  throw new Error(`${path} is empty: expected a header row of name:type fields`);
}

/** The rows after the header, fields by name (text as in the file; empty = missing). */
export async function* readRecBoleRecords(path: string, fields: readonly RecBoleField[], options: ReadOptions = {}): AsyncGenerator<FileRecord> {
  let header = true;
  for await (const { line, text } of readLines(path, options)) {
    if (header) {
      header = false;
      continue;
    }
    const cells = text.split("\t");
    if (cells.length !== fields.length) {
      yield { line, problem: { field: "row", reason: `expected ${fields.length} tab-separated fields (as the header), found ${cells.length}` } };
      continue;
    }
    const record: Record<string, unknown> = {};
    fields.forEach((field, index) => {
      record[field.name] = cells[index];
    });
    yield { line, fields: record };
  }
}

export type RecBoleFieldNames = { user?: string; item?: string; rating?: string; weight?: string; time?: string };

/** The interaction columns of a `.inter` header; an error naming what is missing. */
export function recBoleInteractionColumns(path: string, header: readonly RecBoleField[], names: RecBoleFieldNames, eventType?: EventType): InteractionColumns {
  const has = (name: string) => header.some((field) => field.name === name);
  const required = (name: string, option: string) => {
    if (!has(name)) throw new Error(`${path} has no field ${name} (fields: ${header.map((field) => field.name).join(", ")}); name it with ${option}`);
    return name;
  };
  const columns: InteractionColumns = {
    user: required(names.user ?? "user_id", "--user-field"),
    item: required(names.item ?? "item_id", "--item-field"),
    rating: names.rating ? required(names.rating, "--rating-field") : has("rating") && !eventType ? "rating" : undefined,
    weight: names.weight ? required(names.weight, "--weight-field") : undefined,
    time: names.time ? required(names.time, "--time-field") : has("timestamp") ? "timestamp" : undefined,
    timeFormat: "unix-s",
    eventType,
  };
  const problem = interactionColumnsProblem(columns);
  if (problem) throw new Error(`${path}: ${problem}`);
  return columns;
}

const GENRE_FIELDS = ["class", "genre", "genres", "categories", "category"];
const YEAR_FIELDS = ["release_year", "year"];

/** Which fields of a `.item` header carry the title, genres and year. */
export function recBoleItemFields(header: readonly RecBoleField[]): { title?: string; genres?: string; year?: string } {
  const names = header.map((field) => field.name);
  return {
    title: names.find((name) => name.includes("title")) ?? names.find((name) => name === "name"),
    genres: GENRE_FIELDS.find((name) => names.includes(name)),
    year: YEAR_FIELDS.find((name) => names.includes(name)),
  };
}

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value).trim());

/** A `.item` row → an item row of `PUT /v1/items`. */
export function recBoleItemToItem(
  idPrefix: string,
  itemField: string,
  header: readonly RecBoleField[],
  fields: Record<string, unknown>,
): Record<string, unknown>[] | RowProblem {
  const id = text(fields[itemField]);
  if (id === "") return { field: itemField, reason: "item id is missing" };
  const known = recBoleItemFields(header);
  const genres = known.genres ? splitGenres(text(fields[known.genres]), " ") : [];
  const year = known.year ? text(fields[known.year]) : "";
  const attributes: Record<string, string | number> = { source: "recbole" };
  for (const field of header) {
    if (field.name === itemField || field.name === known.title || field.name === known.genres || field.type.endsWith("_seq")) continue;
    const value = text(fields[field.name]);
    if (value !== "") attributes[field.name] = field.type === "float" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return [
    {
      id: interactionItemId(idPrefix, id),
      title: known.title ? text(fields[known.title]) : "",
      category: genres[0] ?? "unknown",
      tags: genres,
      publishedAt: `${/^\d{4}$/.test(year) ? year : "1970"}-01-01T00:00:00.000Z`,
      attributes,
    },
  ];
}

/** A `.user` row → a user row of `PUT /v1/users` (the other fields as attributes). */
export function recBoleUserToUser(
  idPrefix: string,
  userField: string,
  header: readonly RecBoleField[],
  fields: Record<string, unknown>,
): Record<string, unknown>[] | RowProblem {
  const id = text(fields[userField]);
  if (id === "") return { field: userField, reason: "user id is missing" };
  const attributes: Record<string, string | number> = {};
  for (const field of header) {
    const value = text(fields[field.name]);
    if (field.name === userField || value === "") continue;
    attributes[field.name] = field.type === "float" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return [{ id: interactionUserId(idPrefix, id), attributes }];
}

export type RecBoleImportOptions = ImportOptions & {
  /** Prefix of ids and namespace of event ids ("" keeps the file's ids). */
  idPrefix: string;
  fields?: RecBoleFieldNames;
  /** Type of the events of a file without a rating field (default click). */
  eventType?: EventType;
  defaultTime?: Date;
  /** Top of the rating scale (value = rating × 10 / ratingMax); default 5. */
  ratingMax?: number;
  progress: ProgressReporter;
};

export type RecBoleImport = { files: RecBoleFiles; columns: InteractionColumns; positive: PositiveSpec; summaries: ImportSummary[] };

/** Items (.item), users (.user), then interactions (.inter); each a stage with progress. */
export async function importRecBole(path: string, sinks: ImportSinks, options: RecBoleImportOptions): Promise<RecBoleImport> {
  const files = await findRecBoleFiles(path);
  const interHeader = await readRecBoleHeader(files.inter);
  const columns = recBoleInteractionColumns(files.inter, interHeader, options.fields ?? {}, options.eventType);
  const stages = createStageRunner(options.progress);
  const { idPrefix } = options;
  const item = files.item;
  if (item) {
    const header = await readRecBoleHeader(item);
    const itemField = header.some((field) => field.name === columns.item) ? columns.item : header[0]!.name;
    await stages.run("items", item, (onBytes) =>
      importRows(
        "items",
        item,
        mapRecords(readRecBoleRecords(item, header, { onBytes }), (fields) => recBoleItemToItem(idPrefix, itemField, header, fields)),
        sinks,
        options,
      ),
    );
  }
  const user = files.user;
  if (user) {
    const header = await readRecBoleHeader(user);
    const userField = header.some((field) => field.name === columns.user) ? columns.user : header[0]!.name;
    await stages.run("users", user, (onBytes) =>
      importRows(
        "users",
        user,
        mapRecords(readRecBoleRecords(user, header, { onBytes }), (fields) => recBoleUserToUser(idPrefix, userField, header, fields)),
        sinks,
        options,
      ),
    );
  }
  const mapping = {
    columns,
    idPrefix,
    defaultTime: options.defaultTime ?? DEFAULT_SYNTHETIC_TIME,
    ...(options.ratingMax ? { ratingMax: options.ratingMax } : {}),
  };
  await stages.run("interactions", files.inter, (onBytes) =>
    importRows(
      "events",
      files.inter,
      mapRecords(readRecBoleRecords(files.inter, interHeader, { onBytes }), (fields, line) => interactionToEvent(mapping, fields, line)),
      sinks,
      { ...options, missingItems: { placeholder: (itemId, firstSeenAt) => placeholderItem(itemId, firstSeenAt, "recbole") } },
    ),
  );
  const positive = defaultPositiveFor(columns.rating ? "recbole" : columns.weight ? "weights" : "events");
  return { files, columns, positive, summaries: stages.summaries };
}
