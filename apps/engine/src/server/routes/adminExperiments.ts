// A/B experiments admin API (scope `admin`): the lifecycle is @cascade/db's experiments.ts (one
// owner, audited); this engine re-reads its running experiments at once after a change (others
// within their refresh interval).
//
//   GET  /v1/admin/experiments                  ?surface= ?status=  → {experiments}
//   POST /v1/admin/experiments                  core's experiment config → 201 the draft
//   GET  /v1/admin/experiments/{id}
//   POST /v1/admin/experiments/{id}/start       draft → running
//   POST /v1/admin/experiments/{id}/stop        running → stopped
//   PATCH /v1/admin/experiments/{id}            core's experimentUpdateSchema; a running experiment
//                                               refuses biasing changes (409) unless newPhase: true
//   POST /v1/admin/experiments/{id}/variants/{variant}/stop   {reason} → the variant serves no one
//   POST /v1/admin/experiments/{id}/ship        {variant} → the variant's config published as a new
//                                               rule-set version; the experiment stops
//
// Errors: 400 `validation_failed` naming each field (weights not summing to 1, unknown surface,
// overrides that do not apply, what is not stored yet); 404 `not_found`; 409 `conflict` for a
// transition from the wrong status. An `x-cascade-actor` header is recorded in the audit log.
import {
  effectiveCoverage,
  experimentConfigSchema,
  experimentStatus,
  experimentUpdateSchema,
  stopVariantRequest,
  experimentView,
  listExperimentsResponse,
  shipVariantRequest,
  shipVariantResponse,
  type ExperimentView,
} from "@cascade/core";
import {
  createExperiment,
  guardrailsOf,
  rampUpOf,
  ExperimentChangeRefused,
  getExperiment,
  listExperiments,
  shipVariant,
  startExperiment,
  stopExperiment,
  stopVariant,
  updateExperiment,
  type ExperimentWithVariants,
} from "@cascade/db/experiments";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { parseInput } from "../../ingest/parseInput.ts";
import { HttpError, issuesFromZod, validationFailed } from "../errors.ts";
import type { RouteContext } from "../routeContext.ts";
import { declareRoute } from "../routeDeclaration.ts";
import { actorOf, idParams, parsedId, pathParameter } from "./adminRequest.ts";

const listQuery = z.object({ surface: z.string().min(1).max(64).optional(), status: experimentStatus.optional() });

export function experimentViewOf(row: ExperimentWithVariants): ExperimentView {
  const iso = (date: Date | null) => (date ? date.toISOString() : null);
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    hypothesis: row.hypothesis,
    surface: row.surfaceId,
    status: row.status,
    seed: row.salt,
    coverage: row.trafficFraction,
    rampUp: rampUpOf(row),
    effectiveCoverage:
      row.status === "running"
        ? effectiveCoverage(rampUpOf(row), row.trafficFraction, Date.now() - (row.phaseStartedAt ?? row.startedAt ?? new Date()).getTime())
        : row.trafficFraction,
    unit: row.unit,
    layer: row.layerKey !== null && row.layerStart !== null && row.layerEnd !== null ? { key: row.layerKey, start: row.layerStart, end: row.layerEnd } : null,
    forced: row.forced as Record<string, string>,
    primaryMetric: row.primaryMetric,
    guardrails: guardrailsOf(row),
    phase: row.phase,
    phaseStartedAt: iso(row.phaseStartedAt),
    shippedVariant: row.shippedVariant,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    stoppedAt: iso(row.stoppedAt),
    variants: row.variants.map((variant) => ({
      id: variant.id,
      key: variant.key,
      name: variant.name,
      weight: variant.weight,
      isControl: variant.isControl,
      overrides: variant.overrides,
      stoppedAt: iso(variant.stoppedAt),
      stopReason: variant.stopReason,
    })),
  };
}

/** The experiment lifecycle's refusals as HTTP answers (the results route shares it). */
export async function lifecycle<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ExperimentChangeRefused)) throw error;
    if (error.reason === "not_found") throw new HttpError(404, "not_found", error.message);
    if (error.reason === "conflict") throw new HttpError(409, "conflict", error.message, error.issues.length > 0 ? error.issues : undefined);
    throw validationFailed(error.issues.length > 0 ? error.issues : [{ path: "body", message: error.message }]);
  }
}

export function registerAdminExperimentRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;
  const base = { tag: "experiments", scope: "admin" as const };

  declareRoute(
    app,
    context.auth,
    {
      ...base,
      method: "get",
      path: "/v1/admin/experiments",
      operationId: "listExperiments",
      summary: "Experiments, newest first (?surface= ?status=)",
      query: listQuery,
      responses: { 200: { description: "The experiments", schema: listExperimentsResponse } },
      errors: [400, 401, 403, 503],
    },
    async (request) => {
      const parsed = listQuery.safeParse(request.query);
      if (!parsed.success) throw validationFailed(issuesFromZod(parsed.error));
      const rows = await listExperiments(db, parsed.data);
      return { experiments: rows.map(experimentViewOf) };
    },
  );

  declareRoute(
    app,
    context.auth,
    {
      ...base,
      method: "post",
      path: "/v1/admin/experiments",
      operationId: "createExperiment",
      summary: "Create a draft experiment: variants as overrides of the surface's config",
      description:
        "Validated whole: weights summing to 1, unique variant keys, a known surface, overrides that apply to the surface's published config, metrics from the catalogue, a layer slice free among draft and running experiments. Variants are hashed in key order (core's assignVariant). Variants pinning model or rule-set versions are refused until serving can hold them side by side.",
      body: {
        schema: experimentConfigSchema,
        sendable: false,
        example: {
          key: "shorter-home",
          surface: "home",
          seed: "shorter-home-1",
          variants: [
            { key: "control", weight: 0.5, isControl: true },
            { key: "treatment", weight: 0.5, overrides: { maxCandidates: 300 } },
          ],
        },
      },
      responses: { 201: { description: "The draft", schema: experimentView } },
      errors: [400, 401, 403, 415, 503],
    },
    async (request, reply) => {
      const body = parseInput(experimentConfigSchema, request.body);
      const created = await lifecycle(() => createExperiment(db, body, actorOf(request)));
      reply.code(201);
      return experimentViewOf(created);
    },
  );

  declareRoute(
    app,
    context.auth,
    {
      ...base,
      method: "get",
      path: "/v1/admin/experiments/{id}",
      operationId: "getExperiment",
      summary: "One experiment",
      params: idParams,
      responses: { 200: { description: "The experiment", schema: experimentView } },
      errors: [400, 401, 403, 404, 503],
    },
    async (request) => experimentViewOf(await lifecycle(() => getExperiment(db, parsedId(request)))),
  );

  declareRoute(
    app,
    context.auth,
    {
      ...base,
      method: "patch",
      path: "/v1/admin/experiments/{id}",
      operationId: "updateExperiment",
      summary: "Edit an experiment: anything on a draft; on a running one only what keeps assigned units and treatments, unless newPhase",
      description:
        "A running experiment refuses (409, naming each field) changes that would bias it: seed, unit, variants or weights, lowering coverage, moving the layer, or a variant's overrides. With `newPhase: true` they start a new phase: exposures and results count afresh. Raising coverage, the ramp-up, forced QA users, guardrails and the primary metric change freely. Audited.",
      params: idParams,
      body: { schema: experimentUpdateSchema, sendable: false, example: { coverage: 0.5 } },
      responses: { 200: { description: "The experiment after the change", schema: experimentView } },
      errors: [400, 401, 403, 404, 409, 415, 503],
    },
    async (request) => {
      const id = parsedId(request);
      const body = parseInput(experimentUpdateSchema, request.body);
      const changed = await lifecycle(() => updateExperiment(db, id, body, actorOf(request)));
      await context.recommendations.refreshExperiments();
      return experimentViewOf(changed);
    },
  );

  const variantParams = idParams.extend({ variant: pathParameter });
  declareRoute(
    app,
    context.auth,
    {
      ...base,
      method: "post",
      path: "/v1/admin/experiments/{id}/variants/{variant}/stop",
      operationId: "stopVariant",
      summary: "Stop one variant of a running experiment: its units are served the control's config from then",
      description: "The reason is kept on the variant and in the audit log. When no treatment is left running the experiment stops.",
      params: variantParams,
      body: { schema: stopVariantRequest, sendable: false, example: { reason: "latency p99 regressed 40% (guardrail 10%)" } },
      responses: { 200: { description: "The experiment after the change", schema: experimentView } },
      errors: [400, 401, 403, 404, 409, 415, 503],
    },
    async (request) => {
      const params = variantParams.safeParse(request.params);
      if (!params.success) throw validationFailed(issuesFromZod(params.error));
      const { reason } = parseInput(stopVariantRequest, request.body);
      const changed = await lifecycle(() => stopVariant(db, params.data.id, params.data.variant, reason, actorOf(request)));
      await context.recommendations.refreshExperiments();
      return experimentViewOf(changed);
    },
  );

  const transitions = [
    { verb: "start", operationId: "startExperiment", summary: "Start a draft experiment (draft → running)", run: startExperiment },
    { verb: "stop", operationId: "stopExperiment", summary: "Stop a running experiment (running → stopped)", run: stopExperiment },
  ] as const;
  for (const transition of transitions) {
    declareRoute(
      app,
      context.auth,
      {
        ...base,
        method: "post",
        path: `/v1/admin/experiments/{id}/${transition.verb}`,
        operationId: transition.operationId,
        summary: transition.summary,
        description: "This engine serves the change at once; other replicas within their refresh interval (10 s).",
        params: idParams,
        responses: { 200: { description: "The experiment after the change", schema: experimentView } },
        errors: [400, 401, 403, 404, 409, 503],
      },
      async (request) => {
        const changed = await lifecycle(() => transition.run(db, parsedId(request), actorOf(request)));
        await context.recommendations.refreshExperiments();
        return experimentViewOf(changed);
      },
    );
  }

  declareRoute(
    app,
    context.auth,
    {
      ...base,
      method: "post",
      path: "/v1/admin/experiments/{id}/ship",
      operationId: "shipVariant",
      summary: "Ship a variant: its config becomes the surface's published rule set, and the experiment stops",
      params: idParams,
      body: { schema: shipVariantRequest, sendable: false, example: { variant: "treatment" } },
      responses: { 200: { description: "Shipped", schema: shipVariantResponse } },
      errors: [400, 401, 403, 404, 409, 415, 503],
    },
    async (request) => {
      const id = parsedId(request);
      const { variant } = parseInput(shipVariantRequest, request.body);
      const shipped = await lifecycle(() => shipVariant(db, id, variant, actorOf(request)));
      await context.recommendations.refreshExperiments();
      return { experiment: experimentViewOf(shipped.experiment), ruleSetVersion: shipped.ruleSetVersion };
    },
  );
}
