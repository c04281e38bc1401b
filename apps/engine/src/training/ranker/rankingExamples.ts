// A training set (training/dataset/trainingSet.ts) as columns the ranker trains on: raw feature values as one
// row-major Float32Array, labels, and the logging metadata the debiasing options need (position,
// propensity) and the evaluation groups by (request). Rows keep the file's order.
//
// Which columns are features: every column that is not a metadata or label column of the training
// set, unless the caller names them (then each must exist). Missing or non-numeric feature cells are
// a readable error naming the row and column — a silent 0 would train on garbage.
import { TRAINING_SET_LABEL_COLUMN_NAMES, TRAINING_SET_META_COLUMN_NAMES } from "../dataset/trainingSet.ts";

/** One training-set row as any of the writers' formats reads back (CSV strings, JSON values, Parquet). */
export type TrainingSetRecord = Readonly<Record<string, unknown>>;

export type RankingExamples = {
  rows: number;
  featureNames: readonly string[];
  /** Raw feature values, row-major [rows, featureNames.length]. */
  features: Float32Array;
  impressionAtMs: Float64Array;
  /** Dense id of the slate a row was served in (its request id; user and time when there is none). */
  requestGroup: Int32Array;
  userIds: string[];
  itemIds: string[];
  /** Logged 0-based position; NaN when the impression had none. */
  position: Float64Array;
  /** Logged propensity of the logging policy; NaN when the impression had none. */
  propensity: Float64Array;
  click: Float32Array;
  like: Float32Array;
  watchSeconds: Float32Array;
};

const NON_FEATURE_COLUMNS = new Set([...TRAINING_SET_META_COLUMN_NAMES, ...TRAINING_SET_LABEL_COLUMN_NAMES]);

/** The feature columns of a training set's header: every column that is not metadata or a label. */
export function featureColumnsOf(columns: readonly string[]): string[] {
  return columns.filter((column) => !NON_FEATURE_COLUMNS.has(column));
}

/** Appends records one at a time into growable typed columns; `finish` trims them. */
export class RankingExamplesBuilder {
  private capacity = 1024;
  private count = 0;
  private features: Float32Array;
  private impressionAtMs = new Float64Array(this.capacity);
  private position = new Float64Array(this.capacity);
  private propensity = new Float64Array(this.capacity);
  private click = new Float32Array(this.capacity);
  private like = new Float32Array(this.capacity);
  private watchSeconds = new Float32Array(this.capacity);
  private readonly requestGroup: number[] = [];
  private readonly userIds: string[] = [];
  private readonly itemIds: string[] = [];
  private readonly groups = new Map<string, number>();

  constructor(readonly featureNames: readonly string[]) {
    if (featureNames.length === 0) throw new Error("training set: no feature columns");
    this.features = new Float32Array(this.capacity * featureNames.length);
  }

  add(record: TrainingSetRecord): void {
    const names = this.featureNames;
    this.addRow(
      (k) => record[names[k]!],
      (column) => record[column],
    );
  }

  /**
   * Appends `rows` rows given column-wise (column name → values by row, e.g. a Parquet row group):
   * the same checks as `add`, without building an object per row.
   */
  addColumns(columns: ReadonlyMap<string, ArrayLike<unknown>>, rows: number): void {
    const featureColumns = this.featureNames.map((name) => columns.get(name) ?? []);
    for (let row = 0; row < rows; row += 1) {
      this.addRow(
        (k) => featureColumns[k]![row],
        (column) => columns.get(column)?.[row],
      );
    }
  }

  /** One row: `feature(k)` is the cell of featureNames[k], `cell(name)` of a metadata or label column. */
  private addRow(feature: (k: number) => unknown, cell: (column: string) => unknown): void {
    if (this.count === this.capacity) this.grow();
    const row = this.count;
    const where = `training set row ${row + 1}`;
    const F = this.featureNames.length;
    for (let k = 0; k < F; k += 1) {
      const raw = feature(k);
      const value = numberOf(raw);
      if (value === null || !Number.isFinite(value))
        throw new Error(`${where}: feature ${this.featureNames[k]!} is ${JSON.stringify(raw ?? null)}, expected a finite number`);
      this.features[row * F + k] = value;
    }
    const userId = stringOf(cell("user_id"));
    const itemId = stringOf(cell("item_id"));
    if (userId === null || itemId === null) throw new Error(`${where}: user_id and item_id are required`);
    const impressionAt = cell("impression_at");
    const at = timeOf(impressionAt);
    if (at === null) throw new Error(`${where}: impression_at ${JSON.stringify(impressionAt ?? null)} is not a time`);
    this.userIds.push(userId);
    this.itemIds.push(itemId);
    this.impressionAtMs[row] = at;
    const requestId = stringOf(cell("request_id"));
    const groupKey = requestId ?? `${userId}\u0000${at}`;
    let group = this.groups.get(groupKey);
    if (group === undefined) {
      group = this.groups.size;
      this.groups.set(groupKey, group);
    }
    this.requestGroup.push(group);
    this.position[row] = numberOf(cell("position")) ?? Number.NaN;
    this.propensity[row] = numberOf(cell("propensity")) ?? Number.NaN;
    this.click[row] = label(cell("label_click"), "label_click", where);
    this.like[row] = label(cell("label_like"), "label_like", where);
    const watchCell = cell("watch_seconds");
    const watch = numberOf(watchCell) ?? 0;
    if (!(watch >= 0)) throw new Error(`${where}: watch_seconds must be ≥ 0, got ${String(watchCell)}`);
    this.watchSeconds[row] = watch;
    this.count += 1;
  }

  finish(): RankingExamples {
    const n = this.count;
    return {
      rows: n,
      featureNames: [...this.featureNames],
      features: this.features.slice(0, n * this.featureNames.length),
      impressionAtMs: this.impressionAtMs.slice(0, n),
      requestGroup: Int32Array.from(this.requestGroup),
      userIds: this.userIds,
      itemIds: this.itemIds,
      position: this.position.slice(0, n),
      propensity: this.propensity.slice(0, n),
      click: this.click.slice(0, n),
      like: this.like.slice(0, n),
      watchSeconds: this.watchSeconds.slice(0, n),
    };
  }

  private grow(): void {
    this.capacity *= 2;
    const grown = <T extends Float32Array | Float64Array>(array: T, size: number): T => {
      const next = new (array.constructor as new (length: number) => T)(size);
      next.set(array);
      return next;
    };
    this.features = grown(this.features, this.capacity * this.featureNames.length);
    this.impressionAtMs = grown(this.impressionAtMs, this.capacity);
    this.position = grown(this.position, this.capacity);
    this.propensity = grown(this.propensity, this.capacity);
    this.click = grown(this.click, this.capacity);
    this.like = grown(this.like, this.capacity);
    this.watchSeconds = grown(this.watchSeconds, this.capacity);
  }
}

/** Builds examples from in-memory records; feature columns from the first record unless named. */
export function rankingExamplesFromRecords(records: readonly TrainingSetRecord[], featureNames?: readonly string[]): RankingExamples {
  if (records.length === 0) throw new Error("training set is empty");
  const names = resolveFeatureNames(Object.keys(records[0]!), featureNames);
  const builder = new RankingExamplesBuilder(names);
  for (const record of records) builder.add(record);
  return builder.finish();
}

/** The requested feature columns (each must exist in `columns`), or every feature column there is. */
export function resolveFeatureNames(columns: readonly string[], requested: readonly string[] | undefined): string[] {
  if (!requested) return featureColumnsOf(columns);
  const present = new Set(columns);
  const missing = requested.filter((name) => !present.has(name));
  if (missing.length > 0) throw new Error(`training set lacks feature columns [${missing.join(", ")}]`);
  return [...requested];
}

function numberOf(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const parsed = Number(value);
    return Number.isNaN(parsed) ? Number.NaN : parsed;
  }
  return Number.NaN;
}

function stringOf(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  return String(value);
}

function timeOf(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}

function label(value: unknown, name: string, where: string): 0 | 1 {
  const parsed = numberOf(value);
  if (parsed === 0 || parsed === null) return 0;
  if (parsed === 1) return 1;
  throw new Error(`${where}: ${name} must be 0 or 1, got ${JSON.stringify(value)}`);
}

/** The same examples restricted to (and ordered by) `featureNames`, each of which must exist. */
export function selectFeatures(examples: RankingExamples, featureNames: readonly string[]): RankingExamples {
  const indices = resolveFeatureNames(examples.featureNames, featureNames).map((name) => examples.featureNames.indexOf(name));
  if (indices.length === examples.featureNames.length && indices.every((index, k) => index === k)) return examples;
  const F = examples.featureNames.length;
  const features = new Float32Array(examples.rows * indices.length);
  for (let row = 0; row < examples.rows; row += 1) {
    for (let k = 0; k < indices.length; k += 1) features[row * indices.length + k] = examples.features[row * F + indices[k]!]!;
  }
  return { ...examples, featureNames: [...featureNames], features };
}
