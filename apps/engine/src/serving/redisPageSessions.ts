// Page sessions in Redis, shared by every engine replica on it: a cursor issued by one replica is
// served by any other for the session TTL (30 min by default).
//
// One key per session, `cascade:{ps:<session id>}`, a hash with the TTL (PX) set when it is written:
//   b         the session (pageSessionsCodec.ts: flat arrays, caps; ≤ 512 KiB, ~29 KB for 500 items)
//   t:<n>     the ids served just before cursor offset n (sessionPageCaps.ts), JSON; one per page
// The session id is the hash tag and every command touches that one key (MULTI/EXEC on one key, a
// one-key script, HGETALL), so this works unchanged on a Redis Cluster.
//
// Writes: `put` is HSET + PEXPIRE in one MULTI; `putTail` is a one-key script that writes the tail
// only while the session exists (a tail written after expiry would otherwise create a key with no
// TTL). Failure: every Redis error or timeout rejects with PageSessionStoreError; nothing is queued
// while Redis is unreachable (redisConnection.ts), and the command timeout is short (request path).
import type { Logger } from "pino";
import { closeRedis, connectRedis, errorMessage } from "../redis/redisConnection.ts";
import { MemoryPageSessionStore } from "./memoryPageSessions.ts";
import { decodeSession, encodeSession } from "./pageSessionsCodec.ts";
import { assertSessionSize, PAGE_SESSION_TTL_MS, PageSessionStoreError, type NewPageSession, type PageSession, type PageSessionStore } from "./pageSessions.ts";

export type RedisPageSessionStoreOptions = {
  url: string;
  logger?: Pick<Logger, "warn">;
  /** How long a session lives after its first page (ms); default 30 min. */
  ttlMs?: number;
  connectTimeoutMs?: number;
  /** Fail a command with no reply after this long (ms); default 500 (a later page waits for its read). */
  commandTimeoutMs?: number;
};

/** KEYS[1]: the session; ARGV: field, value. Writes only while the session exists; 1 when written. */
const PUT_TAIL_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`;
const PUT_TAIL_COMMAND = "cascadePutSessionTail";

const BODY_FIELD = "b";
const TAIL_FIELD_PREFIX = "t:";

/** The key of a page session (exported for tests). */
export function pageSessionKey(id: string): string {
  return `cascade:{ps:${id}}`;
}

/** Connects (or throws PageSessionStoreError). */
export async function createRedisPageSessionStore(options: RedisPageSessionStoreOptions): Promise<PageSessionStore> {
  const client = await connectRedis(
    { ...options, commandTimeoutMs: options.commandTimeoutMs ?? 500 },
    (message, cause) => new PageSessionStoreError(message, { cause }),
  );
  client.defineCommand(PUT_TAIL_COMMAND, { numberOfKeys: 1, lua: PUT_TAIL_SCRIPT });
  return new RedisPageSessionStore(client, options.ttlMs ?? PAGE_SESSION_TTL_MS);
}

type RedisClient = Awaited<ReturnType<typeof connectRedis>>;
type WithPutTail = { [PUT_TAIL_COMMAND]: (key: string, field: string, value: string) => Promise<number> };

class RedisPageSessionStore implements PageSessionStore {
  constructor(
    private readonly client: RedisClient,
    private readonly ttlMs: number,
  ) {}

  async put(session: NewPageSession): Promise<void> {
    assertSessionSize(session);
    // The first page does not await this: encoding (~0.1 ms for 500 items) waits until the response
    // is written. Still before this process reads another request, so the write is on its way first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const body = encodeSession(session, Date.now());
    const fields: (string | Buffer)[] = [BODY_FIELD, body];
    for (const [offset, tail] of session.caps?.tails ?? []) fields.push(`${TAIL_FIELD_PREFIX}${offset}`, JSON.stringify(tail));
    const key = pageSessionKey(session.id);
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await this.client
        .multi()
        .hset(key, ...fields)
        .pexpire(key, this.ttlMs)
        .exec();
    } catch (error) {
      throw unavailable("write", error);
    }
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (!replies || failed) throw unavailable("write", failed ?? new Error("transaction aborted"));
  }

  async get(id: string): Promise<PageSession | undefined> {
    let fields: Record<string, Buffer>;
    try {
      fields = await this.client.hgetallBuffer(pageSessionKey(id));
    } catch (error) {
      throw unavailable("read", error);
    }
    const body = fields[BODY_FIELD];
    if (!body) return undefined;
    try {
      const { caps, ...stored } = decodeSession(body);
      const session: PageSession = { id, ...stored };
      if (caps) session.caps = { caps, tails: tailsOf(fields) };
      return session;
    } catch {
      // Written by an incompatible engine version (or damaged): the cursor is as good as expired.
      return undefined;
    }
  }

  async putTail(id: string, offset: number, tail: readonly string[]): Promise<void> {
    try {
      await (this.client as unknown as WithPutTail)[PUT_TAIL_COMMAND](pageSessionKey(id), `${TAIL_FIELD_PREFIX}${offset}`, JSON.stringify(tail));
    } catch (error) {
      throw unavailable("write", error);
    }
  }

  async close(): Promise<void> {
    await closeRedis(this.client);
  }
}

/** The `t:<offset>` fields: offset → the ids served just before it. */
function tailsOf(fields: Record<string, Buffer>): Map<number, readonly string[]> {
  const tails = new Map<number, readonly string[]>();
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith(TAIL_FIELD_PREFIX)) continue;
    const offset = Number(field.slice(TAIL_FIELD_PREFIX.length));
    const tail: unknown = JSON.parse(value.toString("utf8"));
    if (!Number.isInteger(offset) || !Array.isArray(tail) || !tail.every((id) => typeof id === "string")) throw new RangeError("bad tail field");
    tails.set(offset, tail as string[]);
  }
  return tails;
}

function unavailable(what: "read" | "write", cause: unknown): PageSessionStoreError {
  return new PageSessionStoreError(`page session ${what} failed: Redis unavailable (${errorMessage(cause)})`, { cause });
}

/** The store an engine process uses: Redis (shared by every replica on it) with `redisUrl`, else in-process. Connects or throws PageSessionStoreError. */
export async function createPageSessionStore(options: { redisUrl?: string | undefined; logger?: Pick<Logger, "warn"> }): Promise<PageSessionStore> {
  if (!options.redisUrl) return new MemoryPageSessionStore();
  return createRedisPageSessionStore({ url: options.redisUrl, ...(options.logger ? { logger: options.logger } : {}) });
}
