// The funnel trace: per stage and per component, time, counts in/out, removed items with reasons,
// names written, rule effects; and per served item its score breakdown, sources and propensity.
// Plain JSON (no Maps, no typed arrays) so it can be returned with `debug: true`, sampled into
// logs and drawn by the console's feed debugger; explainItem() answers "why / why not" from it.
import type { DegradedCause, FunnelTrace } from "@cascade/core";
import type { ServedCandidate } from "./candidate.ts";

// The trace's JSON types live in @cascade/core so the console reads the very same shapes.
export type {
  CandidateTrace,
  ComponentStatus,
  ComponentTrace,
  FunnelTrace,
  RemovedItem,
  RuleEffect,
  ServedItemTrace,
  StageName,
  StageTrace,
  TraceDetail,
} from "@cascade/core";

export type FunnelResult = {
  requestId: string;
  page: ServedCandidate[];
  degraded: boolean;
  /** Why `degraded`: every component that failed, timed out or failed closed, with the reason. */
  degradedCauses: DegradedCause[];
  trace: FunnelTrace;
};

/** Rounds milliseconds to 0.01 ms to keep the JSON short. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
