// OnlineStore on Redis (ioredis). Keys are `cascade:` + the StoreKey, e.g. `cascade:{u:123}:recent`:
// the hash tag keeps one entity's keys on one Redis Cluster slot.
//
// Failure behaviour: the engine must never stall or crash because Redis is slow or gone. Commands
// are not queued while disconnected (they fail at once), each command has a timeout, a request is
// retried at most once across a reconnect, and every failure reaches the caller as an
// OnlineStoreError it can catch and fail open on. ioredis keeps reconnecting in the background.
//
// Batches are sent as one pipeline (one round trip). A pipeline is not atomic: as in the memory
// store, a failing command does not undo the others.
//
// Redis Cluster: the keys are ready for it, but a pipeline there may only hold keys served by one
// node. A cluster client would have to split batches by node before `exec`; this file uses a
// single-node client for now.
import type { ChainableCommander, Redis } from "ioredis";
import type { Logger } from "pino";
import { closeRedis, connectRedis, errorMessage } from "../redis/redisConnection.ts";
import { BATCH_READ_SCRIPT, batchReadArguments, hashFromFlat, membersFromFlat, planBatchReadCalls } from "./batchReadScript.ts";
import { encodeEntityUpdate, ENTITY_UPDATE_SCRIPT, OUTCOME_OF_CODE, type JsonTokens } from "./entityUpdateScript.ts";
import {
  assertCount,
  assertEntityUpdate,
  assertFiniteNumbers,
  assertTtl,
  OnlineStoreError,
  type ApplyUpdatesOptions,
  type BatchRead,
  type BatchReadResult,
  type CappedListPush,
  type EntityUpdate,
  type HashIncrement,
  type HashWrite,
  type NumericHash,
  type OnlineStore,
  type ScoredMember,
  type SortedSetIncrement,
  type StoreKey,
  type UpdateOutcome,
} from "./onlineStore.ts";

const KEY_NAMESPACE = "cascade:";

export type RedisOnlineStoreOptions = {
  url: string;
  logger?: Pick<Logger, "warn">;
  /** Give up on the first connection after this long (ms). */
  connectTimeoutMs?: number;
  /** Fail a command that has no reply after this long (ms); request-path reads must stay fast. */
  commandTimeoutMs?: number;
  /**
   * The same for the feature writer's entity updates (`applyUpdates`), which run on a connection
   * of their own (default 10 s). A busy machine delays a large script call's reply by more than a
   * request-path read may wait; timing it out only makes the consumer retry the batch (the ledger
   * skips what was applied), adding load exactly when there is too much. A connection of its own
   * also keeps request-path reads from queueing behind the writer's calls.
   */
  writeCommandTimeoutMs?: number;
};

/** Connects (or throws OnlineStoreError) and returns the store. */
export async function createRedisOnlineStore(options: RedisOnlineStoreOptions): Promise<OnlineStore> {
  const toError = (message: string, cause: unknown) => new OnlineStoreError(message, { cause });
  // Request-path reads must stay fast: a shorter command timeout than the pipeline's default.
  const client = await connectRedis({ ...options, commandTimeoutMs: options.commandTimeoutMs ?? 1_000 }, toError);
  let writer: Redis;
  try {
    writer = await connectRedis({ ...options, commandTimeoutMs: options.writeCommandTimeoutMs ?? 10_000 }, toError);
  } catch (error) {
    await closeRedis(client);
    throw error;
  }
  writer.defineCommand(ENTITY_UPDATE_COMMAND, { lua: ENTITY_UPDATE_SCRIPT });
  client.defineCommand(BATCH_READ_COMMAND, { lua: BATCH_READ_SCRIPT });
  return new RedisOnlineStore(client, writer);
}

/** The batch read script (batchReadScript.ts), on the request-path connection. */
const BATCH_READ_COMMAND = "cascadeReadBatch";
type WithBatchReadCommand = { [BATCH_READ_COMMAND]: (...numberOfKeysKeysThenArgs: (string | number)[]) => unknown };
/** Registered with defineCommand: ioredis sends EVALSHA and falls back to EVAL when the script is not loaded. */
const ENTITY_UPDATE_COMMAND = "cascadeApplyEntityUpdate";
/**
 * Bounds on one script call (it blocks Redis, serving reads included, while it runs: ~1–2 ms at
 * most): updates, and JSON array elements before the next update. Several updates per call halve
 * engine CPU on a single Redis node; on Redis Cluster a call's keys must share one slot, so a
 * cluster client has to cut calls at every change of hash tag.
 */
const UPDATES_PER_CALL = 64;
const TOKENS_PER_CALL = 8_000;
/**
 * Script calls per round trip: in practice all of a batch's. Sending them 8 per round trip made
 * a 4000-event batch wait for ~14 sequential round trips on a busy event loop (feature freshness
 * p99 11 s, against ~2 s in one); the writer's connection has a command timeout long enough for a
 * whole batch's calls.
 */
const CALLS_PER_ROUND_TRIP = 1000;
type WithEntityUpdateCommand = { [ENTITY_UPDATE_COMMAND]: (numberOfKeys: number, ...keysAndArgs: string[]) => unknown };

class RedisOnlineStore implements OnlineStore {
  constructor(
    private readonly client: Redis,
    /** The feature writer's connection (entity updates), with its longer command timeout. */
    private readonly writer: Redis,
  ) {}

  async ping(): Promise<void> {
    await this.pipeline((pipeline) => pipeline.ping());
  }

  async close(): Promise<void> {
    await Promise.all([closeRedis(this.client), closeRedis(this.writer)]);
  }

  async readHashes(keys: readonly StoreKey[], fields?: readonly string[]): Promise<NumericHash[]> {
    if (keys.length === 0) return [];
    if (fields) {
      if (fields.length === 0) return keys.map(() => ({}));
      const replies = await this.pipeline((pipeline) => keys.forEach((key) => pipeline.hmget(namespaced(key), ...fields)));
      return replies.map((reply) => {
        const values = reply as (string | null)[];
        const hash: NumericHash = {};
        fields.forEach((field, index) => {
          const value = values[index];
          if (value != null) hash[field] = parseRedisNumber(value);
        });
        return hash;
      });
    }
    const replies = await this.pipeline((pipeline) => keys.forEach((key) => pipeline.hgetall(namespaced(key))));
    return replies.map((reply) => {
      const hash: NumericHash = {};
      for (const [field, value] of Object.entries(reply as Record<string, string>)) hash[field] = parseRedisNumber(value);
      return hash;
    });
  }

  async writeHashes(writes: readonly HashWrite[]): Promise<void> {
    for (const write of writes) {
      assertFiniteNumbers(write.values, "hash values");
      assertTtl(write.ttlMs);
    }
    const nonEmpty = writes.filter((write) => Object.keys(write.values).length > 0);
    if (nonEmpty.length === 0) return;
    await this.pipeline((pipeline) => {
      for (const write of nonEmpty) {
        pipeline.hset(namespaced(write.key), write.values);
        if (write.ttlMs !== undefined) pipeline.pexpire(namespaced(write.key), write.ttlMs);
      }
    });
  }

  async incrementHashes(increments: readonly HashIncrement[]): Promise<NumericHash[]> {
    for (const increment of increments) {
      assertFiniteNumbers(increment.increments, "hash increments");
      assertTtl(increment.ttlMs);
    }
    if (increments.length === 0) return [];
    // Remember which reply answers which field (PEXPIRE replies sit in between).
    const fieldReplies: { input: number; field: string; reply: number }[] = [];
    const replies = await this.pipeline((pipeline) => {
      increments.forEach((increment, input) => {
        const key = namespaced(increment.key);
        const fields = Object.entries(increment.increments);
        for (const [field, by] of fields) {
          fieldReplies.push({ input, field, reply: pipeline.length });
          pipeline.hincrbyfloat(key, field, by);
        }
        if (fields.length > 0 && increment.ttlMs !== undefined) pipeline.pexpire(key, increment.ttlMs);
      });
    });
    const results: NumericHash[] = increments.map(() => ({}));
    for (const { input, field, reply } of fieldReplies) results[input]![field] = parseRedisNumber(replies[reply] as string);
    return results;
  }

  async incrementSortedSets(increments: readonly SortedSetIncrement[]): Promise<number[]> {
    for (const increment of increments) {
      assertFiniteNumbers(increment.by, "sorted set increments");
      assertTtl(increment.ttlMs);
    }
    if (increments.length === 0) return [];
    const scoreReplies: number[] = [];
    const replies = await this.pipeline((pipeline) => {
      for (const increment of increments) {
        scoreReplies.push(pipeline.length);
        pipeline.zincrby(namespaced(increment.key), increment.by, increment.member);
        if (increment.ttlMs !== undefined) pipeline.pexpire(namespaced(increment.key), increment.ttlMs);
      }
    });
    return scoreReplies.map((index) => parseRedisNumber(replies[index] as string));
  }

  async topOfSortedSet(key: StoreKey, limit: number): Promise<ScoredMember[]> {
    assertCount(limit, "limit", 0);
    if (limit === 0) return [];
    const [reply] = await this.pipeline((pipeline) => pipeline.zrevrange(namespaced(key), 0, limit - 1, "WITHSCORES"));
    const flat = reply as string[];
    const members: ScoredMember[] = [];
    for (let index = 0; index < flat.length; index += 2) {
      members.push({ member: flat[index]!, score: parseRedisNumber(flat[index + 1]!) });
    }
    return members;
  }

  async sortedSetScores(key: StoreKey, members: readonly string[]): Promise<(number | null)[]> {
    if (members.length === 0) return [];
    const [reply] = await this.pipeline((pipeline) => pipeline.zmscore(namespaced(key), ...members));
    return (reply as (string | null)[]).map((score) => (score === null ? null : parseRedisNumber(score)));
  }

  async trimSortedSet(key: StoreKey, keep: number): Promise<void> {
    assertCount(keep, "keep", 0);
    // Ranks ascend from the lowest score: remove ranks 0 … (size - keep - 1).
    await this.pipeline((pipeline) => pipeline.zremrangebyrank(namespaced(key), 0, -keep - 1));
  }

  async pushToCappedLists(pushes: readonly CappedListPush[]): Promise<void> {
    for (const push of pushes) {
      assertCount(push.maxLength, "maxLength", 1);
      assertTtl(push.ttlMs);
    }
    const nonEmpty = pushes.filter((push) => push.values.length > 0);
    if (nonEmpty.length === 0) return;
    await this.pipeline((pipeline) => {
      for (const push of nonEmpty) {
        const key = namespaced(push.key);
        pipeline.lpush(key, ...push.values);
        pipeline.ltrim(key, 0, push.maxLength - 1);
        if (push.ttlMs !== undefined) pipeline.pexpire(key, push.ttlMs);
      }
    });
  }

  async readLists(keys: readonly StoreKey[], limit: number): Promise<string[][]> {
    assertCount(limit, "limit", 0);
    if (keys.length === 0) return [];
    if (limit === 0) return keys.map(() => []);
    const replies = await this.pipeline((pipeline) => keys.forEach((key) => pipeline.lrange(namespaced(key), 0, limit - 1)));
    return replies as string[][];
  }

  async applyUpdates(updates: readonly EntityUpdate[], options: ApplyUpdatesOptions = {}): Promise<UpdateOutcome[]> {
    if (!options.validated) for (const update of updates) assertEntityUpdate(update);
    // The updates, in their order, cut into script calls of a few dozen (bounded by
    // UPDATES_PER_CALL and TOKENS_PER_CALL): the calls run one after another and each runs its
    // updates in order, so every update runs atomically and at most once, exactly as if each were
    // its own call in the given order. Several per call save most of the per-command cost in the
    // client and in Redis. (A Redis Cluster client would also start a new call whenever the hash
    // tag, i.e. the slot, changes.)
    const outcomes: UpdateOutcome[] = new Array<UpdateOutcome>(updates.length).fill("applied");
    const sent: { keys: string[]; argument: string; updates: number[] }[] = [];
    let tokens: JsonTokens = [];
    // KEYS of the call being built, by 1-based position. A key may repeat (an entity's updates each
    // declare theirs): Redis allows that, and it is cheaper than looking every key up.
    let keys: string[] = [];
    let encoded: number[] = [];
    const keyIndex = (key: StoreKey): number => keys.push(KEY_NAMESPACE + key);
    // Each call's argument is joined as soon as the call is complete, so the tokens die young.
    const endCall = (): void => {
      if (encoded.length > 0) sent.push({ keys, argument: jsonArray(tokens), updates: encoded });
      tokens = [];
      keys = [];
      encoded = [];
    };
    for (let index = 0; index < updates.length; index += 1) {
      if (encoded.length >= UPDATES_PER_CALL || tokens.length >= TOKENS_PER_CALL) endCall();
      // An update with no keys has nothing to do (and nothing to remember): applied, without a call.
      if (encodeEntityUpdate(updates[index]!, keyIndex, tokens)) encoded.push(index);
    }
    endCall();
    if (sent.length === 0) return outcomes;
    const replies: unknown[] = [];
    for (let first = 0; first < sent.length; first += CALLS_PER_ROUND_TRIP) {
      const chunk = sent.slice(first, first + CALLS_PER_ROUND_TRIP);
      replies.push(
        ...(await this.pipeline((pipeline) => {
          const scripted = pipeline as unknown as WithEntityUpdateCommand;
          for (const call of chunk) scripted[ENTITY_UPDATE_COMMAND](call.keys.length, ...call.keys, call.argument);
        }, this.writer)),
      );
    }
    sent.forEach((entry, reply) => {
      const codes = replies[reply] as number[];
      entry.updates.forEach((index, position) => {
        outcomes[index] = OUTCOME_OF_CODE[codes[position]!] ?? "applied";
      });
    });
    return outcomes;
  }

  async readBatch(read: BatchRead): Promise<BatchReadResult> {
    for (const { limit } of read.sortedSets) assertCount(limit, "limit", 0);
    const ranged = read.sortedSets.filter(({ limit }) => limit > 0);
    if (read.hashes.length === 0 && ranged.length === 0) return { hashes: [], sortedSets: read.sortedSets.map(() => []) };
    // Script calls, not a command per key (see batchReadScript.ts); all in one round trip.
    const calls = planBatchReadCalls(
      read.hashes.map(namespaced),
      ranged.map(({ key, limit }) => ({ key: namespaced(key), limit })),
    );
    const replies = await this.pipeline((pipeline) => {
      const scripted = pipeline as unknown as WithBatchReadCommand;
      for (const call of calls) scripted[BATCH_READ_COMMAND](...batchReadArguments(call));
    });
    // Calls hold the hashes first, then the sorted sets, in request order: their replies concatenate to that order.
    const flat = (replies as string[][][]).flat(1);
    const hashes = read.hashes.map((_, index) => hashFromFlat(flat[index]!, parseRedisNumber));
    let next = read.hashes.length;
    const sortedSets = read.sortedSets.map(({ limit }) => (limit === 0 ? [] : membersFromFlat(flat[next++]!, parseRedisNumber)));
    return { hashes, sortedSets };
  }

  async expire(key: StoreKey, ttlMs: number): Promise<boolean> {
    assertTtl(ttlMs);
    const [reply] = await this.pipeline((pipeline) => pipeline.pexpire(namespaced(key), ttlMs));
    return reply === 1;
  }

  async ttl(key: StoreKey): Promise<number | null> {
    const [reply] = await this.pipeline((pipeline) => pipeline.pttl(namespaced(key)));
    const milliseconds = reply as number;
    // -2: no such key, -1: no expiry.
    return milliseconds < 0 ? null : milliseconds;
  }

  async delete(keys: readonly StoreKey[]): Promise<number> {
    if (keys.length === 0) return 0;
    const [reply] = await this.pipeline((pipeline) => pipeline.del(...keys.map(namespaced)));
    return reply as number;
  }

  /** Sends the queued commands in one round trip; any failure becomes an OnlineStoreError. */
  private async pipeline(queue: (pipeline: ChainableCommander) => unknown, client: Redis = this.client): Promise<unknown[]> {
    const pipeline = client.pipeline();
    queue(pipeline);
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      throw new OnlineStoreError(`Redis unavailable: ${errorMessage(error)}`, { cause: error });
    }
    if (!replies) throw new OnlineStoreError("Redis unavailable: pipeline was discarded");
    const failed = replies.find(([error]) => error !== null);
    if (failed) throw new OnlineStoreError(`Redis command failed: ${errorMessage(failed[0])}`, { cause: failed[0] });
    return replies.map(([, reply]) => reply);
  }
}

/** `[tokens…]` as one flat string: the brackets go into the first and last token, not around the joined string (a copy of it). */
function jsonArray(tokens: JsonTokens): string {
  const last = tokens.length - 1;
  if (last < 0) return "[]";
  tokens[0] = `[${tokens[0]}`;
  tokens[last] = `${tokens[last]}]`;
  return tokens.join(",");
}

function namespaced(key: StoreKey): string {
  return KEY_NAMESPACE + key;
}

/** Redis prints infinite scores as `inf` / `-inf`. */
function parseRedisNumber(value: string): number {
  if (value === "inf" || value === "+inf") return Number.POSITIVE_INFINITY;
  if (value === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(value);
}
