// The Redis online store's batch reads (`readBatch`, and `readEntities` below) as server-side
// script calls instead of one command per key. The request path reads ~2 hashes per uncached candidate, so ~1,000 HGETALLs
// for 500 candidates: as a pipeline, ioredis builds, queues and resolves one command object and
// one promise per key and converts each reply. Measured on the 2-core machine, 1,000 HGETALLs:
// 3.2 ms of client CPU and 7.2 ms wall as a pipeline, 0.7 ms and 2.6 ms as one script call
// returning all replies as one nested array. Redis runs the same reads either way.
//
// Bounded script run time: a call carries at most KEYS_PER_CALL keys (a script blocks Redis while
// it runs); a larger read is several calls, still in one round trip. Redis Cluster: a script may
// only touch keys of one slot, so the store groups the keys by slot (redis/redisPipeline.ts), one
// call per slot and a plain command for a slot's lone key, sent as one pipeline per node.
import type { NumericHash, ScoredMember } from "./onlineStore.ts";

/**
 * KEYS: the hashes, then the sorted sets. ARGV[1]: how many of KEYS are hashes; ARGV[2…]: each
 * sorted set's limit (> 0). Returns one flat array per key: HGETALL's field, value, … and
 * ZREVRANGE … WITHSCORES' member, score, ….
 */
export const BATCH_READ_SCRIPT = `
local hashCount = tonumber(ARGV[1])
local out = {}
for index, key in ipairs(KEYS) do
  if index <= hashCount then
    out[index] = redis.call('HGETALL', key)
  else
    out[index] = redis.call('ZREVRANGE', key, 0, tonumber(ARGV[index - hashCount + 1]) - 1, 'WITHSCORES')
  end
end
return out`;

/**
 * readEntities (onlineStore.ts) on a single Redis: the same reads, but the keys are built by the
 * script from the ids and key names instead of being sent one by one. A request's ~120 uncached
 * candidates are ~240 keys: as arguments, ioredis measures, concatenates and writes each one
 * (Command, toWritable, the socket write: ~5% of the engine thread at 200 requests/s over 1M
 * items), and the strings were most of what the request path promoted to the old generation
 * (they live for a round trip, which outlasts a scavenge on a busy thread). Here a call's
 * arguments are a few names and ONE string of ids.
 *
 * The script touches keys it was not given in KEYS: allowed on a single Redis (scripts without
 * flags may), refused on a Redis Cluster, so the cluster store reads the same keys with readBatch.
 * Ids are joined by "\n": the store sends ids containing one through readBatch too.
 *
 * ARGV: the key prefix before the ids (namespace + "{" + tag prefix), the hash count H, the H hash
 * names, the sorted-set count S, S pairs of name and limit (> 0), then the ids joined by "\n".
 * Returns one flat array per key, id by id, each id's hashes and then its sorted sets.
 */
export const ENTITY_READ_SCRIPT = `
local prefix = ARGV[1]
local hashCount = tonumber(ARGV[2])
local hashSuffixes = {}
for index = 1, hashCount do hashSuffixes[index] = '}:' .. ARGV[2 + index] end
local setCount = tonumber(ARGV[3 + hashCount])
local setSuffixes, setLast = {}, {}
for index = 1, setCount do
  setSuffixes[index] = '}:' .. ARGV[2 + hashCount + 2 * index]
  setLast[index] = tonumber(ARGV[3 + hashCount + 2 * index]) - 1
end
local ids, from = ARGV[#ARGV], 1
local out, next = {}, 0
while from do
  local stop = string.find(ids, '\\n', from, true)
  local base = prefix .. string.sub(ids, from, (stop or 0) - 1)
  from = stop and stop + 1
  for index = 1, hashCount do
    next = next + 1
    out[next] = redis.call('HGETALL', base .. hashSuffixes[index])
  end
  for index = 1, setCount do
    next = next + 1
    out[next] = redis.call('ZREVRANGE', base .. setSuffixes[index], 0, setLast[index], 'WITHSCORES')
  end
end
return out`;

/** The entity read script's call arguments for some ids: the key count (0: no KEYS), then ARGV; `sortedSets` with limit > 0 only. */
export function entityReadArguments(
  keyPrefix: string,
  hashNames: readonly string[],
  sortedSets: readonly { name: string; limit: number }[],
  ids: readonly string[],
): (string | number)[] {
  const args: (string | number)[] = [0, keyPrefix, hashNames.length, ...hashNames, sortedSets.length];
  for (const { name, limit } of sortedSets) args.push(name, limit);
  args.push(ids.join("\n"));
  return args;
}

/** Keys per script call. */
export const KEYS_PER_CALL = 1_024;

/** One script call's arguments: the number of keys, the keys, then ARGV. */
export type BatchReadCall = { hashKeys: string[]; sortedSets: { key: string; limit: number }[] };

/** Splits a read (namespaced keys; sorted sets with limit > 0 only) into calls of at most KEYS_PER_CALL keys, hashes first. */
export function planBatchReadCalls(hashKeys: readonly string[], sortedSets: readonly { key: string; limit: number }[]): BatchReadCall[] {
  const calls: BatchReadCall[] = [];
  let call: BatchReadCall | undefined;
  const room = () => {
    if (!call || call.hashKeys.length + call.sortedSets.length >= KEYS_PER_CALL) {
      call = { hashKeys: [], sortedSets: [] };
      calls.push(call);
    }
    return call;
  };
  for (const key of hashKeys) room().hashKeys.push(key);
  for (const read of sortedSets) room().sortedSets.push(read);
  return calls;
}

/** The script's arguments for one call: numberOfKeys, keys…, hashCount, limits…. */
export function batchReadArguments(call: BatchReadCall): (string | number)[] {
  const keyCount = call.hashKeys.length + call.sortedSets.length;
  const args: (string | number)[] = [keyCount, ...call.hashKeys];
  for (const { key } of call.sortedSets) args.push(key);
  args.push(call.hashKeys.length);
  for (const { limit } of call.sortedSets) args.push(limit);
  return args;
}

/** A flat HGETALL reply as a NumericHash. */
export function hashFromFlat(flat: readonly string[], parse: (value: string) => number): NumericHash {
  const hash: NumericHash = {};
  for (let index = 0; index + 1 < flat.length; index += 2) hash[flat[index]!] = parse(flat[index + 1]!);
  return hash;
}

/** A flat ZREVRANGE … WITHSCORES reply as members, highest score first. */
export function membersFromFlat(flat: readonly string[], parse: (value: string) => number): ScoredMember[] {
  const members: ScoredMember[] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) members.push({ member: flat[index]!, score: parse(flat[index + 1]!) });
  return members;
}
