// Option parsers shared by the offline-job commands (training-set, skew).
import { InvalidArgumentError } from "commander";

/** The caller's way of running work against the configured (or embedded) database. */
export type DatabaseRunner = <T>(work: (databaseUrl: string) => Promise<T>) => Promise<T>;

/** ISO-8601 date or date-time (`2026-03-01`, `2026-03-01T12:00:00Z`). */
export function isoDate(value: string): Date {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new InvalidArgumentError("must be an ISO-8601 date or date-time");
  return parsed;
}

export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError("must be a positive number");
  return parsed;
}

export function rate(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) throw new InvalidArgumentError("must be between 0 and 1");
  return parsed;
}
