// EventStream on Redis Streams (ioredis): one stream key per partition, `cascade:{events:0}` …
// `cascade:{events:P-1}`. Each key is its own hash tag, so partitions spread over the slots of a
// Redis Cluster and every command touches one key (XADD, XREADGROUP, XACK, XAUTOCLAIM per key;
// never a multi-key command). An entry holds one publish's events for that partition as one JSON
// field `e`.
//
// Retention — why MINID and not MAXLEN. Trimming with `MAXLEN ~ N` counts entries and, in Redis
// 7.0, ignores consumer groups: a group that falls N entries behind would lose events it never
// read (Redis 8.2's XADD … ACKED would respect them; we cannot assume it). So the stream is
// trimmed by id instead: every few seconds we compute, per partition, the *retention boundary* =
// the smallest over all groups of (the group's oldest pending entry, or, with none pending, the
// entry after its last-delivered id), and XADD carries `MINID ~ <boundary>`. Everything below the
// boundary was delivered to and acknowledged by every group. The boundary only moves forward (a
// group's last-delivered id only grows, and entries join a pending list only when delivered, above
// it), so a boundary computed a while ago is still safe, merely conservative; `~` lets Redis drop
// whole internal nodes only, which is cheap and also errs on keeping. Consequences:
// - a stuck or slow group makes the stream grow rather than lose events; watch `groupStatus` lag
//   and pending. With `maxmemory` + `noeviction`, a full Redis refuses XADD and ingestion answers
//   503 (back-pressure) instead of dropping accepted events;
// - with no group at all nothing is trimmed, and a group created later only sees what is retained,
//   so groups are created (ensureGroup) before the engine starts accepting events.
//
// Failure behaviour, as in the online store: no offline queue (commands fail at once while
// disconnected), a timeout on every command, every failure surfaces as EventStreamError. Blocking
// reads use their own connection per (group, consumer, partition): a blocked XREADGROUP would
// otherwise hold up every other command on the shared connection.
//
// Redis Cluster (redis/redisConnection.ts detects it): every command names its partition's key,
// and commands for several partitions go through RoutedPipeline (one pipeline per node). XINFO
// GROUPS and XGROUP CREATE run inside a one-line script: ioredis cannot tell their key (a
// subcommand's argument), so a cluster client would send them to a random node.
import type { StreamEvent } from "@cascade/core";
import type { ChainableCommander } from "ioredis";
import type { Logger } from "pino";
import {
  assertGroupName,
  assertPartition,
  assertPositiveCount,
  DEFAULT_PARTITIONS,
  EventStreamError,
  isNoGroupReply,
  MissingGroupError,
  type EntryRef,
  type EventStream,
  type GroupStatus,
  type ReadOptions,
  type ReclaimOptions,
  type StreamEntry,
} from "./eventStream.ts";
import { closeRedis, connectRedis, duplicateForBlocking, errorMessage, type RedisClient } from "../../redis/redisConnection.ts";
import { RoutedPipeline } from "../../redis/redisPipeline.ts";
import { splitByPartition } from "./streamPartition.ts";

export type RedisEventStreamOptions = {
  url: string;
  partitions?: number;
  /** Stream name inside the `cascade:` namespace (tests and benchmarks use their own). */
  name?: string;
  logger?: Pick<Logger, "warn">;
  connectTimeoutMs?: number;
  /** Fail a non-blocking command with no reply after this long (ms). */
  commandTimeoutMs?: number;
  /** How often the retention boundary is recomputed (ms). */
  retentionRefreshMs?: number;
};

const EVENTS_FIELD = "e";
/** The lag fallback counts at most this many entries (Redis 7 reports lag itself in all but odd cases). */
const LAG_COUNT_LIMIT = 100_000;

export async function createRedisEventStream(options: RedisEventStreamOptions): Promise<EventStream> {
  const partitions = options.partitions ?? DEFAULT_PARTITIONS;
  assertPositiveCount(partitions, "partitions");
  const name = options.name ?? "events";
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new RangeError(`invalid stream name: ${JSON.stringify(name)}`);
  const client = await connectRedis(options, (message, cause) => new EventStreamError(message, { cause }));
  client.defineCommand(XINFO_GROUPS_COMMAND, { numberOfKeys: 1, lua: "return redis.pcall('XINFO', 'GROUPS', KEYS[1])" });
  client.defineCommand(XGROUP_CREATE_COMMAND, { numberOfKeys: 1, lua: "return redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')" });
  const stream = new RedisEventStream(client, partitions, name, options.logger);
  stream.startRetentionRefresh(options.retentionRefreshMs ?? 2_000);
  return stream;
}

/** XINFO GROUPS <key> and XGROUP CREATE <key> <group> <id> MKSTREAM as scripts, whose key ioredis routes (see the file header). */
const XINFO_GROUPS_COMMAND = "cascadeXinfoGroups";
const XGROUP_CREATE_COMMAND = "cascadeXgroupCreate";
type WithGroupCommands = {
  [XINFO_GROUPS_COMMAND]: (key: string) => unknown;
  [XGROUP_CREATE_COMMAND]: (key: string, group: string, startId: string) => unknown;
};

type GroupInfo = { name: string; pending: number; lastDeliveredId: string; lag: number | null };

class RedisEventStream implements EventStream {
  private readonly keys: string[];
  /** Per partition: entries below this id may be trimmed (null: unknown yet, do not trim). */
  private readonly boundaries: (string | null)[];
  private readonly blockingClients = new Map<string, RedisClient>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    readonly partitions: number,
    name: string,
    private readonly logger: Pick<Logger, "warn"> | undefined,
  ) {
    this.keys = Array.from({ length: partitions }, (_, partition) => `cascade:{${name}:${partition}}`);
    this.boundaries = new Array<string | null>(partitions).fill(null);
  }

  startRetentionRefresh(everyMs: number): void {
    const refresh = () => {
      this.refreshBoundaries().catch((error: unknown) => {
        if (!this.closed) this.logger?.warn({ err: error }, "event stream: could not refresh the retention boundary");
      });
    };
    refresh();
    this.refreshTimer = setInterval(refresh, everyMs);
    this.refreshTimer.unref();
  }

  async publish(events: readonly StreamEvent[]): Promise<void> {
    this.assertOpen();
    if (events.length === 0) return;
    await this.pipeline(this.client, (pipeline) => {
      for (const [partition, chunk] of splitByPartition(events, this.partitions)) {
        const boundary = this.boundaries[partition];
        const payload = JSON.stringify(chunk);
        const key = this.keys[partition]!;
        if (boundary) pipeline.add(key, (command) => command.xadd(key, "MINID", "~", boundary, "*", EVENTS_FIELD, payload));
        else pipeline.add(key, (command) => command.xadd(key, "*", EVENTS_FIELD, payload));
      }
    });
  }

  async ensureGroup(group: string): Promise<void> {
    this.assertOpen();
    assertGroupName(group);
    const pipeline = new RoutedPipeline(this.client);
    // Start id 0: the group reads every entry still retained (see the file header).
    for (const key of this.keys) pipeline.add(key, (command) => (command as unknown as WithGroupCommands)[XGROUP_CREATE_COMMAND](key, group, "0"));
    const replies = await this.exec(pipeline);
    for (const [error] of replies) {
      if (error && !error.message.startsWith("BUSYGROUP")) throw new EventStreamError(`Redis command failed: ${error.message}`, { cause: error });
    }
  }

  async read(group: string, consumer: string, options: ReadOptions): Promise<StreamEntry[]> {
    this.assertOpen();
    assertPartition(options.partition, this.partitions);
    assertPositiveCount(options.count, "count");
    const key = this.keys[options.partition]!;
    const blockMs = options.from === "new" ? Math.max(0, Math.round(options.blockMs ?? 0)) : 0;
    // BLOCK 0 would mean "forever" to Redis; without BLOCK the read returns at once.
    const args: (string | number)[] = ["GROUP", group, consumer, "COUNT", options.count];
    if (blockMs > 0) args.push("BLOCK", blockMs);
    args.push("STREAMS", key, options.from === "new" ? ">" : "0");
    const connection = blockMs > 0 ? this.blockingClient(group, consumer, options.partition) : this.client;
    let reply: unknown;
    try {
      reply = await connection.call("XREADGROUP", ...args);
    } catch (error) {
      throw this.failure(error);
    }
    if (reply === null) return [];
    const [[, rawEntries]] = reply as [[string, RawEntry[]]];
    return parseEntries(options.partition, rawEntries);
  }

  async ack(group: string, entries: readonly EntryRef[]): Promise<number> {
    this.assertOpen();
    const idsByPartition = new Map<number, string[]>();
    for (const { partition, id } of entries) {
      assertPartition(partition, this.partitions);
      let ids = idsByPartition.get(partition);
      if (!ids) idsByPartition.set(partition, (ids = []));
      ids.push(id);
    }
    if (idsByPartition.size === 0) return 0;
    const replies = await this.pipeline(this.client, (pipeline) => {
      for (const [partition, ids] of idsByPartition) this.onPartition(pipeline, partition, (command, key) => command.xack(key, group, ...ids));
    });
    return replies.reduce<number>((sum, reply) => sum + (reply as number), 0);
  }

  async deliveries(group: string, entries: readonly EntryRef[]): Promise<number[]> {
    this.assertOpen();
    for (const { partition } of entries) assertPartition(partition, this.partitions);
    if (entries.length === 0) return [];
    // XPENDING's extended form over the range [id, id]: [[id, consumer, idle ms, deliveries]] or [].
    const replies = await this.pipeline(this.client, (pipeline) => {
      for (const { partition, id } of entries) this.onPartition(pipeline, partition, (command, key) => command.xpending(key, group, id, id, 1));
    });
    return replies.map((reply) => {
      const first = (reply as [string, string, number, number][])[0];
      return first ? Number(first[3]) : 0;
    });
  }

  async reclaim(group: string, consumer: string, options: ReclaimOptions): Promise<StreamEntry[]> {
    this.assertOpen();
    assertPartition(options.partition, this.partitions);
    assertPositiveCount(options.count, "count");
    const key = this.keys[options.partition]!;
    const claimed: StreamEntry[] = [];
    // XAUTOCLAIM scans the pending list in pages from a cursor; "0-0" back means it went round.
    let cursor = "0-0";
    do {
      let reply: unknown;
      try {
        reply = await this.client.call(
          "XAUTOCLAIM",
          key,
          group,
          consumer,
          Math.max(0, Math.round(options.minIdleMs)),
          cursor,
          "COUNT",
          options.count - claimed.length,
        );
      } catch (error) {
        throw this.failure(error);
      }
      const [next, rawEntries] = reply as [string, RawEntry[]];
      claimed.push(...parseEntries(options.partition, rawEntries));
      cursor = next;
    } while (cursor !== "0-0" && claimed.length < options.count);
    return claimed;
  }

  async groupStatus(): Promise<GroupStatus[]> {
    this.assertOpen();
    const perPartition = await this.groupInfos();
    // The oldest unacknowledged entry of each (partition, group) with a backlog: its oldest pending
    // entry, else its first undelivered one; one round trip for all. Entry ids start with their
    // publish time in ms.
    const backlogs: { group: string; pending: boolean; partition: number; lastDeliveredId: string }[] = [];
    perPartition.forEach((groups, partition) => {
      for (const info of groups) {
        if (info.pending > 0 || info.lag !== 0)
          backlogs.push({ group: info.name, pending: info.pending > 0, partition, lastDeliveredId: info.lastDeliveredId });
      }
    });
    const oldestIds =
      backlogs.length === 0
        ? []
        : await this.pipeline(this.client, (pipeline) => {
            for (const { group, pending, partition, lastDeliveredId } of backlogs) {
              if (pending) this.onPartition(pipeline, partition, (command, key) => command.xpending(key, group, "-", "+", 1));
              else this.onPartition(pipeline, partition, (command, key) => command.xrange(key, `(${lastDeliveredId}`, "+", "COUNT", 1));
            }
          });
    const oldestByGroup = new Map<string, number>();
    backlogs.forEach(({ group }, index) => {
      const first = (oldestIds[index] as [string, ...unknown[]][])[0];
      if (!first) return;
      const at = Number(first[0].split("-")[0]);
      const known = oldestByGroup.get(group);
      if (known === undefined || at < known) oldestByGroup.set(group, at);
    });
    const totals = new Map<string, GroupStatus>();
    for (const [partition, groups] of perPartition.entries()) {
      for (const info of groups) {
        const total = totals.get(info.name) ?? { group: info.name, pending: 0, lag: 0, partitions: 0, oldestUnackedAt: oldestByGroup.get(info.name) ?? null };
        total.pending += info.pending;
        total.lag += info.lag ?? (await this.countAfter(partition, info.lastDeliveredId));
        total.partitions += 1;
        totals.set(info.name, total);
      }
    }
    return [...totals.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  }

  async length(): Promise<number> {
    this.assertOpen();
    const replies = await this.pipeline(this.client, (pipeline) => this.keys.forEach((key) => pipeline.add(key, (command) => command.xlen(key))));
    return replies.reduce<number>((sum, reply) => sum + (reply as number), 0);
  }

  async trim(): Promise<number> {
    this.assertOpen();
    await this.refreshBoundaries();
    const trimmable = this.keys.flatMap((key, partition) => {
      const boundary = this.boundaries[partition];
      return boundary ? [{ key, boundary }] : [];
    });
    if (trimmable.length === 0) return 0;
    const replies = await this.pipeline(this.client, (pipeline) => {
      for (const { key, boundary } of trimmable) pipeline.add(key, (command) => command.xtrim(key, "MINID", boundary));
    });
    return replies.reduce<number>((sum, reply) => sum + (reply as number), 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.refreshTimer);
    await Promise.all([...this.blockingClients.values(), this.client].map(closeRedis));
    this.blockingClients.clear();
  }

  /** Recomputes each partition's retention boundary (see the file header). */
  private async refreshBoundaries(): Promise<void> {
    const perPartition = await this.groupInfos();
    // The oldest pending entry of every group that has any, in one round trip.
    const pendingQueries: { partition: number; group: string }[] = [];
    perPartition.forEach((groups, partition) => {
      for (const info of groups) if (info.pending > 0) pendingQueries.push({ partition, group: info.name });
    });
    const oldestPending = new Map<string, string>();
    if (pendingQueries.length > 0) {
      const replies = await this.pipeline(this.client, (pipeline) => {
        for (const { partition, group } of pendingQueries) this.onPartition(pipeline, partition, (command, key) => command.xpending(key, group, "-", "+", 1));
      });
      pendingQueries.forEach(({ partition, group }, index) => {
        const first = (replies[index] as [string, ...unknown[]][])[0];
        if (first) oldestPending.set(`${partition}/${group}`, first[0]);
      });
    }
    perPartition.forEach((groups, partition) => {
      let boundary: string | null = null;
      for (const info of groups) {
        // Nothing pending (or acknowledged since XINFO): keep from the entry after the last delivered.
        const groupBoundary = oldestPending.get(`${partition}/${info.name}`) ?? successorId(info.lastDeliveredId);
        if (boundary === null || compareIds(groupBoundary, boundary) < 0) boundary = groupBoundary;
      }
      // Never move a boundary back (a stale reading must not undo a newer one).
      const previous = this.boundaries[partition];
      this.boundaries[partition] = boundary !== null && previous && compareIds(previous, boundary) > 0 ? previous : boundary;
    });
  }

  private async groupInfos(): Promise<GroupInfo[][]> {
    const pipeline = new RoutedPipeline(this.client);
    for (const key of this.keys) pipeline.add(key, (command) => (command as unknown as WithGroupCommands)[XINFO_GROUPS_COMMAND](key));
    const replies = await this.exec(pipeline);
    return replies.map(([error, reply]) => {
      if (error) {
        // A partition nobody created a group on yet has no key.
        if (/no such key/i.test(error.message)) return [];
        throw new EventStreamError(`Redis command failed: ${error.message}`, { cause: error });
      }
      return (reply as unknown[][]).map(parseGroupInfo);
    });
  }

  /** Fallback when Redis cannot tell a group's lag: count the entries after its last-delivered id. */
  private async countAfter(partition: number, lastDeliveredId: string): Promise<number> {
    const [reply] = await this.pipeline(this.client, (pipeline) =>
      this.onPartition(pipeline, partition, (command, key) => command.xrange(key, `(${lastDeliveredId}`, "+", "COUNT", LAG_COUNT_LIMIT)),
    );
    return (reply as unknown[]).length;
  }

  private blockingClient(group: string, consumer: string, partition: number): RedisClient {
    const key = `${group}\u0000${consumer}\u0000${partition}`;
    let connection = this.blockingClients.get(key);
    if (!connection) {
      connection = duplicateForBlocking(this.client);
      this.blockingClients.set(key, connection);
    }
    return connection;
  }

  /** Queues one command on a partition's key. */
  private onPartition(pipeline: RoutedPipeline, partition: number, queue: (command: ChainableCommander, key: string) => unknown): void {
    const key = this.keys[partition]!;
    pipeline.add(key, (command) => queue(command, key));
  }

  private async pipeline(client: RedisClient, queue: (pipeline: RoutedPipeline) => unknown): Promise<unknown[]> {
    const pipeline = new RoutedPipeline(client);
    queue(pipeline);
    const replies = await this.exec(pipeline);
    const failed = replies.find(([error]) => error !== null);
    if (failed) {
      const message = `Redis command failed: ${errorMessage(failed[0])}`;
      throw isNoGroupReply(errorMessage(failed[0]))
        ? new MissingGroupError(message, { cause: failed[0] })
        : new EventStreamError(message, { cause: failed[0] });
    }
    return replies.map(([, reply]) => reply);
  }

  private async exec(pipeline: RoutedPipeline): Promise<[Error | null, unknown][]> {
    try {
      return await pipeline.exec();
    } catch (error) {
      throw this.failure(error);
    }
  }

  private failure(error: unknown): EventStreamError {
    if (error instanceof EventStreamError) return error;
    if (isNoGroupReply(errorMessage(error))) return new MissingGroupError(`Redis command failed: ${errorMessage(error)}`, { cause: error });
    return new EventStreamError(`Redis unavailable: ${errorMessage(error)}`, { cause: error });
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStreamError("event stream is closed");
  }
}

/** `[id, [field, value, …]]`; the fields are null for an entry deleted while pending. */
type RawEntry = [string, string[] | null];

function parseEntries(partition: number, rawEntries: readonly RawEntry[]): StreamEntry[] {
  return rawEntries.map(([id, fields]) => {
    let json = "[]";
    if (fields) {
      for (let index = 0; index + 1 < fields.length; index += 2) {
        if (fields[index] === EVENTS_FIELD) json = fields[index + 1]!;
      }
    }
    return lazyEntry(partition, id, json);
  });
}

/** Decodes the events on first access only: the event log forwards `json` to PostgreSQL as is. */
function lazyEntry(partition: number, id: string, json: string): StreamEntry {
  let events: StreamEvent[] | undefined;
  return {
    partition,
    id,
    json,
    get events() {
      return (events ??= JSON.parse(json) as StreamEvent[]);
    },
  };
}

function parseGroupInfo(flat: unknown[]): GroupInfo {
  const fields = new Map<string, unknown>();
  for (let index = 0; index + 1 < flat.length; index += 2) fields.set(String(flat[index]), flat[index + 1]);
  const lag = fields.get("lag");
  return {
    name: String(fields.get("name")),
    pending: Number(fields.get("pending")),
    lastDeliveredId: String(fields.get("last-delivered-id")),
    lag: lag === null || lag === undefined ? null : Number(lag),
  };
}

/** The smallest id after `id` (`5-3` → `5-4`); MINID keeps entries >= it. */
function successorId(id: string): string {
  const [ms, seq] = id.split("-");
  return `${ms}-${BigInt(seq!) + 1n}`;
}

/** Stream ids `<ms>-<seq>` compared numerically (both parts can exceed 2^53 in theory). */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.split("-").map(BigInt) as [bigint, bigint];
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}
