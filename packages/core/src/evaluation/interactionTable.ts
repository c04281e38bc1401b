// Interaction files as published benchmarks ship them, read into string columns: RecBole atomic
// files (`user_id:token<TAB>item_id:token<TAB>rating:float<TAB>timestamp:float` header), MovieLens
// u.data / ratings.dat / ratings.csv, or any CSV/TSV of `user,item[,rating,timestamp]` with or
// without a header. Ids stay strings here; the caller maps them onto its own id space.

export interface InteractionTable {
  /** Where the rows came from, for error messages (a file name). */
  readonly source: string;
  readonly users: string[];
  readonly items: string[];
  /** NaN where the file has no rating column. */
  readonly ratings: Float64Array;
  /** Seconds or whatever unit the file uses; 0 where the file has no timestamp column. */
  readonly timestamps: Float64Array;
  /** 1-based line of each row in the file, for error messages about a row. */
  readonly lines: Int32Array;
}

type Columns = { user: number; item: number; rating: number; timestamp: number };

function delimiterOf(line: string): string | RegExp {
  if (line.includes("::")) return "::";
  if (line.includes("\t")) return "\t";
  if (line.includes(",")) return ",";
  return /\s+/;
}

/** Header cell → role, by name: RecBole's `user_id:token`, MovieLens's `userId`, plain `user`, … */
function roleOf(cell: string): keyof Columns | null {
  const name = cell
    .split(":")[0]!
    .trim()
    .toLowerCase()
    .replace(/[^a-z]/g, "");
  if (name === "user" || name === "userid") return "user";
  if (name === "item" || name === "itemid" || name === "movie" || name === "movieid") return "item";
  if (name === "rating" || name === "score" || name === "value") return "rating";
  if (name === "timestamp" || name === "time" || name === "ts") return "timestamp";
  return null;
}

export function parseInteractionTable(text: string, source: string): InteractionTable {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((line) => line.trim() !== "");
  if (first === -1) throw new Error(`${source}: no rows`);
  const delimiter = delimiterOf(lines[first]!);
  const split = (line: string) => line.split(delimiter).map((cell) => cell.trim());
  const firstCells = split(lines[first]!);
  // A header is a first line whose item cell is not numeric (ids in data rows may be any token,
  // but every supported header names its columns).
  const hasHeader = firstCells.some((cell) => roleOf(cell) !== null) && firstCells.every((cell) => !/^-?\d+(\.\d+)?$/.test(cell));
  let columns: Columns = { user: 0, item: 1, rating: 2, timestamp: 3 };
  if (hasHeader) {
    const found: Partial<Columns> = {};
    firstCells.forEach((cell, at) => {
      const role = roleOf(cell);
      if (role && found[role] === undefined) found[role] = at;
    });
    if (found.user === undefined || found.item === undefined) {
      throw new Error(`${source} line ${first + 1}: header "${lines[first]}" names no user and item columns (expected e.g. user_id:token, item_id:token)`);
    }
    columns = { user: found.user, item: found.item, rating: found.rating ?? -1, timestamp: found.timestamp ?? -1 };
  }
  const users: string[] = [];
  const items: string[] = [];
  const ratings: number[] = [];
  const timestamps: number[] = [];
  const lineNumbers: number[] = [];
  for (let l = hasHeader ? first + 1 : first; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.trim() === "") continue;
    const cells = split(line);
    const cell = (at: number) => (at >= 0 && at < cells.length ? cells[at]! : "");
    const user = cell(columns.user);
    const item = cell(columns.item);
    if (user === "" || item === "") throw new Error(`${source} line ${l + 1}: expected a user and an item, got "${line}"`);
    const number = (at: number, name: string, missing: number) => {
      const raw = cell(at);
      if (raw === "") return missing;
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new Error(`${source} line ${l + 1}: ${name} "${raw}" is not a number`);
      return value;
    };
    users.push(user);
    items.push(item);
    ratings.push(number(columns.rating, "rating", Number.NaN));
    timestamps.push(number(columns.timestamp, "timestamp", 0));
    lineNumbers.push(l + 1);
  }
  if (users.length === 0) throw new Error(`${source}: no rows`);
  return { source, users, items, ratings: Float64Array.from(ratings), timestamps: Float64Array.from(timestamps), lines: Int32Array.from(lineNumbers) };
}
