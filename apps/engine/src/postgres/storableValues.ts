// What PostgreSQL cannot store, checked before writing so that one odd string yields a 400 naming
// its field (or a rejected event) instead of failing the whole transaction with a 500:
// - NUL characters (text and jsonb refuse U+0000),
// - unpaired UTF-16 surrogates (not valid Unicode; the driver cannot send them),
// - timestamps PostgreSQL rejects although they are valid ISO-8601 (year 0000, offsets beyond ±15:59).
import { dottedPath, type InputIssue } from "@cascade/core";

const NUL = "\u0000";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

function problemWithString(text: string): string | null {
  if (text.includes(NUL)) return "must not contain NUL (\\u0000) characters";
  if (LONE_SURROGATE.test(text)) return "must be valid Unicode (it contains an unpaired surrogate)";
  return null;
}

/** Every string (and object key) in `value` that PostgreSQL cannot store, with its path. */
export function findUnstorableStrings(value: unknown, path: readonly PropertyKey[] = []): InputIssue[] {
  const issues: InputIssue[] = [];
  const visit = (node: unknown, at: readonly PropertyKey[]): void => {
    if (typeof node === "string") {
      const problem = problemWithString(node);
      if (problem) issues.push({ path: dottedPath(at), message: problem });
    } else if (Array.isArray(node)) {
      node.forEach((child, index) => visit(child, [...at, index]));
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        const keyProblem = problemWithString(key);
        if (keyProblem) issues.push({ path: dottedPath([...at, key]), message: `key ${keyProblem}` });
        visit(child, [...at, key]);
      }
    }
  };
  visit(value, path);
  return issues;
}

const OFFSET = /(?:([+-])(\d{2}):?(\d{2}))$/;

/** Why PostgreSQL would refuse this (already ISO-validated) timestamp, or null. */
export function timestampProblem(isoTimestamp: string): string | null {
  if (isoTimestamp.startsWith("0000")) return "year must be 0001 or later";
  const offset = OFFSET.exec(isoTimestamp);
  if (offset && Number(offset[2]) > 15) return "UTC offset must be within ±15:59";
  return null;
}

/** A copy safe for a jsonb column (dead letters keep whatever arrived): NULs and lone surrogates become U+FFFD. */
export function toStorableJson(value: unknown): unknown {
  if (typeof value === "string") return sanitize(value);
  if (Array.isArray(value)) return value.map(toStorableJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [sanitize(key), toStorableJson(child)]));
  }
  return value;
}

function sanitize(text: string): string {
  return text.replaceAll(NUL, "\uFFFD").replace(LONE_SURROGATES, "\uFFFD");
}
