// Parses a request body against its core zod contract and against what PostgreSQL can store.
// Throws one InvalidInputError listing every problem (HTTP: 400 `validation_failed`), so a client
// fixes a batch in one go.
import type { z } from "zod";
import { InvalidInputError, issuesFromZod, type InputIssue } from "./inputErrors.ts";
import { findUnstorableStrings } from "../postgres/storableValues.ts";

export function parseInput<Schema extends z.ZodType>(schema: Schema, body: unknown, moreChecks?: (data: z.output<Schema>) => InputIssue[]): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(issuesFromZod(parsed.error));
  const issues = [...findUnstorableStrings(parsed.data), ...(moreChecks?.(parsed.data) ?? [])];
  if (issues.length > 0) throw new InvalidInputError(issues);
  return parsed.data;
}
