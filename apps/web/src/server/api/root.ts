// The console's API: one router per domain noun, each with the verbs its pages need
// (`ruleSet.list/get/saveDraft/publish/rollback`, `model.list/promote/rollback`, `experiment.list/get/results/create/update/start/stop/stopVariant/ship`, …).
import { eventRouter } from "./routers/event.ts";
import { experimentRouter } from "./routers/experiment.ts";
import { featureRouter } from "./routers/feature.ts";
import { feedRouter } from "./routers/feed.ts";
import { itemRouter } from "./routers/item.ts";
import { modelRouter } from "./routers/model.ts";
import { apiKeyRouter, auditRouter, consoleUserRouter } from "./routers/operators.ts";
import { overviewRouter } from "./routers/overview.ts";
import { ruleSetRouter } from "./routers/rule-set.ts";
import { sessionRouter } from "./routers/session.ts";
import { createCallerFactory, createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  /** Who is signed in (signing in and out are server actions). */
  session: sessionRouter,
  /** The Overview page's counts (its charts read `event.volume` and `item.categories`). */
  overview: overviewRouter,
  item: itemRouter,
  feature: featureRouter,
  event: eventRouter,
  ruleSet: ruleSetRouter,
  model: modelRouter,
  feed: feedRouter,
  experiment: experimentRouter,
  /** Operators: the engine's API keys and console users (admins), the audit log. */
  apiKey: apiKeyRouter,
  consoleUser: consoleUserRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls without HTTP: `createCaller(ctx).item.list({...})`. */
export const createCaller = createCallerFactory(appRouter);
