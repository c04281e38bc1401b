// What the feed debugger asks for (the tRPC input of feed.preview). Kept apart from the service
// (which is server-only) so the page, the form and unit tests validate with the same schema.
import { z } from "zod";
import { asOfSchema } from "./as-of.ts";

export const feedPreviewInputSchema = z.object({
  userId: z.string().trim().min(1, "Enter a user id").max(128),
  surface: z.string().min(1).max(64),
  count: z.number().int().min(1).max(100).default(20),
  /** Dry-run the surface's saved draft instead of what is published. */
  useDraft: z.boolean().default(false),
  /** Business time of the preview ("the feed as it would have been served at T"); absent: the engine's clock. */
  asOf: asOfSchema.optional(),
  /** Preview under this variant of a running experiment on the surface (by experiment key), whatever the user is assigned. */
  variant: z.object({ experiment: z.string().min(1).max(64), variant: z.string().min(1).max(64) }).optional(),
});
export type FeedPreviewInput = z.infer<typeof feedPreviewInputSchema>;

/** `?variant=<experiment key>:<variant key>` of the debugger's URL; null when absent or malformed. */
export function parseVariantParam(value: string | undefined): { experiment: string; variant: string } | null {
  const match = /^([^:\s]{1,64}):([^:\s]{1,64})$/.exec(value?.trim() ?? "");
  return match ? { experiment: match[1]!, variant: match[2]! } : null;
}
