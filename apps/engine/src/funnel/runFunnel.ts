// The pipeline runner: one request through a surface's declared components.
//
//   hydrateQuery (concurrent, budgeted) → sources (concurrent, budgeted) → merge (quotas, provenance)
//   → hydrateCandidates (concurrent, budgeted: item attributes and the item features filters read)
//   → filters (in order) → score (in order, budgeted: feature hydrators, then the ranker)
//   → blend → rules (in order) → exploration (page + propensities) → side effects (not awaited)
//
// Fail-open for quality, fail-closed for safety: a source or hydrator that throws or overruns is
// dropped and recorded; a throwing filter or rule is skipped unless it is marked `failClosed`
// (safety filters, diversity caps), which then removes every candidate; a failing scorer leaves
// its declared defaults; a failing explorer leaves the ranked order with propensity 1. Each is
// recorded in the trace and in `degradedCauses`, and the result is marked degraded. Nothing here
// throws for a component's failure.
import { NO_VALUES, servedCandidate, writableFeatures, writableScores, type Candidate, type ServedCandidate } from "./candidate.ts";
import { blendScores, sortByScore } from "./blendScores.ts";
import { runWithinBudget } from "./componentBudget.ts";
import type { CandidateSource, Explorer, Filter, QueryHydrator, Rule, Scorer, SideEffect } from "./components.ts";
import { mergeCandidates, type SourceOutput } from "./mergeCandidates.ts";
import type { FunnelQuery } from "./query.ts";
import { fireSideEffects } from "./sideEffects.ts";
import { buildTrace, ruleEffects } from "./traceBuilder.ts";
import type { DegradedCause } from "@cascade/core";
import { errorMessage, roundMs, type ComponentTrace, type FunnelResult, type StageName, type StageTrace, type TraceDetail } from "./trace.ts";

export type FunnelPipeline = {
  surface: string;
  queryHydrators: QueryHydrator[];
  sources: { source: CandidateSource; quota: number }[];
  maxCandidates: number;
  /** Hydrators run before filters (item attributes; item features that filter expressions read). */
  candidateHydrators: Scorer[];
  filters: Filter[];
  /** Feature hydrators and the ranker, run in this order after filtering. */
  scorers: Scorer[];
  blend: Readonly<Record<string, number>>;
  rules: Rule[];
  explorer?: Explorer;
  sideEffects: SideEffect[];
};

export type RunOptions = {
  detail?: TraceDetail;
  /** Called when a side effect fails (after the response); defaults to ignoring it. */
  onSideEffectError?: (sideEffectId: string, error: unknown) => void;
};

class StageClock {
  readonly stages: StageTrace[] = [];
  readonly degradedCauses: DegradedCause[] = [];

  get degraded(): boolean {
    return this.degradedCauses.length > 0;
  }

  async run<T>(
    stage: StageName,
    countIn: number,
    body: (components: ComponentTrace[]) => Promise<{ value: T; out: number }> | { value: T; out: number },
  ): Promise<T> {
    const startedAt = performance.now();
    const components: ComponentTrace[] = [];
    const { value, out } = await body(components);
    for (const component of components) {
      if (component.status !== "ok")
        this.degradedCauses.push({
          component: component.id,
          reason: component.status === "timeout" ? `timed out: ${component.error}` : `failed: ${component.error}`,
        });
    }
    this.stages.push({ stage, ms: roundMs(performance.now() - startedAt), in: countIn, out, components });
    return value;
  }
}

function failed(
  id: string,
  outcome: { status: "timeout" | "error"; ms: number; error?: unknown },
  budgetMs: number | null,
  countIn: number,
  out: number,
): ComponentTrace {
  return {
    id,
    status: outcome.status,
    ms: roundMs(outcome.ms),
    in: countIn,
    out,
    error: outcome.status === "timeout" ? `exceeded its ${budgetMs} ms budget` : errorMessage(outcome.error),
  };
}

function timedSync<T>(work: () => T): { ms: number; value: T } | { ms: number; error: unknown } {
  const startedAt = performance.now();
  try {
    return { ms: performance.now() - startedAt, value: work() };
  } catch (error) {
    return { ms: performance.now() - startedAt, error };
  }
}

/**
 * `target` with `update`'s values. An empty target (the first hydrator to write features) becomes a
 * copy made by object spread, which V8 clones in one step, instead of growing property by property
 * under Object.assign (≈10 % of a loaded request's CPU with 500 candidates × 20 features). Always a
 * copy, not `update` itself (a scorer may hand the same object to many candidates), unless the
 * scorer declares its update objects fresh (Scorer.freshFeatureObjects / freshScoreObjects).
 */
function merged(target: Record<string, number>, update: Record<string, number>, adoptable = false): Record<string, number> {
  // A merged candidate's first write: no for-in over the shared empty object to find it empty.
  if (target !== NO_VALUES) for (const _key in target) return Object.assign(target, update);
  return adoptable ? update : { ...update };
}

async function runScorers(
  stage: "hydrateCandidates" | "score",
  scorers: Scorer[],
  query: FunnelQuery,
  candidates: Candidate[],
  clock: StageClock,
  concurrent: boolean,
) {
  await clock.run(stage, candidates.length, async (components) => {
    const runOne = async (scorer: Scorer) => {
      let counts: Record<string, number> | undefined;
      let open = true;
      const count = (name: string, by = 1) => {
        if (!open) return;
        counts ??= {};
        counts[name] = (counts[name] ?? 0) + by;
      };
      const outcome = await runWithinBudget(scorer.budgetMs, (signal) => scorer.score(query, candidates, signal, count), scorer.abortable === true);
      open = false;
      if (outcome.status === "ok" && outcome.value.length === candidates.length) {
        // Request features of two scorers are merged once per distinct pair, not per candidate.
        let sharedBefore: Readonly<Record<string, number>> | undefined;
        let sharedUpdate: Readonly<Record<string, number>> | undefined;
        let sharedAfter: Readonly<Record<string, number>> | undefined;
        outcome.value.forEach((update, index) => {
          const candidate = candidates[index]!;
          if (update.features) candidate.features = merged(candidate.features, update.features, scorer.freshFeatureObjects === true);
          if (update.requestFeatures) {
            const before = candidate.requestFeatures;
            if (before === undefined || before === NO_VALUES) candidate.requestFeatures = update.requestFeatures;
            else {
              if (before !== sharedBefore || update.requestFeatures !== sharedUpdate) {
                sharedBefore = before;
                sharedUpdate = update.requestFeatures;
                sharedAfter = { ...before, ...update.requestFeatures };
              }
              candidate.requestFeatures = sharedAfter;
            }
          }
          if (update.scores) candidate.scores = merged(candidate.scores, update.scores, scorer.freshScoreObjects === true);
          if (update.item) candidate.item = update.item;
          if (update.embedding) candidate.embedding = update.embedding;
        });
        // `counts` set after the literal, not spread into it: a literal extended by a spread gets a hidden class of its own.
        const trace: ComponentTrace = {
          id: scorer.id,
          status: "ok",
          ms: roundMs(outcome.ms),
          in: candidates.length,
          out: candidates.length,
          writes: scorer.writes,
        };
        if (counts) trace.counts = counts;
        components.push(trace);
        return;
      }
      const problem =
        outcome.status === "ok"
          ? { status: "error" as const, ms: outcome.ms, error: new Error(`returned ${outcome.value.length} updates for ${candidates.length} candidates`) }
          : outcome;
      for (const candidate of candidates) {
        if (scorer.defaults?.features) Object.assign(writableFeatures(candidate), scorer.defaults.features);
        if (scorer.defaults?.scores) Object.assign(writableScores(candidate), scorer.defaults.scores);
      }
      components.push({
        ...failed(scorer.id, problem, scorer.budgetMs, candidates.length, candidates.length),
        writes: scorer.writes,
        ...(counts ? { counts } : {}),
      });
    };
    if (concurrent) await Promise.all(scorers.map(runOne));
    else for (const scorer of scorers) await runOne(scorer);
    return { value: undefined, out: candidates.length };
  });
}

export async function runFunnel(pipeline: FunnelPipeline, request: FunnelQuery, options: RunOptions = {}): Promise<FunnelResult> {
  const startedAt = performance.now();
  const clock = new StageClock();
  let query = request;

  query = await clock.run("hydrateQuery", 0, async (components) => {
    const outcomes = await Promise.all(
      pipeline.queryHydrators.map((hydrator) => runWithinBudget(hydrator.budgetMs, (signal) => hydrator.hydrate(request, signal), hydrator.abortable === true)),
    );
    let hydrated: FunnelQuery = request;
    outcomes.forEach((outcome, index) => {
      const hydrator = pipeline.queryHydrators[index]!;
      if (outcome.status === "ok") {
        hydrated = { ...hydrated, ...outcome.value };
        components.push({ id: hydrator.id, status: "ok", ms: roundMs(outcome.ms), in: 0, out: 0, writes: Object.keys(outcome.value) });
      } else components.push(failed(hydrator.id, outcome, hydrator.budgetMs, 0, 0));
    });
    return { value: hydrated, out: 0 };
  });

  const sourceOutputs = await clock.run("sources", 0, async (components) => {
    const outcomes = await Promise.all(
      pipeline.sources.map(({ source, quota }) => runWithinBudget(source.budgetMs, (signal) => source.fetch(query, quota, signal), source.abortable === true)),
    );
    const outputs: SourceOutput[] = [];
    outcomes.forEach((outcome, index) => {
      const { source, quota } = pipeline.sources[index]!;
      if (outcome.status === "ok") {
        outputs.push({ sourceId: source.id, quota, candidates: outcome.value });
        components.push({ id: source.id, status: "ok", ms: roundMs(outcome.ms), in: 0, out: outcome.value.length });
      } else components.push(failed(source.id, outcome, source.budgetMs, 0, 0));
    });
    return { value: outputs, out: outputs.reduce((sum, output) => sum + output.candidates.length, 0) };
  });

  const fetched = sourceOutputs.reduce((sum, output) => sum + output.candidates.length, 0);
  const merged = await clock.run("merge", fetched, (components) => {
    const result = timedSync(() => mergeCandidates(sourceOutputs, pipeline.maxCandidates));
    if (!("value" in result)) throw result.error; // merge is our own pure code: a failure is a bug, not a dependency
    components.push({ id: "merge", status: "ok", ms: roundMs(result.ms), in: fetched, out: result.value.candidates.length, removed: result.value.removed });
    return { value: result.value.candidates, out: result.value.candidates.length };
  });

  await runScorers("hydrateCandidates", pipeline.candidateHydrators, query, merged, clock, true);

  const filtered = await clock.run("filters", merged.length, (components) => {
    let current = merged;
    for (const filter of pipeline.filters) {
      const result = timedSync(() => filter.apply(query, current));
      if ("value" in result) {
        components.push({
          id: filter.id,
          status: "ok",
          ms: roundMs(result.ms),
          in: current.length,
          out: result.value.kept.length,
          removed: result.value.removed,
        });
        if (result.value.degraded) clock.degradedCauses.push({ component: filter.id, reason: result.value.degraded });
        current = result.value.kept;
      } else if (filter.failClosed) {
        components.push({
          ...failed(filter.id, { status: "error", ms: result.ms, error: result.error }, null, current.length, 0),
          removed: current.map((candidate) => ({ itemId: candidate.itemId, reason: "safety filter failed" })),
        });
        current = [];
      } else components.push(failed(filter.id, { status: "error", ms: result.ms, error: result.error }, null, current.length, current.length));
    }
    return { value: current, out: current.length };
  });

  await runScorers("score", pipeline.scorers, query, filtered, clock, false);

  const blended = await clock.run("blend", filtered.length, (components) => {
    const result = timedSync(() => {
      blendScores(filtered, pipeline.blend);
      return sortByScore(filtered);
    });
    if (!("value" in result)) throw result.error;
    components.push({ id: "blend", status: "ok", ms: roundMs(result.ms), in: filtered.length, out: filtered.length, writes: ["scores.blend"] });
    return { value: result.value, out: filtered.length };
  });

  const horizon = Math.max(50, 2 * query.count);
  // Rule effects (positions before and after each rule) are for the debug trace only: working them
  // out costs two maps over the candidates per rule, on every request.
  const full = options.detail === "full";
  const ruleOptions = { explain: full };
  const ranked = await clock.run("rules", blended.length, (components) => {
    let current = blended;
    for (const rule of pipeline.rules) {
      const result = timedSync(() => rule.apply(query, current, ruleOptions));
      if ("value" in result) {
        const trace: ComponentTrace = { id: rule.id, status: "ok", ms: roundMs(result.ms), in: current.length, out: result.value.items.length };
        // Items a rule dropped (diversity caps that no longer fit anywhere) are listed at every
        // detail, like a filter's: rerank returns them in `removed`, and "why not X" needs them.
        const removed = result.value.effects
          .filter((effect) => effect.kind === "removed")
          .map((effect) => ({ itemId: effect.itemId, reason: effect.reason ?? "removed by rule" }));
        if (removed.length > 0) trace.removed = removed;
        if (full) {
          const { effects, omitted } = ruleEffects(result.value.effects, current, result.value.items, horizon);
          trace.effects = effects;
          if (omitted > 0) trace.effectsOmitted = omitted;
        }
        components.push(trace);
        current = result.value.items;
      } else if (rule.failClosed) {
        components.push(failed(rule.id, { status: "error", ms: result.ms, error: result.error }, null, current.length, 0));
        current = [];
      } else components.push(failed(rule.id, { status: "error", ms: result.ms, error: result.error }, null, current.length, current.length));
    }
    return { value: current, out: current.length };
  });

  const page = await clock.run("exploration", ranked.length, (components) => {
    const greedy = (): ServedCandidate[] => ranked.slice(0, query.count).map((candidate, position) => servedCandidate(candidate, position, 1, "ranked"));
    const explorer = pipeline.explorer;
    if (!explorer) return { value: greedy(), out: Math.min(query.count, ranked.length) };
    const result = timedSync(() => explorer.select(query, ranked, query.count));
    if ("value" in result) {
      const trace: ComponentTrace = { id: explorer.id, status: "ok", ms: roundMs(result.ms), in: ranked.length, out: result.value.page.length };
      if (full) trace.effects = result.value.effects;
      components.push(trace);
      return { value: result.value.page, out: result.value.page.length };
    }
    components.push(failed(explorer.id, { status: "error", ms: result.ms, error: result.error }, null, ranked.length, Math.min(query.count, ranked.length)));
    const fallback = greedy();
    return { value: fallback, out: fallback.length };
  });

  const trace = buildTrace({
    query,
    surface: pipeline.surface,
    detail: options.detail ?? "summary",
    totalMs: performance.now() - startedAt,
    degraded: clock.degraded,
    stages: clock.stages,
    page,
    ranked,
  });
  const result: FunnelResult = { requestId: query.requestId, page, degraded: clock.degraded, degradedCauses: clock.degradedCauses, trace };
  fireSideEffects(pipeline.sideEffects, query, result, options.onSideEffectError);
  return result;
}
