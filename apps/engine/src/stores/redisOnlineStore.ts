// OnlineStore on Redis (ioredis), a single server or a Redis Cluster. Keys are `cascade:` + the
// StoreKey, e.g. `cascade:{u:123}:recent`: the hash tag keeps one entity's keys on one cluster slot.
//
// Failure behaviour: the engine must never stall or crash because Redis is slow or gone. Commands
// are not queued while disconnected (they fail at once), each command has a timeout, a request is
// retried at most once across a reconnect, and every failure reaches the caller as an
// OnlineStoreError it can catch and fail open on. ioredis keeps reconnecting in the background.
//
// Batches are sent as one pipeline (one round trip; on a cluster one per node, in parallel: see
// redis/redisPipeline.ts). A pipeline is not atomic: as in the memory store, a failing command
// does not undo the others. Every command and script call touches the keys of one slot on a
// cluster: per-key commands, script calls grouped by slot (`groupBySlot`: everything is one group
// on a single server, so there a script call carries many entities as before).
import { randomUUID } from "node:crypto";
import type { ChainableCommander } from "ioredis";
import type { Logger } from "pino";
import { closeRedis, connectRedis, duplicateForSubscribing, errorMessage, pingRedis, type RedisClient } from "../redis/redisConnection.ts";
import { groupBySlot, isCluster, RoutedPipeline } from "../redis/redisPipeline.ts";
import {
  BATCH_READ_SCRIPT,
  batchReadArguments,
  ENTITY_READ_SCRIPT,
  entityReadArguments,
  hashFromFlat,
  KEYS_PER_CALL,
  membersFromFlat,
  planBatchReadCalls,
} from "./batchReadScript.ts";
import { encodeEntityUpdate, ENTITY_UPDATE_SCRIPT, OUTCOME_OF_CODE, type JsonTokens } from "./entityUpdateScript.ts";
import {
  assertCount,
  assertEntitiesRead,
  assertEntityUpdate,
  assertFiniteNumbers,
  entitiesBatchRead,
  assertTtl,
  changedEntities,
  firstKeyOf,
  OnlineStoreError,
  type ApplyUpdatesOptions,
  type BatchRead,
  type BatchReadResult,
  type CappedListPush,
  type ChangeWatch,
  type EntitiesRead,
  type EntityChangeListener,
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
  /**
   * How often a change watch (watchChanges) checks its subscription end to end, by publishing a
   * probe it must receive back (default 1 s). Without a probe back for 2.5 intervals the watch
   * reports itself not live.
   */
  changeProbeIntervalMs?: number;
};

/** Connects (or throws OnlineStoreError) and returns the store. */
export async function createRedisOnlineStore(options: RedisOnlineStoreOptions): Promise<OnlineStore> {
  const toError = (message: string, cause: unknown) => new OnlineStoreError(message, { cause });
  // Request-path reads must stay fast: a shorter command timeout than the pipeline's default.
  const client = await connectRedis({ ...options, commandTimeoutMs: options.commandTimeoutMs ?? 1_000 }, toError);
  let writer: RedisClient;
  try {
    writer = await connectRedis({ ...options, commandTimeoutMs: options.writeCommandTimeoutMs ?? 10_000 }, toError);
  } catch (error) {
    await closeRedis(client);
    throw error;
  }
  writer.defineCommand(ENTITY_UPDATE_COMMAND, { lua: ENTITY_UPDATE_SCRIPT });
  client.defineCommand(BATCH_READ_COMMAND, { lua: BATCH_READ_SCRIPT });
  client.defineCommand(ENTITY_READ_COMMAND, { lua: ENTITY_READ_SCRIPT });
  return new RedisOnlineStore(client, writer, options.changeProbeIntervalMs ?? 1_000);
}

/** The batch read script (batchReadScript.ts), on the request-path connection. */
const BATCH_READ_COMMAND = "cascadeReadBatch";
type WithBatchReadCommand = { [BATCH_READ_COMMAND]: (...numberOfKeysKeysThenArgs: (string | number)[]) => unknown };
/** The entity read script (batchReadScript.ts), on the request-path connection of a single Redis. */
const ENTITY_READ_COMMAND = "cascadeReadEntities";
type WithEntityReadCommand = { [ENTITY_READ_COMMAND]: (...numberOfKeysThenArgs: (string | number)[]) => unknown };
/** Registered with defineCommand: ioredis sends EVALSHA and falls back to EVAL when the script is not loaded. */
const ENTITY_UPDATE_COMMAND = "cascadeApplyEntityUpdate";
/**
 * Bounds on one script call (it blocks Redis, serving reads included, while it runs: ~1–2 ms at
 * most): updates, and JSON array elements before the next update. Several updates per call halve
 * engine CPU on a single Redis node; on Redis Cluster a call's keys must share one slot, so there
 * the updates are grouped by slot and a call never spans two.
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
  /** Open change watches' subscriber connections and timers (closed with the store). */
  private readonly watches = new Set<ChangeWatch>();

  constructor(
    private readonly client: RedisClient,
    /** The feature writer's connection (entity updates), with its longer command timeout. */
    private readonly writer: RedisClient,
    private readonly changeProbeIntervalMs: number,
  ) {}

  /**
   * The channel a kind's changes are published on. With the database number: channels are global
   * to a server, and stores on other databases of it hold other data (a cluster has only db 0).
   */
  private changesChannel(kind: string): string {
    const database = isCluster(this.client) ? 0 : (this.client.options.db ?? 0);
    return `${KEY_NAMESPACE}changes:${database}:${kind}`;
  }

  /**
   * Every process's writes are published after they are acknowledged (so visible to any read
   * that follows), one message per kind per write call: a JSON array of the entities' ids. A
   * watch subscribes on a connection of its own and proves its subscription works with numbered
   * probes through the same channel (RedisOnlineStoreOptions.changeProbeIntervalMs), whatever
   * ioredis reports: the listener is told it is not live when a probe cannot be published, when
   * none came back for 2.5 intervals, when the subscriber's connection closes, and when a probe
   * arrives after one that never did (the subscription had a gap: a quick restart, a failover on
   * a cluster) — then live again, from that probe on. It is also told so when the watch's marker
   * key is gone: FLUSHDB or FLUSHALL empty the database with every connection and probe intact,
   * and report nothing on the feed (on a Cluster, the flush of the marker's own node).
   */
  async watchChanges(kind: string, listener: EntityChangeListener): Promise<ChangeWatch> {
    const channel = this.changesChannel(kind);
    const subscriber = duplicateForSubscribing(this.client);
    // Probes carry this watch's own token (another watch's prove nothing about this connection) and a number.
    const token = randomUUID();
    const probePrefix = `probe:${token}:`;
    // Set at the first check, kept with each one (SET XX: no reply when the key is gone): a flush
    // removes it with everything else. Its TTL only bounds what a watch that stopped leaves behind;
    // an expiry is taken as a flush too, which costs nothing but a cut-back to the short rule.
    const marker = `${KEY_NAMESPACE}changes:marker:${token}`;
    const markerTtlMs = Math.max(60_000, this.changeProbeIntervalMs * 20);
    let markerSet = false;
    let probesSent = 0;
    let lastProbeReceived = -1;
    let live = false;
    let probeReceivedAt = 0;
    let subscribed = false;
    let subscribing = false;
    const notLive = () => {
      // What was kept on the feed's word is cut back now; the marker is set anew, not taken for a flush.
      markerSet = false;
      if (!live) return;
      live = false;
      listener.live(false);
    };
    subscriber.on("close", notLive);
    subscriber.on("message", (from: string, message: string) => {
      if (from !== channel) return;
      if (message.startsWith(probePrefix)) {
        const number = Number(message.slice(probePrefix.length));
        // Redis delivers one channel's messages in publish order: a number skipped is a probe the subscription missed.
        if (number !== lastProbeReceived + 1) notLive();
        lastProbeReceived = number;
        probeReceivedAt = Date.now();
        if (!live) {
          live = true;
          listener.live(true);
        }
        return;
      }
      if (!message.startsWith("[")) return;
      let ids: unknown;
      try {
        ids = JSON.parse(message);
      } catch {
        return;
      }
      if (Array.isArray(ids)) listener.changed(ids.filter((id): id is string => typeof id === "string"));
    });
    // Once subscribed, ioredis subscribes again after every reconnect; until then, each check tries.
    const sendProbe = () => void this.client.publish(channel, `${probePrefix}${probesSent++}`).catch(notLive);
    const subscribe = () => {
      if (subscribed || subscribing) return;
      subscribing = true;
      subscriber.subscribe(channel).then(
        () => {
          subscribed = true;
          subscribing = false;
          sendProbe();
        },
        () => void (subscribing = false),
      );
    };
    const checkMarker = () => {
      const kept = markerSet ? this.client.set(marker, "1", "PX", markerTtlMs, "XX") : this.client.set(marker, "1", "PX", markerTtlMs);
      kept.then((reply) => {
        markerSet = reply !== null;
        if (!markerSet) notLive();
      }, notLive);
    };
    const check = () => {
      if (Date.now() - probeReceivedAt > this.changeProbeIntervalMs * 2.5) notLive();
      subscribe();
      checkMarker();
      sendProbe();
    };
    // Not awaited: with Redis down the SUBSCRIBE waits for the connection; the probes tell when it works.
    subscribe();
    const timer = setInterval(check, this.changeProbeIntervalMs);
    timer.unref();
    check();
    const watch: ChangeWatch = {
      close: async () => {
        clearInterval(timer);
        this.watches.delete(watch);
        subscriber.removeAllListeners("message");
        subscriber.removeAllListeners("close");
        // Not QUIT: a connection still waiting to connect would queue it.
        subscriber.disconnect();
        await this.client.del(marker).catch(() => undefined);
      },
    };
    this.watches.add(watch);
    return watch;
  }

  /**
   * Runs a write, then publishes the entities of `keys` to watchers (watchChanges) — also when the
   * write failed part-way (a pipeline is not atomic: the commands before the failure stand). A
   * publish that fails after a successful write fails the call, so the caller's retry (the feature
   * consumer's: its ledger skips what was applied) announces the change again.
   */
  private async announced<T>(keys: Iterable<StoreKey | "">, write: () => Promise<T>, client: RedisClient = this.client): Promise<T> {
    let result: T;
    try {
      result = await write();
    } catch (error) {
      await this.publishChanges(keys, client).catch(() => undefined);
      throw error;
    }
    await this.publishChanges(keys, client);
    return result;
  }

  private async publishChanges(keys: Iterable<StoreKey | "">, client: RedisClient): Promise<void> {
    const byKind = changedEntities(keys);
    if (byKind.size === 0) return;
    await this.pipeline((pipeline) => {
      for (const [kind, ids] of byKind) {
        const channel = this.changesChannel(kind);
        pipeline.add(channel, (command) => command.publish(channel, JSON.stringify(ids)));
      }
    }, client);
  }

  async ping(): Promise<void> {
    try {
      await pingRedis(this.client);
    } catch (error) {
      throw new OnlineStoreError(`Redis unavailable: ${errorMessage(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((watch) => watch.close()));
    await Promise.all([closeRedis(this.client), closeRedis(this.writer)]);
  }

  async readHashes(keys: readonly StoreKey[], fields?: readonly string[]): Promise<NumericHash[]> {
    if (keys.length === 0) return [];
    if (fields) {
      if (fields.length === 0) return keys.map(() => ({}));
      const replies = await this.pipeline((pipeline) => keys.forEach((key) => perKey(pipeline, key, (command, name) => command.hmget(name, ...fields))));
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
    const replies = await this.pipeline((pipeline) => keys.forEach((key) => perKey(pipeline, key, (command, name) => command.hgetall(name))));
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
    await this.announced(
      nonEmpty.map((write) => write.key),
      () =>
        this.pipeline((pipeline) => {
          for (const write of nonEmpty) {
            perKey(pipeline, write.key, (command, name) => command.hset(name, write.values));
            if (write.ttlMs !== undefined) perKey(pipeline, write.key, (command, name) => command.pexpire(name, write.ttlMs!));
          }
        }),
    );
  }

  async incrementHashes(increments: readonly HashIncrement[]): Promise<NumericHash[]> {
    for (const increment of increments) {
      assertFiniteNumbers(increment.increments, "hash increments");
      assertTtl(increment.ttlMs);
    }
    if (increments.length === 0) return [];
    // Remember which reply answers which field (PEXPIRE replies sit in between).
    const fieldReplies: { input: number; field: string; reply: number }[] = [];
    const replies = await this.announced(
      increments.map((increment) => increment.key),
      () =>
        this.pipeline((pipeline) => {
          increments.forEach((increment, input) => {
            const fields = Object.entries(increment.increments);
            for (const [field, by] of fields) {
              fieldReplies.push({ input, field, reply: perKey(pipeline, increment.key, (command, name) => command.hincrbyfloat(name, field, by)) });
            }
            if (fields.length > 0 && increment.ttlMs !== undefined) perKey(pipeline, increment.key, (command, name) => command.pexpire(name, increment.ttlMs!));
          });
        }),
    );
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
    const replies = await this.announced(
      increments.map((increment) => increment.key),
      () =>
        this.pipeline((pipeline) => {
          for (const increment of increments) {
            scoreReplies.push(perKey(pipeline, increment.key, (command, name) => command.zincrby(name, increment.by, increment.member)));
            if (increment.ttlMs !== undefined) perKey(pipeline, increment.key, (command, name) => command.pexpire(name, increment.ttlMs!));
          }
        }),
    );
    return scoreReplies.map((index) => parseRedisNumber(replies[index] as string));
  }

  async topOfSortedSet(key: StoreKey, limit: number): Promise<ScoredMember[]> {
    assertCount(limit, "limit", 0);
    if (limit === 0) return [];
    const [reply] = await this.pipeline((pipeline) => perKey(pipeline, key, (command, name) => command.zrevrange(name, 0, limit - 1, "WITHSCORES")));
    const flat = reply as string[];
    const members: ScoredMember[] = [];
    for (let index = 0; index < flat.length; index += 2) {
      members.push({ member: flat[index]!, score: parseRedisNumber(flat[index + 1]!) });
    }
    return members;
  }

  async sortedSetScores(key: StoreKey, members: readonly string[]): Promise<(number | null)[]> {
    if (members.length === 0) return [];
    const [reply] = await this.pipeline((pipeline) => perKey(pipeline, key, (command, name) => command.zmscore(name, ...members)));
    return (reply as (string | null)[]).map((score) => (score === null ? null : parseRedisNumber(score)));
  }

  async trimSortedSet(key: StoreKey, keep: number): Promise<void> {
    assertCount(keep, "keep", 0);
    // Ranks ascend from the lowest score: remove ranks 0 … (size - keep - 1).
    await this.announced([key], () => this.pipeline((pipeline) => perKey(pipeline, key, (command, name) => command.zremrangebyrank(name, 0, -keep - 1))));
  }

  async pushToCappedLists(pushes: readonly CappedListPush[]): Promise<void> {
    for (const push of pushes) {
      assertCount(push.maxLength, "maxLength", 1);
      assertTtl(push.ttlMs);
    }
    const nonEmpty = pushes.filter((push) => push.values.length > 0);
    if (nonEmpty.length === 0) return;
    await this.announced(
      nonEmpty.map((push) => push.key),
      () =>
        this.pipeline((pipeline) => {
          for (const push of nonEmpty) {
            perKey(pipeline, push.key, (command, name) => command.lpush(name, ...push.values));
            perKey(pipeline, push.key, (command, name) => command.ltrim(name, 0, push.maxLength - 1));
            if (push.ttlMs !== undefined) perKey(pipeline, push.key, (command, name) => command.pexpire(name, push.ttlMs!));
          }
        }),
    );
  }

  async readLists(keys: readonly StoreKey[], limit: number): Promise<string[][]> {
    assertCount(limit, "limit", 0);
    if (keys.length === 0) return [];
    if (limit === 0) return keys.map(() => []);
    const replies = await this.pipeline((pipeline) => keys.forEach((key) => perKey(pipeline, key, (command, name) => command.lrange(name, 0, limit - 1))));
    return replies as string[][];
  }

  async applyUpdates(updates: readonly EntityUpdate[], options: ApplyUpdatesOptions = {}): Promise<UpdateOutcome[]> {
    if (!options.validated) for (const update of updates) assertEntityUpdate(update);
    // The updates, in their order, cut into script calls of a few dozen (bounded by
    // UPDATES_PER_CALL and TOKENS_PER_CALL): the calls run one after another and each runs its
    // updates in order, so every update runs atomically and at most once, exactly as if each were
    // its own call in the given order. Several per call save most of the per-command cost in the
    // client and in Redis.
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
    // On a cluster a call's keys share one slot: the updates go by slot (in their order within it;
    // updates of different slots touch different keys, so their relative order does not matter).
    const indexes = updates.map((_, index) => index);
    for (const group of groupBySlot(this.writer, indexes, (index) => KEY_NAMESPACE + firstKeyOf(updates[index]!))) {
      endCall();
      for (const index of group) {
        if (encoded.length >= UPDATES_PER_CALL || tokens.length >= TOKENS_PER_CALL) endCall();
        // An update with no keys has nothing to do (and nothing to remember): applied, without a call.
        if (encodeEntityUpdate(updates[index]!, keyIndex, tokens)) encoded.push(index);
      }
    }
    endCall();
    if (sent.length === 0) return outcomes;
    const replies: unknown[] = [];
    // Every update sent is announced, duplicates too (the caller may be retrying after a failed announcement).
    const sentKeys = sent.flatMap((call) => call.updates.map((index) => firstKeyOf(updates[index]!)));
    await this.announced(
      sentKeys,
      async () => {
        for (let first = 0; first < sent.length; first += CALLS_PER_ROUND_TRIP) {
          const chunk = sent.slice(first, first + CALLS_PER_ROUND_TRIP);
          replies.push(
            ...(await this.pipeline((pipeline) => {
              for (const call of chunk)
                pipeline.add(call.keys[0]!, (command) =>
                  (command as unknown as WithEntityUpdateCommand)[ENTITY_UPDATE_COMMAND](call.keys.length, ...call.keys, call.argument),
                );
            }, this.writer)),
          );
        }
      },
      this.writer,
    );
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
    if (isCluster(this.client)) return this.readBatchBySlot(read);
    // Script calls, not a command per key (see batchReadScript.ts); all in one round trip.
    const calls = planBatchReadCalls(
      read.hashes.map(namespaced),
      ranged.map(({ key, limit }) => ({ key: namespaced(key), limit })),
    );
    const replies = await this.pipeline((pipeline) => {
      for (const call of calls) {
        const args = batchReadArguments(call);
        pipeline.add(String(args[1]), (command) => (command as unknown as WithBatchReadCommand)[BATCH_READ_COMMAND](...args));
      }
    });
    // Calls hold the hashes first, then the sorted sets, in request order: their replies concatenate to that order.
    const flat = (replies as string[][][]).flat(1);
    const hashes = read.hashes.map((_, index) => hashFromFlat(flat[index]!, parseRedisNumber));
    let next = read.hashes.length;
    const sortedSets = read.sortedSets.map(({ limit }) => (limit === 0 ? [] : membersFromFlat(flat[next++]!, parseRedisNumber)));
    return { hashes, sortedSets };
  }

  async readEntities(read: EntitiesRead): Promise<BatchReadResult> {
    assertEntitiesRead(read);
    const ids = read.ids;
    // On a cluster a script may only touch its declared keys, and "\n" separates the ids: readBatch (see batchReadScript.ts).
    if (isCluster(this.client) || ids.some((id) => id.includes("\n"))) return this.readBatch(entitiesBatchRead(read));
    const hashNames = read.hashNames;
    const ranged = read.sortedSets.filter(({ limit }) => limit > 0);
    const keysPerId = hashNames.length + ranged.length;
    const hashes: NumericHash[] = [];
    const sortedSets: ScoredMember[][] = [];
    if (ids.length === 0) return { hashes, sortedSets };
    if (keysPerId === 0) return { hashes, sortedSets: ids.flatMap(() => read.sortedSets.map((): ScoredMember[] => [])) };
    const keyPrefix = `${KEY_NAMESPACE}{${read.tagPrefix}`;
    // A call reads at most KEYS_PER_CALL keys (it blocks Redis while it runs); all calls go in one round trip.
    const idsPerCall = Math.max(1, Math.floor(KEYS_PER_CALL / keysPerId));
    const replies = await this.pipeline((pipeline) => {
      for (let first = 0; first < ids.length; first += idsPerCall) {
        const args = entityReadArguments(keyPrefix, hashNames, ranged, ids.slice(first, first + idsPerCall));
        pipeline.add(keyPrefix, (command) => (command as unknown as WithEntityReadCommand)[ENTITY_READ_COMMAND](...args));
      }
    });
    let call = 0;
    let inCall = 0;
    let flat = replies[0] as string[][];
    for (let index = 0; index < ids.length; index += 1) {
      if (inCall === flat.length) {
        flat = replies[(call += 1)] as string[][];
        inCall = 0;
      }
      for (let name = 0; name < hashNames.length; name += 1) hashes.push(hashFromFlat(flat[inCall++]!, parseRedisNumber));
      for (const { limit } of read.sortedSets) sortedSets.push(limit === 0 ? [] : membersFromFlat(flat[inCall++]!, parseRedisNumber));
    }
    return { hashes, sortedSets };
  }

  /**
   * readBatch on a cluster: per slot a read touches, the same script (a slot with several keys), or
   * the plain command (a lone key, the usual case: cheaper for the client than a script call).
   */
  private async readBatchBySlot(read: BatchRead): Promise<BatchReadResult> {
    type Read = { key: string; limit: number; hash: number; set: number };
    const reads: Read[] = [];
    read.hashes.forEach((key, hash) => reads.push({ key: namespaced(key), limit: 0, hash, set: -1 }));
    read.sortedSets.forEach(({ key, limit }, set) => {
      if (limit > 0) reads.push({ key: namespaced(key), limit, hash: -1, set });
    });
    const hashes: NumericHash[] = new Array<NumericHash>(read.hashes.length);
    const sortedSets: ScoredMember[][] = read.sortedSets.map(() => []);
    const store = (entry: Read, flat: readonly string[]) => {
      if (entry.hash >= 0) hashes[entry.hash] = hashFromFlat(flat, parseRedisNumber);
      else sortedSets[entry.set] = membersFromFlat(flat, parseRedisNumber);
    };
    // One handler per queued command, in queue order.
    const handlers: ((reply: unknown) => void)[] = [];
    const replies = await this.pipeline((pipeline) => {
      for (const group of groupBySlot(this.client, reads, (entry) => entry.key)) {
        if (group.length === 1) {
          const entry = group[0]!;
          if (entry.hash >= 0) {
            pipeline.add(entry.key, (command) => command.hgetall(entry.key));
            handlers.push((reply) => (hashes[entry.hash] = numericHash(reply as Record<string, string>)));
          } else {
            pipeline.add(entry.key, (command) => command.zrevrange(entry.key, 0, entry.limit - 1, "WITHSCORES"));
            handlers.push((reply) => store(entry, reply as string[]));
          }
          continue;
        }
        // A call's reply lists its hashes, then its sorted sets; calls take the group's hashes first.
        const ordered = [...group.filter((entry) => entry.hash >= 0), ...group.filter((entry) => entry.set >= 0)];
        const calls = planBatchReadCalls(
          ordered.filter((entry) => entry.hash >= 0).map((entry) => entry.key),
          ordered.filter((entry) => entry.set >= 0).map(({ key, limit }) => ({ key, limit })),
        );
        let next = 0;
        for (const call of calls) {
          const args = batchReadArguments(call);
          const entries = ordered.slice(next, (next += call.hashKeys.length + call.sortedSets.length));
          pipeline.add(String(args[1]), (command) => (command as unknown as WithBatchReadCommand)[BATCH_READ_COMMAND](...args));
          handlers.push((reply) => (reply as string[][]).forEach((flat, index) => store(entries[index]!, flat)));
        }
      }
    });
    replies.forEach((reply, index) => handlers[index]!(reply));
    return { hashes, sortedSets };
  }

  async expire(key: StoreKey, ttlMs: number): Promise<boolean> {
    assertTtl(ttlMs);
    const [reply] = await this.pipeline((pipeline) => perKey(pipeline, key, (command, name) => command.pexpire(name, ttlMs)));
    return reply === 1;
  }

  async ttl(key: StoreKey): Promise<number | null> {
    const [reply] = await this.pipeline((pipeline) => perKey(pipeline, key, (command, name) => command.pttl(name)));
    const milliseconds = reply as number;
    // -2: no such key, -1: no expiry.
    return milliseconds < 0 ? null : milliseconds;
  }

  async delete(keys: readonly StoreKey[]): Promise<number> {
    if (keys.length === 0) return 0;
    // One DEL per slot group (a single one on a single server).
    const replies = await this.announced(keys, () =>
      this.pipeline((pipeline) => {
        for (const group of groupBySlot(this.client, keys.map(namespaced), (name) => name)) pipeline.add(group[0]!, (command) => command.del(...group));
      }),
    );
    return replies.reduce<number>((sum, reply) => sum + (reply as number), 0);
  }

  /** Sends the queued commands in one round trip; any failure becomes an OnlineStoreError. */
  private async pipeline(queue: (pipeline: RoutedPipeline) => unknown, client: RedisClient = this.client): Promise<unknown[]> {
    const pipeline = new RoutedPipeline(client);
    queue(pipeline);
    let replies: [Error | null, unknown][];
    try {
      replies = await pipeline.exec();
    } catch (error) {
      throw new OnlineStoreError(`Redis unavailable: ${errorMessage(error)}`, { cause: error });
    }
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

/** An HGETALL reply (ioredis makes it an object) as a NumericHash. */
function numericHash(reply: Record<string, string>): NumericHash {
  const hash: NumericHash = {};
  for (const field in reply) hash[field] = parseRedisNumber(reply[field]!);
  return hash;
}

/** The first key an entity update touches (all of them share its hash tag); "" when it touches none. */
/** Queues one command on one store key (namespaced); returns its reply's position. */
function perKey(pipeline: RoutedPipeline, key: StoreKey, queue: (command: ChainableCommander, name: string) => unknown): number {
  const name = namespaced(key);
  return pipeline.add(name, (command) => queue(command, name));
}

/** Redis prints infinite scores as `inf` / `-inf`. */
function parseRedisNumber(value: string): number {
  if (value === "inf" || value === "+inf") return Number.POSITIVE_INFINITY;
  if (value === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(value);
}
