import { z } from "zod";
import { attributes, entityId, isoTimestamp, MAX_BATCH } from "./common.ts";

export const itemInput = z.object({
  id: entityId,
  title: z.string().max(512).default(""),
  category: z.string().min(1).max(128),
  creatorId: entityId.optional(),
  tags: z.array(z.string().min(1).max(64)).max(64).default([]),
  publishedAt: isoTimestamp,
  available: z.boolean().default(true),
  attributes,
});
export type ItemInput = z.infer<typeof itemInput>;

export const userInput = z.object({ id: entityId, attributes });
export type UserInput = z.infer<typeof userInput>;

export const followInput = z.object({
  userId: entityId,
  creatorId: entityId,
  /** false removes the follow */
  active: z.boolean().default(true),
  at: isoTimestamp.optional(),
});
export type FollowInput = z.infer<typeof followInput>;

function uniqueBy<T>(key: (row: T) => string, what: string) {
  return (rows: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    rows.forEach((row, index) => {
      const k = key(row);
      const first = seen.get(k);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: [index], message: `duplicate ${what} ${k} (also at index ${first})` });
      } else seen.set(k, index);
    });
  };
}

export const upsertItemsRequest = z.object({
  items: z
    .array(itemInput)
    .min(1)
    .max(MAX_BATCH)
    .superRefine(uniqueBy((item) => item.id, "item id")),
});
export const upsertUsersRequest = z.object({
  users: z
    .array(userInput)
    .min(1)
    .max(MAX_BATCH)
    .superRefine(uniqueBy((user) => user.id, "user id")),
});
export const upsertFollowsRequest = z.object({
  follows: z
    .array(followInput)
    .min(1)
    .max(MAX_BATCH)
    .superRefine(uniqueBy((follow) => `${follow.userId}→${follow.creatorId}`, "follow")),
});

/** Batch upserts are all-or-nothing: the whole batch validates and commits in one transaction. */
export const upsertResponse = z.object({
  upserted: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
});
export type UpsertResponse = z.infer<typeof upsertResponse>;
