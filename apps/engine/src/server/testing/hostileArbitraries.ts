// Hostile-input arbitraries (fast-check) shared by the property tests of issue 13: malformed JSON
// text, wrong types, huge strings and arrays, deep nesting, NUL and lone surrogates, extreme
// numbers, hostile path segments and query strings, and bodies derived from a route's declared
// example by replacing one field or duplicating a batch's entries. Test code only.
import fc from "fast-check";

/** A raw JSON fragment spliced into the body after JSON.stringify (which itself cannot nest 20k deep). */
const RAW = "\u0001raw:";
export const raw = (json: string) => `${RAW}${json}${RAW}`;
export const spliceRaw = (json: string) => json.replace(new RegExp(`"${RAW}(.*?)${RAW}"`, "gs"), (_, inner: string) => JSON.parse(`"${inner}"`) as string);

export const deepJson = (depth: number, kind: "array" | "object") =>
  kind === "array" ? "[".repeat(depth) + "0" + "]".repeat(depth) : '{"a":'.repeat(depth) + "0" + "}".repeat(depth);

/** NUL, lone surrogates, a noncharacter, emoji, right-to-left override. */
export const unicodeEdges = fc.constantFrom("\u0000", "\uD800", "\uDFFF", "a\uDBFFb", "\uFFFF", "😀", "\u202E", "\u0000\uD800");

/** Numbers JSON can carry that sit at the edges: ±1e308, -0, past 2^53, the smallest subnormal. */
export const extremeNumbers = fc.constantFrom(1e308, -1e308, -0, 2 ** 53 + 1, -(2 ** 53) - 1, 5e-324, 1e21, -1, 0.5, 4_294_967_296);

/** Number-ish JSON text: overflowing literals (parsed as ±Infinity), and tokens JSON does not have. */
export const rawNumberTexts = fc.constantFrom("1e309", "-1e309", "1e-400", "-0", "NaN", "Infinity", "-Infinity", "0x10", "01", "1.", ".5", "+1");

/** Strings that mean something to someone: NaN-like, path traversal, prototype keys, SQL, huge. */
export const hostileString = fc.oneof(
  unicodeEdges,
  fc.constantFrom("", " ", "NaN", "-0", "Infinity", "null", "undefined", "__proto__", "constructor", "../../etc/passwd", "' OR 1=1 --", "%00", "%", "\\"),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.integer({ min: 65, max: 20_000 }).map((length) => "x".repeat(length)),
  fc.integer({ min: 1, max: 500 }).map((count) => "😀".repeat(count)),
);

/** Any JSON-able value, hostile at the leaves (nested a little; deep nesting is `deepJson`). */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    hostileString,
    extremeNumbers,
    fc.double(),
    fc.integer(),
    fc.constantFrom(null, true, false, [], {}),
    fc.array(tie("any"), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom("id", "__proto__", "constructor", "userId", "items", "type"), hostileString), tie("any"), { maxKeys: 5 }),
  ),
})).any;

/** Bodies that are not JSON, or not the JSON they claim to be. */
export const malformedJsonText = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "{",
    "}",
    "[",
    '{"a":',
    '{"a":1,}',
    "[1,]",
    "nul",
    "tru",
    "'single'",
    '{"a":1}{"b":2}',
    "\u0000",
    "{\u0000}",
    '"\\ud800',
    "\uFEFF{}",
    '{"a":"\\x41"}',
  ),
  rawNumberTexts,
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 2, max: 20_000 }).map((depth) => "[".repeat(depth)),
);

/** Invalid UTF-8 (overlong, encoded surrogate, truncated sequence, stray continuation byte) inside a JSON string. */
export const invalidUtf8Body = fc
  .constantFrom([0xc0, 0xae], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xff, 0xfe], [0x00])
  .map((bytes) => Buffer.concat([Buffer.from('{"id":"'), Buffer.from(bytes), Buffer.from('"}')]));

/** Path parameters a client may send: plain, unicode, very long, `..`, NUL-ish and malformed percent-encodings. */
export const hostilePathSegment = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,12}$/),
  fc.constantFrom("..", ".", "%2e%2e", "..%2f..%2fetc", "%00", "a%00b", "%ZZ", "%", "%C0%AE", "%ED%A0%80", "%uD800", "%FF", "%20", "+", "~", "null", "0", "-1"),
  fc.constantFrom("😀", "é", "\u202E", "日本語").map((text) => encodeURIComponent(text)),
  fc.integer({ min: 65, max: 10_000 }).map((length) => "x".repeat(length)),
  fc.string({ maxLength: 20 }).map((text) => encodeURIComponent(text)),
);

/** A query string (without `?`): repeated keys, brackets, prototype keys, huge and percent-encoded values. */
export const hostileQuery = fc
  .array(
    fc.tuple(
      fc.constantFrom("slot", "kind", "status", "surface", "id", "cuped", "userId", "__proto__", "constructor", "a[]", "a[b]", "", "%00"),
      fc.oneof(hostilePathSegment, fc.constantFrom("true", "false", "1e309", "NaN", "", "%")),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join("&"));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a JSON value (the value itself is `[]`). */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(value)) value.forEach((entry, index) => paths.push(...pathsOf(entry, [...prefix, index])));
  else if (value !== null && typeof value === "object") for (const [key, entry] of Object.entries(value)) paths.push(...pathsOf(entry, [...prefix, key]));
  return paths;
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((entry, index) => (index === head ? replaceAt(entry, rest, replacement) : entry));
  const record = value as Record<string, unknown>;
  return { ...record, [head!]: replaceAt(record[head!], rest, replacement) };
}

function withEveryString(value: unknown, change: (text: string) => string): unknown {
  if (typeof value === "string") return change(value);
  if (Array.isArray(value)) return value.map((entry) => withEveryString(entry, change));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withEveryString(entry, change)]));
  return value;
}

/** Arrays of objects in a JSON value (batches: `items`, `users`, `events`, `variants`…). */
function batchPaths(value: unknown): (string | number)[][] {
  return pathsOf(value).filter((path) => {
    const at = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);
    return Array.isArray(at) && at.length > 0 && typeof at[0] === "object" && at[0] !== null;
  });
}

/** A body shaped like `example` with one hostile change: a field replaced, a raw fragment spliced in, or a batch's entries repeated. */
export function mutatedExample(example: unknown, options: { bodyLimit: number }): fc.Arbitrary<string> {
  const paths = pathsOf(example);
  const batches = batchPaths(example);
  const at = fc.constantFrom(...paths);
  const variants: fc.Arbitrary<string>[] = [
    fc.tuple(at, hostileValue).map(([path, value]) => JSON.stringify(replaceAt(example, path, value) ?? null)),
    fc
      .tuple(
        at,
        fc.oneof(
          rawNumberTexts,
          fc.integer({ min: 2, max: 20_000 }).map((depth) => deepJson(depth, "object")),
        ),
      )
      .map(([path, text]) => spliceRaw(JSON.stringify(replaceAt(example, path, raw(text))))),
    // A unicode edge (NUL, lone surrogate…) appended to every string of the example at once: every id, key and name.
    unicodeEdges.map((edge) => JSON.stringify(withEveryString(example, (text) => `${text}${edge}`))),
    // A string within or beyond the body limit.
    fc
      .tuple(at, fc.integer({ min: Math.floor(options.bodyLimit / 2), max: options.bodyLimit * 2 }))
      .map(([path, length]) => JSON.stringify(replaceAt(example, path, "z".repeat(length)))),
    // A big array of numbers where something else was.
    fc
      .tuple(at, fc.integer({ min: 1, max: 50_000 }))
      .map(([path, length]) => spliceRaw(JSON.stringify(replaceAt(example, path, raw(`[${new Array(length).fill(0).join(",")}]`))))),
    // Unknown fields and prototype keys beside the known ones.
    fc.constantFrom('"__proto__":{"admin":true}', '"constructor":{"prototype":{"x":1}}', '"extra":[1,2,3]').map((field) => {
      const text = JSON.stringify(example);
      return text.startsWith("{") && text !== "{}" ? `{${field},${text.slice(1)}` : text;
    }),
  ];
  if (batches.length > 0) {
    // Duplicate entries (same ids) in a batch, from a pair up to past any batch limit.
    variants.push(
      fc.tuple(fc.constantFrom(...batches), fc.integer({ min: 2, max: 2_000 })).map(([path, copies]) => {
        const entries = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], example) as Json[];
        return JSON.stringify(
          replaceAt(
            example,
            path,
            Array.from({ length: copies }, () => entries[0]),
          ),
        );
      }),
    );
  }
  return fc.oneof(...variants);
}

/** Any hostile body text (or raw bytes) for a route with a declared `example` (or none). */
export function hostileBody(example: unknown, options: { bodyLimit: number }): fc.Arbitrary<string | Buffer> {
  const generic: fc.Arbitrary<string | Buffer>[] = [
    malformedJsonText,
    invalidUtf8Body,
    hostileValue.map((value) => JSON.stringify(value) ?? "null"),
    fc
      .record({ depth: fc.integer({ min: 1_000, max: 20_000 }), kind: fc.constantFrom<"array" | "object">("array", "object") })
      .map(({ depth, kind }) => deepJson(depth, kind)),
    fc.integer({ min: Math.floor(options.bodyLimit / 2), max: options.bodyLimit * 2 }).map((length) => JSON.stringify("s".repeat(length))),
    fc.integer({ min: 1, max: 100_000 }).map((length) => `[${new Array(length).fill("1e308").join(",")}]`),
  ];
  return example === undefined
    ? fc.oneof(...generic)
    : fc.oneof({ arbitrary: mutatedExample(example, options), weight: 3 }, ...generic.map((arbitrary) => ({ arbitrary, weight: 1 })));
}
