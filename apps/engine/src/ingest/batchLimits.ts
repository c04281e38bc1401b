// Batch size limits shared by the write endpoints: too many rows is 413 (the request is too big,
// split it), checked before validating the rows so an oversized batch costs little.
import { MAX_BATCH } from "@cascade/core";
import { BatchTooLargeError } from "./inputErrors.ts";

export function assertBatchSize(body: unknown, field: string): void {
  const rows = (body as Record<string, unknown> | null)?.[field];
  if (Array.isArray(rows) && rows.length > MAX_BATCH) {
    throw new BatchTooLargeError(`${field}: at most ${MAX_BATCH} per request, got ${rows.length}; split the batch`);
  }
}
