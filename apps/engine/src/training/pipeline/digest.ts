// Build digests (DESIGN convention 7): a step's output is keyed by the SHA-256 of a canonical JSON
// of everything that determines it — its config section, the data window, the fingerprint of the
// data and the digests of the steps it reads. Canonical = object keys sorted, so the same inputs
// always give the same digest however they were assembled. PIPELINE_VERSION is part of every
// digest: bump it when a step's code changes what it writes, so old cached outputs stop matching.
import { createHash } from "node:crypto";

export const PIPELINE_VERSION = 1;

export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, child]) => child !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(",")}}`;
}

/** SHA-256 (hex) of the canonical JSON of `{ step, pipelineVersion, ...inputs }`. */
export function stepDigest(step: string, inputs: Record<string, unknown>): string {
  return createHash("sha256")
    .update(canonicalJson({ step, pipelineVersion: PIPELINE_VERSION, ...inputs }))
    .digest("hex");
}
