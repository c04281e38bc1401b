export type { Candidate, ItemAttributes, ServedCandidate, SourceCandidate, SourceHit } from "./candidate.ts";
export type { FunnelQuery, QueryFacts } from "./query.ts";
export type {
  CandidateSource,
  Explorer,
  ExplorationOutcome,
  Filter,
  FilterOutcome,
  QueryHydrator,
  Rule,
  RuleOutcome,
  Scorer,
  ScoreUpdate,
  SideEffect,
  TallyCounter,
} from "./components.ts";
export type { ComponentTrace, FunnelResult, FunnelTrace, RuleEffect, ServedItemTrace, StageName, StageTrace, TraceDetail } from "./trace.ts";
export { runFunnel, type FunnelPipeline, type RunOptions } from "./runFunnel.ts";
export { mergeCandidates } from "./mergeCandidates.ts";
export { explainItem, type ItemExplanation } from "./explainItem.ts";
export { runWithinBudget } from "./componentBudget.ts";
