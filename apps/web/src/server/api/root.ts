// The console's API: one router per noun.
import { categoryRouter } from "./routers/category.ts";
import { eventVolumeRouter } from "./routers/event-volume.ts";
import { featureRouter } from "./routers/feature.ts";
import { feedPreviewRouter } from "./routers/feed-preview.ts";
import { ingestRateRouter } from "./routers/ingest-rate.ts";
import { itemRouter } from "./routers/item.ts";
import { modelVersionRouter } from "./routers/model-version.ts";
import { overviewRouter } from "./routers/overview.ts";
import { rejectedEventRouter } from "./routers/rejected-event.ts";
import { rejectionReasonRouter } from "./routers/rejection-reason.ts";
import { ruleSetRouter } from "./routers/rule-set.ts";
import { sessionRouter } from "./routers/session.ts";
import { skewReportRouter } from "./routers/skew-report.ts";
import { createCallerFactory, createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  session: sessionRouter,
  overview: overviewRouter,
  eventVolume: eventVolumeRouter,
  category: categoryRouter,
  item: itemRouter,
  feature: featureRouter,
  skewReport: skewReportRouter,
  ingestRate: ingestRateRouter,
  rejectedEvent: rejectedEventRouter,
  rejectionReason: rejectionReasonRouter,
  ruleSet: ruleSetRouter,
  feedPreview: feedPreviewRouter,
  modelVersion: modelVersionRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls without HTTP: `createCaller(ctx).item.list({...})`. */
export const createCaller = createCallerFactory(appRouter);
