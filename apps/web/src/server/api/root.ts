// The console's API: one router per noun.
import { categoryRouter } from "./routers/category.ts";
import { eventVolumeRouter } from "./routers/event-volume.ts";
import { itemRouter } from "./routers/item.ts";
import { overviewRouter } from "./routers/overview.ts";
import { sessionRouter } from "./routers/session.ts";
import { createCallerFactory, createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  session: sessionRouter,
  overview: overviewRouter,
  eventVolume: eventVolumeRouter,
  category: categoryRouter,
  item: itemRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls without HTTP: `createCaller(ctx).item.list({...})`. */
export const createCaller = createCallerFactory(appRouter);
