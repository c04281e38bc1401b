// Pipelines that work on a single Redis and on a Redis Cluster alike. A cluster serves each of its
// 16384 hash slots from one node and refuses a command (or a script) whose keys span slots; ioredis
// also refuses a pipeline whose keys live on different nodes. So callers group their keys by
// `slotGroup` (one group for everything on a single Redis, the key's slot on a cluster: one MGET,
// one script call per group) and queue each command with its key on a RoutedPipeline, which sends
// one pipeline on a single Redis and, on a cluster, one pipeline per node, in parallel, with the
// replies in the order queued. ioredis's cluster pipeline follows MOVED / ASK when a slot moved.
import { Cluster, type ChainableCommander } from "ioredis";
import type { RedisClient } from "./redisConnection.ts";

/** The slot a key hashes to on a Redis Cluster: CRC16 (XMODEM) of the key, or of its `{hash tag}`, mod 16384. */
export function keySlot(key: string): number {
  // ASCII keys (all of ours, in practice): hash the characters, no byte copy.
  if (Buffer.byteLength(key, "utf8") === key.length) {
    let start = 0;
    let end = key.length;
    const open = key.indexOf("{");
    if (open >= 0) {
      const close = key.indexOf("}", open + 1);
      if (close > open + 1) {
        start = open + 1;
        end = close;
      }
    }
    let crc = 0;
    for (let index = start; index < end; index += 1) crc = ((crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ key.charCodeAt(index)) & 0xff]!) & 0xffff;
    return crc & 16383;
  }
  let bytes = Buffer.from(key, "utf8");
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ byte) & 0xff]!) & 0xffff;
  return crc & 16383;
}

const CRC16_TABLE = Array.from({ length: 256 }, (_, index) => {
  let crc = index << 8;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Keys with the same group may share one command or script call: always 0 on a single Redis, the
 * key's slot on a cluster.
 */
export function slotGroup(client: RedisClient, key: string): number {
  return isCluster(client) ? keySlot(key) : 0;
}

/** Commands queued with their key; `exec` sends them (see the file header). */
export class RoutedPipeline {
  private readonly single: ChainableCommander | undefined;
  private readonly byNodes = new Map<string, { pipeline: ChainableCommander; positions: number[] }>();
  private queued = 0;

  constructor(private readonly client: RedisClient) {
    if (!isCluster(client)) this.single = client.pipeline();
  }

  get length(): number {
    return this.queued;
  }

  /**
   * Queues ONE command, whose keys all share `key`'s slot (a command without keys: any of them);
   * returns its position among the replies.
   */
  add(key: string, queue: (pipeline: ChainableCommander) => unknown): number {
    const position = this.queued++;
    if (this.single) {
      queue(this.single);
      return position;
    }
    const cluster = this.client as Cluster;
    const slot = keySlot(key);
    // The nodes serving the slot (master first), as ioredis groups a pipeline's keys.
    const nodes = cluster.slots[slot]?.join(";") ?? `slot ${slot}`;
    let group = this.byNodes.get(nodes);
    if (!group) this.byNodes.set(nodes, (group = { pipeline: cluster.pipeline(), positions: [] }));
    queue(group.pipeline);
    group.positions.push(position);
    return position;
  }

  /** Each command's [error, reply] in queue order; throws when a pipeline could not be sent at all. */
  async exec(): Promise<[Error | null, unknown][]> {
    if (this.single) {
      const replies = await this.single.exec();
      if (!replies) throw new Error("pipeline was discarded");
      return replies;
    }
    if (this.queued === 0) return [];
    const cluster = this.client as Cluster;
    // ioredis would wait for a cluster that is not ready, however long: fail at once instead.
    if (cluster.status !== "ready") throw new Error(`Redis Cluster is not ready (${cluster.status})`);
    const groups = [...this.byNodes.values()];
    const results = await Promise.all(groups.map(({ pipeline }) => pipeline.exec()));
    const replies = new Array<[Error | null, unknown]>(this.queued);
    groups.forEach(({ positions }, index) => {
      const groupReplies = results[index];
      if (!groupReplies) throw new Error("pipeline was discarded");
      positions.forEach((position, at) => (replies[position] = groupReplies[at]!));
    });
    return replies;
  }
}

/** `values` split by the slot group of their key, in their order within each group; the groups in order of first appearance (one group on a single Redis). */
export function groupBySlot<T>(client: RedisClient, values: readonly T[], keyOf: (value: T) => string): T[][] {
  if (!isCluster(client)) return values.length === 0 ? [] : [values.slice()];
  const groups = new Map<number, T[]>();
  for (const value of values) {
    const slot = keySlot(keyOf(value));
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = []));
    group.push(value);
  }
  return [...groups.values()];
}
