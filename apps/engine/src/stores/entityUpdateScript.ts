// The Lua script that applies a group of EntityUpdates on Redis, each atomically and at most once,
// and its argument encoding.
//
// Why a script: an update must be all-or-nothing and at most once per ledger id. A script runs
// without interleaving with other commands, so "is the id in the ledger? then add it and apply the
// increments" cannot race with a redelivery of the same event on another consumer. Each update's
// keys share one hash tag (checked by assertEntityUpdate).
//
// One call carries a list of updates: every update of one entity in a batch, and on a single-node
// Redis several entities (on Redis Cluster a call must keep to one hash tag or slot; the script
// does not care). The updates run in order, exactly as if each were its own call: each checks and
// records its own ledger id, so a repeated id later in the same call is a duplicate.
//
// Encoding (KEYS are deduplicated across the call; ops refer to them by 1-based index). ARGV is a
// sequence of updates, each a run of ARGV:
//   n          number of ARGV in this update's run after this one (so a skipped update jumps over)
//   ledger     KEYS index of the ledger, or "0" for none; when non-zero it is followed by
//              id, score (atMs), prune bound (ids scored below it are forgotten), ledger ttl (ms)
//   then ops:
//     D keyIndex n field1 … fieldN                 HDEL
//     I keyIndex ttl n field1 by1 … fieldN byN    HINCRBYFLOAT each, then PEXPIRE when ttl ≠ ""
//     Z keyIndex member score keep ttl            ZADD GT, keep the `keep` highest, PEXPIRE when ttl ≠ ""
// Returns one integer per update, in order: 1 when applied, 0 when the ledger already held the id.
//
// Pruning a ledger twice with the same bound is skipped: after a prune with bound b every member
// scores ≥ b, and every id recorded since by an update with the same bound scores atMs > b
// (retention > 0), so the second ZREMRANGEBYSCORE could remove nothing. A Z op on the ledger key
// (which could add a lower score) forgets that the key was pruned.
import type { EntityUpdate, StoreKey } from "./onlineStore.ts";

export const ENTITY_UPDATE_SCRIPT = `
local results = {}
local pruned = {}
local u = 0
local i = 1
local argc = #ARGV
while i <= argc do
  local stop = i + 1 + tonumber(ARGV[i])
  local ledger = tonumber(ARGV[i + 1])
  i = i + 2
  local apply = true
  if ledger > 0 then
    local lkey = KEYS[ledger]
    if redis.call('ZADD', lkey, 'NX', ARGV[i + 1], ARGV[i]) == 0 then
      apply = false
    else
      local bound = ARGV[i + 2]
      if pruned[ledger] ~= bound then
        redis.call('ZREMRANGEBYSCORE', lkey, '-inf', '(' .. bound)
        pruned[ledger] = bound
      end
      redis.call('PEXPIRE', lkey, ARGV[i + 3])
    end
    i = i + 4
  end
  u = u + 1
  if apply then
    results[u] = 1
    while i < stop do
      local op = ARGV[i]
      local index = tonumber(ARGV[i + 1])
      local key = KEYS[index]
      if op == 'D' then
        local n = tonumber(ARGV[i + 2])
        redis.call('HDEL', key, unpack(ARGV, i + 3, i + 2 + n))
        i = i + 3 + n
      elseif op == 'I' then
        local n = tonumber(ARGV[i + 3])
        for j = 0, n - 1 do
          redis.call('HINCRBYFLOAT', key, ARGV[i + 4 + 2 * j], ARGV[i + 5 + 2 * j])
        end
        if ARGV[i + 2] ~= '' then redis.call('PEXPIRE', key, ARGV[i + 2]) end
        i = i + 4 + 2 * n
      elseif op == 'Z' then
        redis.call('ZADD', key, 'GT', ARGV[i + 3], ARGV[i + 2])
        redis.call('ZREMRANGEBYRANK', key, 0, -tonumber(ARGV[i + 4]) - 1)
        if ARGV[i + 5] ~= '' then redis.call('PEXPIRE', key, ARGV[i + 5]) end
        pruned[index] = nil
        i = i + 6
      else
        return redis.error_reply('unknown entity update op ' .. tostring(op))
      end
    end
  else
    results[u] = 0
  end
  i = stop
end
return results
`;

export type EncodedUpdates = { keys: string[]; args: string[] };

/**
 * Appends KEYS and ARGV for one update to `into` (shared by all updates of one call); returns
 * false, appending nothing, when the update has no key to touch (nothing to do or remember).
 * `namespaced` maps a StoreKey to the Redis key; `indexOf` deduplicates KEYS within the call.
 */
export function encodeEntityUpdate(update: EntityUpdate, namespaced: (key: StoreKey) => string, into: EncodedUpdates, indexOf: Map<string, string>): boolean {
  const { keys, args } = into;
  const keyIndex = (key: StoreKey): string => {
    const redisKey = namespaced(key);
    let index = indexOf.get(redisKey);
    if (index === undefined) {
      keys.push(redisKey);
      index = String(keys.length);
      indexOf.set(redisKey, index);
    }
    return index;
  };

  const start = args.length;
  args.push("", "0"); // run length and ledger, filled in below
  let touches = false;
  const ledger = update.ledger;
  if (ledger) {
    touches = true;
    args[start + 1] = keyIndex(ledger.key);
    args.push(ledger.id, String(ledger.atMs), String(ledger.atMs - ledger.retentionMs), String(ledger.retentionMs));
  }
  for (const { key, fields } of update.hashDeletes ?? []) {
    if (fields.length === 0) continue;
    touches = true;
    args.push("D", keyIndex(key), String(fields.length), ...fields);
  }
  for (const { key, increments, ttlMs } of update.hashIncrements ?? []) {
    const headAt = args.length;
    let count = 0;
    for (const field in increments) {
      if (count === 0) args.push("I", "", ttlMs === undefined ? "" : String(ttlMs), "");
      args.push(field, String(increments[field]));
      count += 1;
    }
    if (count === 0) continue;
    touches = true;
    args[headAt + 1] = keyIndex(key);
    args[headAt + 3] = String(count);
  }
  for (const { key, member, score, keep, ttlMs } of update.sortedSetMaxes ?? []) {
    touches = true;
    args.push("Z", keyIndex(key), member, String(score), String(keep), ttlMs === undefined ? "" : String(ttlMs));
  }
  if (!touches) {
    args.length = start;
    return false;
  }
  args[start] = String(args.length - start - 1);
  return true;
}
