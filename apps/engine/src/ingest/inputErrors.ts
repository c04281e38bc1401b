// What ingestion (the HTTP write routes and `cascade import` alike) reports when input is refused or
// a backing service is down. Domain errors, not HTTP ones: server/errors.ts maps them to status
// codes in one place, and the importer turns them into rejected rows with line numbers.
import { dottedPath, type InputIssue } from "@cascade/core";
import type { ZodError } from "zod";

export { dottedPath, type InputIssue };

/** The input does not validate; `issues` lists every bad field so a client fixes a batch in one go. */
export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
  constructor(readonly issues: InputIssue[]) {
    super(describeIssues(issues));
  }
}

/** More rows than one request may carry: split the batch. */
export class BatchTooLargeError extends Error {
  override readonly name = "BatchTooLargeError";
}

/** A backing service (database, stream, online store) failed; the caller may retry later. */
export class IngestUnavailableError extends Error {
  override readonly name = "IngestUnavailableError";
}

export function issuesFromZod(error: ZodError, prefix: readonly PropertyKey[] = []): InputIssue[] {
  return error.issues.map((issue) => ({ path: dottedPath([...prefix, ...issue.path]), message: issue.message }));
}

/** The first problem, and how many more: the message a client sees first. */
export function describeIssues(issues: InputIssue[]): string {
  const first = issues[0];
  if (!first) return "the request is invalid";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  return `${first.path}: ${first.message}${more}`;
}
