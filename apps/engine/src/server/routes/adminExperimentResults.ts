// An experiment's results (scope `admin`), computed on request from stored data only by
// experiments/experimentAnalysis.ts:
//
//   GET  /v1/admin/experiments/{id}/results           ?cuped=false turns the CUPED adjustment off
//   POST /v1/admin/experiments/{id}/results/rebuild   recomputes the current phase's rollups from the
//                                                     exposure and event logs, then the results
import { experimentResultsResponse, type ExperimentResultsResponse } from "@cascade/core";
import { rebuildExperimentRollups } from "@cascade/db/experimentResults";
import { getExperiment, type ExperimentWithVariants } from "@cascade/db/experiments";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { analyzeExperiment } from "../../experiments/experimentAnalysis.ts";
import { issuesFromZod, validationFailed } from "../errors.ts";
import type { RouteContext } from "../routeContext.ts";
import { declareRoute } from "../routeDeclaration.ts";
import { lifecycle } from "./adminExperiments.ts";
import { idParams, parsedId } from "./adminRequest.ts";

const resultsQuery = z.object({ cuped: z.enum(["true", "false"]).optional() });

export async function experimentResults(context: RouteContext, id: string, options: { cuped?: boolean } = {}): Promise<ExperimentResultsResponse> {
  const { db } = context.deps;
  const experiment: ExperimentWithVariants = await lifecycle(() => getExperiment(db, id));
  return analyzeExperiment(db, experiment, options);
}

export function registerAdminExperimentResultsRoutes(app: FastifyInstance, context: RouteContext): void {
  declareRoute(
    app,
    context.auth,
    {
      tag: "experiments",
      scope: "admin",
      method: "get",
      path: "/v1/admin/experiments/{id}/results",
      operationId: "getExperimentResults",
      summary:
        "An experiment's results for its current phase: every catalogue metric per variant, lifts against the control with CIs and p-values, guardrail states, the sample-ratio check",
      description:
        "Computed on request from stored data only: the exposure log, the per-unit-day rollups the event-log consumer writes with each event (from each unit's exposure up to the experiment's or the variant's stop), the per-variant serving minutes. Per-user metrics by Welch's t-test, CUPED-adjusted with each user's 14-day pre-exposure value unless ?cuped=false; CTR by the delta method (units as the unit); retention and error/degraded rates by two-proportion z-tests; latency quantiles and catalogue coverage by lift only. Holm-adjusted and always-valid (mSPRT) p-values, sample-ratio mismatch by chi-square (flagged below p = 0.001), guardrail states, a daily timeline and the share of clicks by source.",
      params: idParams,
      query: resultsQuery,
      responses: { 200: { description: "The results", schema: experimentResultsResponse } },
      errors: [400, 401, 403, 404, 503],
    },
    async (request) => {
      const id = parsedId(request);
      const query = resultsQuery.safeParse(request.query);
      if (!query.success) throw validationFailed(issuesFromZod(query.error));
      return experimentResults(context, id, { cuped: query.data.cuped !== "false" });
    },
  );
  declareRoute(
    app,
    context.auth,
    {
      tag: "experiments",
      scope: "admin",
      method: "post",
      path: "/v1/admin/experiments/{id}/results/rebuild",
      operationId: "rebuildExperimentResults",
      summary: "Recompute an experiment's rollups for its current phase from the exposure and event logs, then its results",
      description:
        "The event-log consumer counts each event into the experiment rollups as it stores it; an event stored before its user's exposure row was written is not counted there. This recomputes the current phase's rollups from the logs with the same rules (the rollup tables are locked meanwhile: consumers wait, then add only what the rebuild could not see) and answers the results, as GET …/results does.",
      params: idParams,
      query: resultsQuery,
      responses: { 200: { description: "The results after the rebuild", schema: experimentResultsResponse } },
      errors: [400, 401, 403, 404, 503],
    },
    async (request) => {
      const id = parsedId(request);
      const query = resultsQuery.safeParse(request.query);
      if (!query.success) throw validationFailed(issuesFromZod(query.error));
      const experiment = await lifecycle(() => getExperiment(context.deps.db, id));
      await rebuildExperimentRollups(context.deps.db, experiment.id);
      return experimentResults(context, id, { cuped: query.data.cuped !== "false" });
    },
  );
}
