// A structured diff of two rule-set configs, for the version history. Hand-written because no diff
// library is installed (`ls node_modules | grep -i diff` is empty) and the job is small: configs are
// plain JSON a few KB in size. Arrays of objects with an `id` (sources, rules, filter expressions)
// are matched by id, so reordering rules reads as "moved", not as every rule changing.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type ConfigChange =
  | { kind: "added"; path: string; after: JsonValue }
  | { kind: "removed"; path: string; before: JsonValue }
  | { kind: "changed"; path: string; before: JsonValue; after: JsonValue }
  | { kind: "moved"; path: string; from: number; to: number };

const isObject = (value: unknown): value is Record<string, JsonValue> => typeof value === "object" && value !== null && !Array.isArray(value);

function idOf(value: JsonValue): string | null {
  return isObject(value) && typeof value.id === "string" ? value.id : null;
}

/** `a.b[2]`, or `rules[id=freshness].weight` inside id-keyed arrays. */
function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function diffArrays(before: JsonValue[], after: JsonValue[], path: string, out: ConfigChange[]): void {
  const beforeIds = before.map(idOf);
  const afterIds = after.map(idOf);
  const keyedById =
    beforeIds.every((id) => id !== null) &&
    afterIds.every((id) => id !== null) &&
    new Set(beforeIds).size === before.length &&
    new Set(afterIds).size === after.length;
  if (!keyedById) {
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index++) {
      const at = `${path}[${index}]`;
      if (index >= before.length) out.push({ kind: "added", path: at, after: after[index]! });
      else if (index >= after.length) out.push({ kind: "removed", path: at, before: before[index]! });
      else diffValues(before[index]!, after[index]!, at, out);
    }
    return;
  }
  const afterIndex = new Map(afterIds.map((id, index) => [id!, index]));
  const beforeIndex = new Map(beforeIds.map((id, index) => [id!, index]));
  before.forEach((value, index) => {
    const id = beforeIds[index]!;
    const at = `${path}[id=${id}]`;
    const to = afterIndex.get(id);
    if (to === undefined) {
      out.push({ kind: "removed", path: at, before: value });
      return;
    }
    // Order matters for rules and expressions; report a move when the relative order changed.
    const survivorsBefore = beforeIds.filter((other) => afterIndex.has(other!));
    const survivorsAfter = afterIds.filter((other) => beforeIndex.has(other!));
    const rankBefore = survivorsBefore.indexOf(id);
    const rankAfter = survivorsAfter.indexOf(id);
    if (rankBefore !== rankAfter) out.push({ kind: "moved", path: at, from: index, to });
    diffValues(value, after[to]!, at, out);
  });
  after.forEach((value, index) => {
    const id = afterIds[index]!;
    if (!beforeIndex.has(id)) out.push({ kind: "added", path: `${path}[id=${id}]`, after: value });
  });
}

function diffValues(before: JsonValue, after: JsonValue, path: string, out: ConfigChange[]): void {
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(before, after, path, out);
    return;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const at = join(path, key);
      if (!(key in before)) out.push({ kind: "added", path: at, after: after[key]! });
      else if (!(key in after)) out.push({ kind: "removed", path: at, before: before[key]! });
      else diffValues(before[key]!, after[key]!, at, out);
    }
    return;
  }
  if (!Object.is(before, after)) out.push({ kind: "changed", path: path || "(root)", before, after });
}

/** Every difference from `before` to `after`, in document order. */
export function diffConfigs(before: JsonValue, after: JsonValue): ConfigChange[] {
  const out: ConfigChange[] = [];
  diffValues(before, after, "", out);
  return out;
}

/** A value as one short line (long lists and objects are abbreviated). */
export function formatJsonValue(value: JsonValue, maxLength = 80): string {
  const text = JSON.stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
