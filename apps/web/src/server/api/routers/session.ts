// The current console session. Signing in and out are server actions (they set the cookie and
// work before the page has hydrated); see src/app/login/sign-in-action.ts.
import { z } from "zod";
import { sessionUserSchema } from "../../services/session.ts";
import { createTRPCRouter, publicProcedure } from "../trpc.ts";

export const sessionRouter = createTRPCRouter({
  /** Who is signed in, or null. Public so that the client can ask without triggering a 401. */
  get: publicProcedure
    .input(z.void())
    .output(z.object({ user: sessionUserSchema.nullable() }))
    .query(({ ctx }) => ({ user: ctx.user })),
});
