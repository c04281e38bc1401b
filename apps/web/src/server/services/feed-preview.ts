// The feed debugger's data: the engine's admin feed preview (a user's page with the full funnel
// trace and their recent history), optionally dry-running the surface's unpublished draft or a
// running experiment's variant, and optionally as of a past business time (`asOf`: the feed as it
// would have been served then).
import "server-only";
import { CascadeApiError } from "@cascade/client";
import { feedPreviewResponse, funnelTraceSchema } from "@cascade/core";
import type { Database } from "@cascade/db";
import { z } from "zod";
import type { FeedPreviewInput } from "../../lib/feed-debugger/feed-preview-input.ts";
import { callEngineAdmin } from "../engine/engine-client.ts";
import { findDraftConfig, RuleSetChangeRefused } from "./rule-set.ts";

/**
 * The engine's answer with the trace parsed (the shared contract leaves it `unknown`). The trace is
 * null when the funnel itself failed and the engine answered from its popularity fallback.
 */
export const feedPreviewSchema = feedPreviewResponse.extend({ trace: funnelTraceSchema.nullable() });
export type FeedPreview = z.infer<typeof feedPreviewSchema>;

export { feedPreviewInputSchema, type FeedPreviewInput } from "../../lib/feed-debugger/feed-preview-input.ts";

const itemSummarySchema = z.object({ title: z.string(), category: z.string(), creatorId: z.string().nullable() });
export type ItemSummary = z.infer<typeof itemSummarySchema>;

export const feedPreviewResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    preview: feedPreviewSchema,
    /** Catalogue facts for the items on screen (served, history, top of the ranked list), by id. */
    items: z.record(z.string(), itemSummarySchema),
  }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);
export type FeedPreviewResult = z.infer<typeof feedPreviewResultSchema>;

const AS_OF_TIMEOUT_MS = 60_000;

/** Never throws for engine trouble: an unreachable engine or a refused request is a message. */
export async function previewFeed(db: Database, input: FeedPreviewInput): Promise<FeedPreviewResult> {
  let ruleSetConfig: unknown;
  if (input.useDraft) {
    try {
      ruleSetConfig = await findDraftConfig(db, input.surface);
    } catch (error) {
      if (error instanceof RuleSetChangeRefused) return { ok: false, message: `The saved draft is not valid: ${error.message}` };
      throw error;
    }
    if (ruleSetConfig === null) return { ok: false, message: `Surface "${input.surface}" has no saved draft to dry-run. Save one on the Rules page first.` };
  }
  const request = {
    userId: input.userId,
    surface: input.surface,
    count: input.count,
    ...(ruleSetConfig === undefined ? {} : { ruleSetConfig }),
    // The business time of this preview; without it the engine runs on its own clock.
    ...(input.asOf === undefined ? {} : { asOf: input.asOf }),
    // The variant's overrides on the published config (the engine answers config.source "variant").
    ...(input.variant === undefined ? {} : { variant: input.variant }),
  };
  // The first preview at a new T builds a replay of the log up to T (up to 300k events: ~10 s on
  // the 2-core machine); later ones at the same T reuse it.
  const timeoutMs = input.asOf === undefined ? undefined : AS_OF_TIMEOUT_MS;
  const result = await callEngineAdmin({ name: "POST /v1/admin/feed-preview", ...(timeoutMs ? { timeoutMs } : {}) }, async (admin, options) => {
    const answer = await admin.feedPreview(request, options);
    // The contract leaves the trace `unknown`; the debugger needs it parsed.
    const parsed = feedPreviewSchema.safeParse(answer);
    if (!parsed.success)
      throw new CascadeApiError({
        status: 200,
        code: "invalid_response",
        message: "the feed preview's trace does not match the funnel trace schema",
        cause: parsed.error,
      });
    return parsed.data;
  });
  if (!result.ok) {
    const missing = result.status === 404 && result.code !== "not_found";
    return { ok: false, message: missing ? "This engine has no feed-preview endpoint (POST /v1/admin/feed-preview); update the engine." : result.message };
  }
  return { ok: true, preview: result.data, items: await summariseItems(db, result.data) };
}

/** How many of the ranked list's top items get catalogue facts (the debugger pages through them). */
const RANKED_ITEMS_DESCRIBED = 300;

async function summariseItems(db: Database, preview: FeedPreview): Promise<Record<string, ItemSummary>> {
  const ids = new Set<string>([
    ...preview.response.items.map((item) => item.itemId),
    ...preview.history.map((event) => event.itemId),
    ...(preview.trace?.ranked ?? []).slice(0, RANKED_ITEMS_DESCRIBED),
  ]);
  const rows = await db.item.findMany({ where: { id: { in: [...ids] } }, select: { id: true, title: true, category: true, creatorId: true } });
  return Object.fromEntries(rows.map((row) => [row.id, { title: row.title, category: row.category, creatorId: row.creatorId }]));
}
