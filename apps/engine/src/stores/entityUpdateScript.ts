// The Lua script that applies a group of EntityUpdates on Redis, each atomically and at most once,
// and its argument encoding.
//
// Why a script: an update must be all-or-nothing and at most once per ledger id. A script runs
// without interleaving with other commands, so "are the ids in the ledger? then add them and apply
// the changes" cannot race with a redelivery of the same events on another consumer. Each update's
// keys share one hash tag (checked by assertEntityUpdate).
//
// One call carries a list of updates: on Redis Cluster one entity's (one hash tag, one slot), on a
// single node several entities'. The updates run in order, exactly as if each were its own call.
//
// Encoding. The whole call travels as ONE JSON argument (ARGV[1]), decoded by Redis's bundled
// cjson: building and sending dozens of small arguments per entity cost the engine more CPU
// (allocation, garbage collection, protocol framing) than the writes cost Redis. KEYS holds the
// first key of every update, which declares the call's slot(s) for routing; every other key an
// update names shares that key's hash tag (`prefix` below is `cascade:{tag}:`), so the call never
// leaves those slots. Amounts and scores travel as strings (exact decimal round trip); integers
// (expiries, times, counts) as JSON numbers, which Redis prints back exactly.
//
//   ARGV[1] = [update, …]
//   update  = [prefix, ledger, [op, …]]          every key below is prefix .. name
//   ledger  = 0 (none) | [name, [id, …], atMs, pruneBound, ttlMs]   (pruneBound -1 → no upkeep)
//   op      = ["D", name, [field, …]]                                   HDEL
//           | ["I", name, ttlMs, whenCreated, [field, by, clears, …]]   HINCRBYFLOAT each field;
//               clears = 0 | [field, …] deleted when that field was created; PEXPIRE when ttlMs > 0
//               and (whenCreated = 0 or some field was created)
//           | ["Z", name, member, score, keep, ttlMs]                   ZADD GT; when it added the
//               member, keep the `keep` highest; PEXPIRE when ttlMs > 0
// Returns one integer per update: 1 applied, 0 duplicate (every id seen), 2 partial (some seen;
// nothing changed).
import { hashTagOf, type EntityUpdate, type StoreKey } from "./onlineStore.ts";

export const ENTITY_UPDATE_SCRIPT = `
local CHUNK = 500
local function zmscore_seen(key, ids)
  local seen = 0
  for first = 1, #ids, CHUNK do
    local scores = redis.call('ZMSCORE', key, unpack(ids, first, math.min(first + CHUNK - 1, #ids)))
    for j = 1, #scores do
      if scores[j] then seen = seen + 1 end
    end
  end
  return seen
end
local function zadd_all(key, score, ids)
  for first = 1, #ids, CHUNK do
    local args = {}
    for j = first, math.min(first + CHUNK - 1, #ids) do
      args[#args + 1] = score
      args[#args + 1] = ids[j]
    end
    redis.call('ZADD', key, unpack(args))
  end
end
local function hdel_all(key, fields)
  for first = 1, #fields, CHUNK do
    redis.call('HDEL', key, unpack(fields, first, math.min(first + CHUNK - 1, #fields)))
  end
end

local updates = cjson.decode(ARGV[1])
local results = {}
for u = 1, #updates do
  local update = updates[u]
  local prefix = update[1]
  local ledger = update[2]
  local outcome = 1
  if ledger ~= 0 then
    local lkey = prefix .. ledger[1]
    local ids = ledger[2]
    if #ids == 1 then
      if redis.call('ZADD', lkey, 'NX', ledger[3], ids[1]) == 0 then outcome = 0 end
    else
      local seen = zmscore_seen(lkey, ids)
      if seen == #ids then
        outcome = 0
      elseif seen > 0 then
        outcome = 2
      else
        zadd_all(lkey, ledger[3], ids)
      end
    end
    if outcome == 1 and ledger[4] >= 0 then
      redis.call('ZREMRANGEBYSCORE', lkey, '-inf', '(' .. ledger[4])
      redis.call('PEXPIRE', lkey, ledger[5])
    end
  end
  if outcome == 1 then
    local ops = update[3]
    for o = 1, #ops do
      local op = ops[o]
      local kind = op[1]
      local key = prefix .. op[2]
      if kind == 'D' then
        hdel_all(key, op[3])
      elseif kind == 'I' then
        local created = false
        local fields = op[5]
        for j = 1, #fields, 3 do
          local by = tonumber(fields[j + 1])
          local value = tonumber(redis.call('HINCRBYFLOAT', key, fields[j], fields[j + 1]))
          if math.abs(value - by) <= 1e-9 * math.abs(by) then
            created = true
            local clears = fields[j + 2]
            if clears ~= 0 then hdel_all(key, clears) end
          end
        end
        if op[3] > 0 and (op[4] == 0 or created) then redis.call('PEXPIRE', key, op[3]) end
      elseif kind == 'Z' then
        if redis.call('ZADD', key, 'GT', op[4], op[3]) == 1 then
          redis.call('ZREMRANGEBYRANK', key, 0, -op[5] - 1)
        end
        if op[6] > 0 then redis.call('PEXPIRE', key, op[6]) end
      else
        return redis.error_reply('unknown entity update op ' .. tostring(kind))
      end
    end
  end
  results[u] = outcome
end
return results
`;

/** Script reply code → outcome. */
export const OUTCOME_OF_CODE = ["duplicate", "applied", "partial"] as const;

/**
 * The update as the script's JSON value, or undefined when it names no key (nothing to do or to
 * remember), and the (namespaced) key that declares the update's slot. `namespace` is prepended
 * to every StoreKey.
 */
export function encodeEntityUpdate(update: EntityUpdate, namespace: string): { json: string; slotKey: string } | undefined {
  const ledger = update.ledger;
  const firstKey = ledger?.key ?? update.hashDeletes?.[0]?.key ?? update.hashIncrements?.[0]?.key ?? update.sortedSetMaxes?.[0]?.key;
  if (firstKey === undefined) return undefined;
  // `{tag}:` is shared by every key of the update (assertEntityUpdate checked it); ops carry the rest.
  const nameStart = firstKey.indexOf("}") + 2;
  const name = (key: StoreKey) => JSON.stringify(key.slice(nameStart));
  const ops: string[] = [];
  for (const { key, fields } of update.hashDeletes ?? []) {
    if (fields.length > 0) ops.push(`["D",${name(key)},${JSON.stringify(fields)}]`);
  }
  for (const { key, increments, ttlMs, expireWhen, clearWhenCreated } of update.hashIncrements ?? []) {
    let fields = "";
    for (const field in increments) {
      const clears = clearWhenCreated?.[field];
      fields += `${fields === "" ? "" : ","}${JSON.stringify(field)},"${increments[field]}",${clears && clears.length > 0 ? JSON.stringify(clears) : "0"}`;
    }
    if (fields === "") continue;
    ops.push(`["I",${name(key)},${ttlMs ?? 0},${expireWhen === "created" ? 1 : 0},[${fields}]]`);
  }
  for (const { key, member, score, keep, ttlMs } of update.sortedSetMaxes ?? []) {
    ops.push(`["Z",${name(key)},${JSON.stringify(member)},"${score}",${keep},${ttlMs ?? 0}]`);
  }
  if (!ledger && ops.length === 0) return undefined;
  let ledgerJson = "0";
  if (ledger) {
    const bound = (ledger.maintain ?? true) ? Math.max(0, ledger.atMs - ledger.retentionMs) : -1;
    ledgerJson = `[${name(ledger.key)},${JSON.stringify(ledger.ids)},${ledger.atMs},${bound},${ledger.retentionMs}]`;
  }
  const slotKey = namespace + firstKey;
  return { json: `[${JSON.stringify(slotKey.slice(0, namespace.length + nameStart))},${ledgerJson},[${ops.join(",")}]]`, slotKey };
}

/** The hash tag of the first key an update names (all its keys share it); undefined when it names none. */
export function hashTagOfUpdate(update: EntityUpdate): string | undefined {
  const key = update.ledger?.key ?? update.hashDeletes?.[0]?.key ?? update.hashIncrements?.[0]?.key ?? update.sortedSetMaxes?.[0]?.key;
  return key === undefined ? undefined : hashTagOf(key);
}
