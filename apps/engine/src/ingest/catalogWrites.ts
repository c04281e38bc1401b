// Catalogue batch writes (items, users, follows): validation and upsert, shared by the HTTP routes
// (PUT /v1/items|users|follows, thin over these) and `cascade import`, so the two cannot drift.
// The semantics are documented on the routes (routes/items.ts, users.ts, follows.ts).
//
// Validation throws the API's errors: 413 `payload_too_large` for more than MAX_BATCH rows, 400
// `validation_failed` listing every bad field as `<entity>.<index>.<field>`. Each upsert runs the
// batch in one transaction with rows in key order (writeTransactions.ts) and returns the batch's
// `{upserted, created, updated}`.
import {
  upsertFollowsRequest,
  upsertItemsRequest,
  upsertUsersRequest,
  type FollowInput,
  type ItemInput,
  type UpsertResponse,
  type UserInput,
} from "@cascade/core";
import type { Database } from "@cascade/db";
import { assertBatchSize } from "./batchLimits.ts";
import { InvalidInputError, type InputIssue } from "./inputErrors.ts";
import { parseInput } from "./parseInput.ts";
import { timestampProblem } from "../postgres/storableValues.ts";
import { compareIds, WRITE_TRANSACTION_OPTIONS } from "./writeTransactions.ts";

/**
 * Most keys in one item's or user's `attributes` (keys up to 64 characters and values up to 1,024
 * characters or 64 strings of 256 are the core contract's): every attribute is copied into each
 * read of the row, so an unbounded map would let one row slow every request that touches it.
 */
export const MAX_ATTRIBUTE_KEYS = 64;

function attributeKeyIssues(rows: readonly { attributes: Record<string, unknown> }[], entity: string): InputIssue[] {
  return rows.flatMap((row, index): InputIssue[] =>
    Object.keys(row.attributes).length > MAX_ATTRIBUTE_KEYS
      ? [{ path: `${entity}.${index}.attributes`, message: `must have at most ${MAX_ATTRIBUTE_KEYS} keys` }]
      : [],
  );
}

/** A PUT /v1/items body → its items, or throws 413/400. */
export function parseItemsBatch(body: unknown): ItemInput[] {
  assertBatchSize(body, "items");
  return parseInput(upsertItemsRequest, body, (data) => [
    ...data.items.flatMap((item, index): InputIssue[] => {
      const problem = timestampProblem(item.publishedAt);
      return problem ? [{ path: `items.${index}.publishedAt`, message: problem }] : [];
    }),
    ...attributeKeyIssues(data.items, "items"),
  ]).items;
}

/** A PUT /v1/users body → its users, or throws 413/400. */
export function parseUsersBatch(body: unknown): UserInput[] {
  assertBatchSize(body, "users");
  return parseInput(upsertUsersRequest, body, (data) => attributeKeyIssues(data.users, "users")).users;
}

/** A PUT /v1/follows body → its follows, or throws 413/400 (unknown creators are checked by upsertFollows). */
export function parseFollowsBatch(body: unknown): FollowInput[] {
  assertBatchSize(body, "follows");
  return parseInput(upsertFollowsRequest, body, (data) =>
    data.follows.flatMap((follow, index): InputIssue[] => {
      const problem = follow.at === undefined ? null : timestampProblem(follow.at);
      return problem ? [{ path: `follows.${index}.at`, message: problem }] : [];
    }),
  ).follows;
}

/** Upserts validated items (replacing them), creating unknown creators (name = id). */
export async function upsertItems(db: Database, items: readonly ItemInput[]): Promise<UpsertResponse> {
  const sorted = [...items].sort((a, b) => compareIds(a.id, b.id));
  const creatorIds = [...new Set(sorted.flatMap((item) => (item.creatorId ? [item.creatorId] : [])))].sort(compareIds);

  const rows = await db.$transaction(async (tx) => {
    if (creatorIds.length > 0) {
      await tx.$executeRaw`
        INSERT INTO creators (id, name)
        SELECT id, id FROM unnest(${creatorIds}::text[]) AS input(id)
        ON CONFLICT (id) DO NOTHING`;
    }
    return tx.$queryRaw<{ inserted: boolean }[]>`
      INSERT INTO items AS stored (id, title, category, creator_id, tags, published_at, available, attributes)
      SELECT id, title, category, creator_id, ARRAY(SELECT jsonb_array_elements_text(tags)), published_at, available, attributes
      FROM unnest(
        ${sorted.map((item) => item.id)}::text[],
        ${sorted.map((item) => item.title)}::text[],
        ${sorted.map((item) => item.category)}::text[],
        ${sorted.map((item) => item.creatorId ?? null)}::text[],
        ${sorted.map((item) => JSON.stringify(item.tags))}::jsonb[],
        ${sorted.map((item) => item.publishedAt)}::timestamptz[],
        ${sorted.map((item) => item.available)}::boolean[],
        ${sorted.map((item) => JSON.stringify(item.attributes))}::jsonb[]
      ) AS input(id, title, category, creator_id, tags, published_at, available, attributes)
      ON CONFLICT (id) DO UPDATE SET
        title = EXCLUDED.title,
        category = EXCLUDED.category,
        creator_id = EXCLUDED.creator_id,
        tags = EXCLUDED.tags,
        published_at = EXCLUDED.published_at,
        available = EXCLUDED.available,
        attributes = EXCLUDED.attributes,
        updated_at = now()
      WHERE (stored.title, stored.category, stored.creator_id, stored.tags, stored.published_at, stored.available, stored.attributes)
        IS DISTINCT FROM
            (EXCLUDED.title, EXCLUDED.category, EXCLUDED.creator_id, EXCLUDED.tags, EXCLUDED.published_at, EXCLUDED.available, EXCLUDED.attributes)
      RETURNING (xmax = 0) AS inserted`;
  }, WRITE_TRANSACTION_OPTIONS);

  const created = rows.filter((row) => row.inserted).length;
  return { upserted: items.length, created, updated: rows.length - created };
}

/** Upserts validated users (replacing their attributes). */
export async function upsertUsers(db: Database, users: readonly UserInput[]): Promise<UpsertResponse> {
  const sorted = [...users].sort((a, b) => compareIds(a.id, b.id));

  const rows = await db.$transaction(
    (tx) => tx.$queryRaw<{ inserted: boolean }[]>`
      INSERT INTO users AS stored (id, attributes)
      SELECT id, attributes
      FROM unnest(
        ${sorted.map((user) => user.id)}::text[],
        ${sorted.map((user) => JSON.stringify(user.attributes))}::jsonb[]
      ) AS input(id, attributes)
      ON CONFLICT (id) DO UPDATE SET attributes = EXCLUDED.attributes, updated_at = now()
      WHERE stored.attributes IS DISTINCT FROM EXCLUDED.attributes
      RETURNING (xmax = 0) AS inserted`,
    WRITE_TRANSACTION_OPTIONS,
  );

  const created = rows.filter((row) => row.inserted).length;
  return { upserted: users.length, created, updated: rows.length - created };
}

/**
 * Applies validated follows (add, or remove with `active: false`), creating unknown users. Every
 * creator must exist: otherwise throws 400 `validation_failed` naming `follows.<index>.creatorId`
 * and writes nothing (the check runs inside the transaction, so it sees what it writes against).
 */
export async function upsertFollows(db: Database, follows: readonly FollowInput[]): Promise<UpsertResponse> {
  const byPair = (a: FollowInput, b: FollowInput) => compareIds(a.userId, b.userId) || compareIds(a.creatorId, b.creatorId);
  const added = follows.filter((follow) => follow.active).sort(byPair);
  const removed = follows.filter((follow) => !follow.active).sort(byPair);
  const timed = added.filter((follow) => follow.at !== undefined);
  const untimed = added.filter((follow) => follow.at === undefined);

  const counts = await db.$transaction(async (tx) => {
    const creatorIds = [...new Set(follows.map((follow) => follow.creatorId))];
    const known = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM creators WHERE id = ANY(${creatorIds}::text[])`;
    const knownIds = new Set(known.map((row) => row.id));
    const unknown = follows.flatMap((follow, index): InputIssue[] =>
      knownIds.has(follow.creatorId)
        ? []
        : [{ path: `follows.${index}.creatorId`, message: `unknown creator ${follow.creatorId}; creators are created by PUT /v1/items` }],
    );
    if (unknown.length > 0) throw new InvalidInputError(unknown);

    const userIds = [...new Set(added.map((follow) => follow.userId))].sort(compareIds);
    if (userIds.length > 0) {
      await tx.$executeRaw`
        INSERT INTO users (id) SELECT id FROM unnest(${userIds}::text[]) AS input(id)
        ON CONFLICT (id) DO NOTHING`;
    }
    let created = 0;
    let updated = 0;
    if (timed.length > 0) {
      const rows = await tx.$queryRaw<{ inserted: boolean }[]>`
        INSERT INTO follows AS stored (user_id, creator_id, created_at)
        SELECT * FROM unnest(
          ${timed.map((follow) => follow.userId)}::text[],
          ${timed.map((follow) => follow.creatorId)}::text[],
          ${timed.map((follow) => follow.at)}::timestamptz[]
        )
        ON CONFLICT (user_id, creator_id) DO UPDATE SET created_at = EXCLUDED.created_at
        WHERE stored.created_at IS DISTINCT FROM EXCLUDED.created_at
        RETURNING (xmax = 0) AS inserted`;
      created += rows.filter((row) => row.inserted).length;
      updated += rows.filter((row) => !row.inserted).length;
    }
    if (untimed.length > 0) {
      created += await tx.$executeRaw`
        INSERT INTO follows (user_id, creator_id)
        SELECT * FROM unnest(
          ${untimed.map((follow) => follow.userId)}::text[],
          ${untimed.map((follow) => follow.creatorId)}::text[]
        )
        ON CONFLICT (user_id, creator_id) DO NOTHING`;
    }
    if (removed.length > 0) {
      updated += await tx.$executeRaw`
        DELETE FROM follows AS stored
        USING unnest(
          ${removed.map((follow) => follow.userId)}::text[],
          ${removed.map((follow) => follow.creatorId)}::text[]
        ) AS input(user_id, creator_id)
        WHERE stored.user_id = input.user_id AND stored.creator_id = input.creator_id`;
    }
    return { created, updated };
  }, WRITE_TRANSACTION_OPTIONS);

  return { upserted: follows.length, ...counts };
}
