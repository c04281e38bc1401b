// A simulated A/B experiment on the demo world, end to end through the engine's HTTP API (issue 12,
// point 8): an experiment is created and started through the admin API, the demo world's users ask
// the engine for pages, respond to what they were served as the world's ground truth says
// (groundTruth.ts: examination × relevance, then watch, like, purchase; hide or dislike when looked
// at and not clicked), their events go back through POST /v1/events, and the results API is read
// once the engine has counted everything. Nothing here knows the engine's internals: `engine.call`
// is an HTTP round trip (app.inject in tests, fetch against a running engine in the benchmark).
//
// Beside what the engine measures, the simulation keeps the truth: the expected clicks of every
// page it was served (Σ e(pos)·r(u,i) over the page), so the "true" CTR of each arm is known
// without sampling noise and the right sign of the effect can be checked against it.
import { createRandom, deriveSeed, experimentResultsResponse, experimentView, recommendationsResponse, type ExperimentResultsResponse } from "@cascade/core";
import type { VariantOverridesInput } from "@cascade/core";
import {
  BEHAVIOUR_PARAMETERS,
  affinity,
  examinationProbability,
  followsCreatorAt,
  hideProbability,
  likeProbability,
  purchaseProbability,
  relevanceFrom,
  watchedShare,
} from "./groundTruth.ts";
import { itemId, parseDemoIndex, userId } from "./demoIds.ts";
import type { DemoWorld } from "./world.ts";

export type EngineRequest = { method: "GET" | "POST"; url: string; body?: unknown };
export type EngineReply = { status: number; body: unknown };

/** The engine as the simulation sees it: HTTP calls (authorised with a key that may administer, recommend and ingest). */
export type SimulationEngine = {
  call(request: EngineRequest): Promise<EngineReply>;
  /**
   * Optional: makes the engine finish what it does asynchronously (exposure writes, event
   * consumption) when the caller can (tests). The simulation then still polls the results until
   * they hold every exposure and impression it produced.
   */
  settle?(): Promise<void>;
  /** Optional: called before every read of the results (the benchmark refreshes planner statistics there, see docs/experiments.md). */
  beforeResults?(): Promise<void>;
};

export type SimulationArm = { key: string; name?: string; overrides?: VariantOverridesInput };

export type ExperimentSimulationOptions = {
  world: DemoWorld;
  engine: SimulationEngine;
  /** Experiment key (unique per database). */
  key: string;
  surface: string;
  /** The control first, then the treatment (50/50). */
  arms: [SimulationArm, SimulationArm];
  /** Which arm the ground truth makes better, if the experiment means to have a winner (null: an A/A test). */
  expectedWinner: string | null;
  /** Seeds the choice of users, their behaviour and the experiment's hash seed. */
  seed: number;
  /** Distinct demo users who take part (at most the world's users). */
  users: number;
  /** First pages each user asks for (each a new request, as a user opening the feed again). */
  requestsPerUser?: number;
  pageSize?: number;
  /** Users simulated at once. */
  concurrency?: number;
  /** Significance level the verdict uses (the results API's own alpha is reported beside it). */
  alpha?: number;
  /** How long to wait for the results to hold every exposure and impression. */
  settleTimeoutMs?: number;
  /** Stop the experiment after reading the results (the default: a surface holds one running experiment at a time here). */
  stopAfter?: boolean;
  onProgress?: (usersDone: number, usersTotal: number) => void;
  nowMs?: () => number;
};

export type ArmSummary = {
  key: string;
  /** Users the simulation saw served a page with items under this arm (an exposure each), and the exposures the results API counted. */
  usersServed: number;
  exposures: number;
  impressions: number;
  clicks: number;
  ctr: number | null;
  clicksPerUser: number | null;
  /** The truth: expected clicks per impression of the pages this arm served (no sampling noise). */
  trueCtr: number;
  trueClicksPerUser: number;
};

export type LiftSummary = {
  metric: string;
  absolute: { estimate: number; lower: number; upper: number } | null;
  relative: { estimate: number; lower: number; upper: number } | null;
  pValue: number | null;
  adjustedPValue: number | null;
  sequentialPValue: number | null;
  method: string;
};

export type ExperimentSimulationResult = {
  key: string;
  experimentId: string;
  seed: number;
  control: string;
  treatment: string;
  expectedWinner: string | null;
  alpha: number;
  arms: ArmSummary[];
  /** Treatment against control, CTR (delta method) and clicks per user (Welch). */
  ctr: LiftSummary;
  clicksPerUser: LiftSummary;
  sampleRatio: { pValue: number; flagged: boolean; observed: number[] } | null;
  cuped: boolean;
  /** The arm the results declare better on CTR at `alpha` (null: no significant difference). */
  declaredWinner: string | null;
  /** Whether the verdict is right: the expected winner declared (right sign), or no winner in an A/A test. */
  correct: boolean;
  /** The sign of the true CTR difference (treatment − control) by the ground truth: 1, -1 or 0. */
  trueSign: number;
  requests: number;
  /** First pages the engine shed (503 overloaded) and the simulated client asked again, as a client should. */
  shedRetries: number;
  degradedResponses: number;
  /** Pages served with no item (no exposure, no event). */
  emptyPages: number;
  /** Why responses were degraded ("component: reason" with numbers as N → responses). */
  degradedCauses: Record<string, number>;
  /** Users served outside the experiment (held out), left out of the simulation. */
  usersOutside: number;
  /** Served items that are not demo items (no ground truth; impressions only). */
  unknownItems: number;
  eventsSent: number;
  eventsRejected: number;
  seconds: { simulate: number; settle: number; total: number };
  results: ExperimentResultsResponse;
};

const EVENT_BATCH = 500;

export async function runExperimentSimulation(options: ExperimentSimulationOptions): Promise<ExperimentSimulationResult> {
  const startedAt = performance.now();
  const { engine } = options;
  const [control, treatment] = options.arms;
  const created = await expectStatus(
    engine.call({
      method: "POST",
      url: "/v1/admin/experiments",
      body: {
        key: options.key,
        name: options.key,
        hypothesis: `simulated on the demo world (seed ${options.seed})`,
        surface: options.surface,
        // The hash seed depends on the simulation's seed only, so a run is reproducible whatever its key.
        seed: `simulation-${options.seed}`,
        variants: [
          { key: control.key, name: control.name ?? control.key, weight: 0.5, isControl: true, overrides: control.overrides ?? {} },
          { key: treatment.key, name: treatment.name ?? treatment.key, weight: 0.5, overrides: treatment.overrides ?? {} },
        ],
      },
    }),
    201,
    "create the experiment",
  );
  const experiment = experimentView.parse(created);
  await expectStatus(engine.call({ method: "POST", url: `/v1/admin/experiments/${experiment.id}/start` }), 200, "start the experiment");

  const stop = () => expectStatus(engine.call({ method: "POST", url: `/v1/admin/experiments/${experiment.id}/stop` }), 200, "stop the experiment");
  try {
    return await simulateRunning(options, experiment.id, stop, startedAt);
  } catch (error) {
    await stop().catch(() => undefined); // never leave a failed run's experiment serving
    throw error;
  }
}

async function simulateRunning(
  options: ExperimentSimulationOptions,
  experimentId: string,
  stop: () => Promise<unknown>,
  startedAt: number,
): Promise<ExperimentSimulationResult> {
  const { world, engine } = options;
  const now = options.nowMs ?? Date.now;
  const requestsPerUser = options.requestsPerUser ?? 3;
  const pageSize = options.pageSize ?? 10;
  const alpha = options.alpha ?? 0.05;
  const [control, treatment] = options.arms;
  const participants = pickUsers(world.users.count, Math.min(options.users, world.users.count), deriveSeed(options.seed, 1));
  const tally = new Map<string, { users: number; impressions: number; expectedClicks: number }>();
  const counters = { requests: 0, shedRetries: 0, degraded: 0, unknownItems: 0, eventsSent: 0, eventsRejected: 0, impressions: 0, outside: 0, emptyPages: 0 };
  const degradedCauses: Record<string, number> = {};
  const pending: object[] = [];
  let flushing: Promise<void> = Promise.resolve();

  const postEvents = async (events: object[]) => {
    const reply = await expectStatus(engine.call({ method: "POST", url: "/v1/events", body: { events } }), 200, "post events");
    const { accepted, rejected } = reply as { accepted: number; rejected: number };
    counters.eventsSent += accepted;
    counters.eventsRejected += rejected;
  };
  const queue = (events: object[]) => {
    pending.push(...events);
    while (pending.length >= EVENT_BATCH) {
      const batch = pending.splice(0, EVENT_BATCH);
      flushing = flushing.then(() => postEvents(batch));
    }
  };

  const simulateUser = async (user: number) => {
    const random = createRandom(deriveSeed(options.seed, 2, user));
    const id = userId(user);
    let variant: string | null = null;
    let exposed = false;
    for (let request = 0; request < requestsPerUser; request += 1) {
      const served = recommendationsResponse.parse(
        await expectStatus(
          retryingOverload(
            () => engine.call({ method: "POST", url: "/v1/recommendations", body: { surface: options.surface, userId: id, count: pageSize } }),
            () => (counters.shedRetries += 1),
          ),
          200,
          "recommend",
        ),
      );
      counters.requests += 1;
      if (served.degraded) counters.degraded += 1;
      for (const cause of served.degradedCauses) {
        const name = `${cause.component}: ${cause.reason.replace(/\d+/g, "N")}`; // "500 candidates removed" and "499 …" tally together
        degradedCauses[name] = (degradedCauses[name] ?? 0) + 1;
      }
      if (served.experiment === null) {
        // Held out (a global holdout, coverage below 1): not in the experiment, nothing to simulate.
        counters.outside += 1;
        return;
      }
      if (served.experiment !== options.key || !served.variant)
        throw new Error(`${id} was served under experiment ${served.experiment}, not ${options.key}: is another experiment running on ${options.surface}?`);
      if (variant !== null && served.variant !== variant) throw new Error(`${id} moved from ${variant} to ${served.variant}`);
      variant = served.variant;
      // After the response: the exposure is stamped when the request was served, every event after it.
      const servedAtMs = now();
      const arm = tally.get(variant) ?? { users: 0, impressions: 0, expectedClicks: 0 };
      tally.set(variant, arm);
      if (served.items.length === 0) {
        counters.emptyPages += 1;
        continue;
      }
      // The engine writes an exposure for the first page that holds items.
      if (!exposed) arm.users += 1;
      exposed = true;
      queue(respond(world, random, user, served, options.key, request, servedAtMs, arm, counters));
    }
  };

  const simulateStartedAt = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < participants.length) {
      const user = participants[next]!;
      next += 1;
      await simulateUser(user);
      done += 1;
      options.onProgress?.(done, participants.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  if (pending.length > 0) {
    const batch = pending.splice(0);
    flushing = flushing.then(() => postEvents(batch));
  }
  await flushing;
  const simulateSeconds = (performance.now() - simulateStartedAt) / 1_000;

  const settleStartedAt = performance.now();
  await engine.settle?.();
  const usersServed = [...tally.values()].reduce((sum, arm) => sum + arm.users, 0);
  const results = await waitForResults(engine, experimentId, {
    exposures: usersServed,
    impressions: counters.impressions,
    timeoutMs: options.settleTimeoutMs ?? 120_000,
  });
  const settleSeconds = (performance.now() - settleStartedAt) / 1_000;
  if (options.stopAfter ?? true) await stop();

  const arms = [control.key, treatment.key].map((key): ArmSummary => {
    const truth = tally.get(key) ?? { users: 0, impressions: 0, expectedClicks: 0 };
    const variant = results.variants.find((entry) => entry.key === key);
    const metric = (id: string) => variant?.metrics.find((entry) => entry.metric === id);
    return {
      key,
      usersServed: truth.users,
      exposures: variant?.exposures ?? 0,
      impressions: metric("impressions")?.total ?? 0,
      clicks: metric("clicks")?.total ?? 0,
      ctr: metric("ctr")?.value ?? null,
      clicksPerUser: metric("clicks")?.value ?? null,
      trueCtr: truth.impressions > 0 ? truth.expectedClicks / truth.impressions : 0,
      trueClicksPerUser: truth.users > 0 ? truth.expectedClicks / truth.users : 0,
    };
  });
  const comparison = results.comparisons.find((entry) => entry.variant === treatment.key && entry.control === control.key);
  const lift = (metric: string): LiftSummary => {
    const entry = comparison?.metrics.find((candidate) => candidate.metric === metric);
    return {
      metric,
      absolute: entry?.absoluteLift ?? null,
      relative: entry?.relativeLift ?? null,
      pValue: entry?.pValue ?? null,
      adjustedPValue: entry?.adjustedPValue ?? null,
      sequentialPValue: entry?.sequentialPValue ?? null,
      method: entry?.method ?? "missing",
    };
  };
  const ctr = lift("ctr");
  const declaredWinner =
    ctr.pValue !== null && ctr.absolute !== null && ctr.pValue < alpha && ctr.absolute.estimate !== 0
      ? ctr.absolute.estimate > 0
        ? treatment.key
        : control.key
      : null;
  const trueDifference = arms[1]!.trueCtr - arms[0]!.trueCtr;
  return {
    key: options.key,
    experimentId,
    seed: options.seed,
    control: control.key,
    treatment: treatment.key,
    expectedWinner: options.expectedWinner,
    alpha,
    arms,
    ctr,
    clicksPerUser: lift("clicks"),
    sampleRatio: results.sampleRatio
      ? { pValue: results.sampleRatio.pValue, flagged: results.sampleRatio.flagged, observed: results.sampleRatio.observed }
      : null,
    cuped: results.cuped,
    declaredWinner,
    correct: declaredWinner === options.expectedWinner,
    trueSign: Math.sign(trueDifference),
    requests: counters.requests,
    shedRetries: counters.shedRetries,
    degradedResponses: counters.degraded,
    emptyPages: counters.emptyPages,
    degradedCauses,
    usersOutside: counters.outside,
    unknownItems: counters.unknownItems,
    eventsSent: counters.eventsSent,
    eventsRejected: counters.eventsRejected,
    seconds: { simulate: round(simulateSeconds), settle: round(settleSeconds), total: round((performance.now() - startedAt) / 1_000) },
    results,
  };
}

/**
 * What a user does with one served page, as the ground truth says (the same model as
 * sessionSimulator.ts): every slot is an impression; a slot is looked at with e(pos); a looked-at
 * item is clicked with r(u,i), then watched, liked, bought; else maybe hidden or disliked.
 * Adds the page's expected clicks to the arm's truth.
 */
function respond(
  world: DemoWorld,
  random: ReturnType<typeof createRandom>,
  user: number,
  served: { requestId: string; surface: string; items: { itemId: string; position: number; propensity: number; sources: { id: string }[] }[] },
  experimentKey: string,
  request: number,
  servedAtMs: number,
  arm: { impressions: number; expectedClicks: number },
  counters: { unknownItems: number; impressions: number },
): object[] {
  const B = BEHAVIOUR_PARAMETERS;
  const id = userId(user);
  const events: object[] = [];
  const event = (type: string, entry: (typeof served.items)[number], offsetMs: number, value?: number) => {
    events.push({
      eventId: `${experimentKey}-${user}-${request}-${entry.position}-${type}`,
      type,
      userId: id,
      itemId: entry.itemId,
      timestamp: new Date(servedAtMs + offsetMs).toISOString(),
      requestId: served.requestId.slice(0, 64),
      position: entry.position,
      surface: served.surface,
      propensity: Math.min(1, Math.max(1e-6, entry.propensity)),
      ...(entry.sources[0] ? { context: { source: entry.sources[0].id } } : {}),
      ...(value !== undefined ? { value } : {}),
    });
  };
  for (const entry of served.items) {
    event("impression", entry, 0);
    arm.impressions += 1;
    counters.impressions += 1;
    const item = parseDemoIndex("item", entry.itemId);
    if (item < 0 || item >= world.items.count || itemId(item) !== entry.itemId) {
      counters.unknownItems += 1;
      continue;
    }
    const a = affinity(world, user, item);
    const follow = followsCreatorAt(world, user, world.items.creator[item]!, servedAtMs) ? 1 : 0;
    const relevance = relevanceFrom(a, world.items.quality[item]!, follow);
    const examined = examinationProbability(entry.position);
    arm.expectedClicks += examined * relevance;
    if (!random.chance(examined)) continue;
    const seenMs = 500 + 100 * entry.position;
    if (!random.chance(relevance)) {
      const hide = hideProbability(a);
      const roll = random.next();
      if (roll < hide) event("hide", entry, seenMs);
      else if (roll < hide * (1 + B.dislikeShareOfHide)) event("dislike", entry, seenMs);
      continue;
    }
    event("click", entry, seenMs);
    if (random.chance(B.watchAfterClick)) {
      const seconds = Math.max(1, Math.round(world.items.durationSeconds[item]! * watchedShare(a, random.normal())));
      event("watch", entry, seenMs + 50, Math.min(86_400, seconds));
    }
    if (random.chance(likeProbability(a, follow))) event("like", entry, seenMs + 60);
    const price = world.items.price[item]!;
    if (price > 0 && random.chance(purchaseProbability(a, world.items.quality[item]!))) event("purchase", entry, seenMs + 70, price);
  }
  return events;
}

/** Polls the results until they hold `exposures` exposed users and `impressions` impressions (consumers are asynchronous). */
export async function waitForResults(
  engine: SimulationEngine,
  experimentId: string,
  expected: { exposures: number; impressions: number; timeoutMs: number },
): Promise<ExperimentResultsResponse> {
  const deadline = Date.now() + expected.timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    await engine.beforeResults?.();
    const results = experimentResultsResponse.parse(
      await expectStatus(engine.call({ method: "GET", url: `/v1/admin/experiments/${experimentId}/results` }), 200, "read the results"),
    );
    const exposures = results.variants.reduce((sum, variant) => sum + variant.exposures, 0);
    const impressions = results.variants.reduce((sum, variant) => sum + (variant.metrics.find((metric) => metric.metric === "impressions")?.total ?? 0), 0);
    if (exposures >= expected.exposures && impressions >= expected.impressions) return results;
    if (Date.now() > deadline)
      throw new Error(
        `results still incomplete after ${expected.timeoutMs} ms: ${exposures}/${expected.exposures} exposures, ${impressions}/${expected.impressions} impressions`,
      );
    await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
  }
}

/** `count` distinct user indices out of `total`, drawn by a seeded partial shuffle. */
export function pickUsers(total: number, count: number, seed: number): number[] {
  const random = createRandom(seed);
  const pool = Array.from({ length: total }, (_, index) => index);
  for (let index = 0; index < count; index += 1) {
    const swap = index + random.int(total - index);
    [pool[index], pool[swap]] = [pool[swap]!, pool[index]!];
  }
  return pool.slice(0, count);
}

/** A load-shedding engine answers 503 overloaded; a client waits a moment and asks again (a few times, backing off). */
export async function retryingOverload(call: () => Promise<EngineReply>, onRetry: () => void): Promise<EngineReply> {
  for (let attempt = 1; ; attempt += 1) {
    const reply = await call();
    const code = (reply.body as { error?: { code?: unknown } } | null)?.error?.code;
    if (reply.status !== 503 || code !== "overloaded" || attempt >= 10) return reply;
    onRetry();
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}

async function expectStatus(reply: Promise<EngineReply>, status: number, what: string): Promise<unknown> {
  const { status: got, body } = await reply;
  if (got !== status) throw new Error(`${what}: HTTP ${got} (expected ${status}): ${JSON.stringify(body).slice(0, 500)}`);
  return body;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
