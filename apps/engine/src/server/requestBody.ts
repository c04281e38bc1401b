// Parses a request body against its core zod contract and against what PostgreSQL can store.
// Throws one 400 `validation_failed` listing every problem, so a client fixes a batch in one go.
import type { z } from "zod";
import { issuesFromZod, validationFailed, type ApiIssue } from "./errors.ts";
import { findUnstorableStrings } from "./storableValues.ts";

export function parseRequestBody<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  moreChecks?: (data: z.output<Schema>) => ApiIssue[],
): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw validationFailed(issuesFromZod(parsed.error));
  const issues = [...findUnstorableStrings(parsed.data), ...(moreChecks?.(parsed.data) ?? [])];
  if (issues.length > 0) throw validationFailed(issues);
  return parsed.data;
}
