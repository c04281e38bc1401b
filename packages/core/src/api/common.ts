import { z } from "zod";

/** External ids: what client apps use for items, users, creators. */
export const entityId = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[A-Za-z0-9._:@-]+$/, "may contain only letters, digits and . _ : @ -");

export const surfaceId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9_-]+$/, "must be lowercase letters, digits, _ or -");

/** Largest batch accepted by any write endpoint. */
export const MAX_BATCH = 1000;

export const isoTimestamp = z.iso.datetime({ offset: true, message: "must be an ISO-8601 timestamp" });

/** Free-form attributes: flat JSON values only, so filters can address them. */
export const attributes = z
  .record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean(), z.null(), z.array(z.string().max(256)).max(64)]))
  .default({});

/** The error body every 4xx/5xx response carries. */
export const apiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** Offending fields, as dotted paths (e.g. `items.3.category`) with the problem. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ApiError = z.infer<typeof apiError>;

/** One problem with a request or an imported row, at a dotted path such as `items.3.category`. */
export type InputIssue = { path: string; message: string };

/** `["items", 3, "category"]` → `items.3.category`; the body itself → `body`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "body" : path.map(String).join(".");
}

export const apiKeyScope = z.enum(["ingest", "recommend", "admin"]);
export type ApiKeyScope = z.infer<typeof apiKeyScope>;
