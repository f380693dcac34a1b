-- Merchant velocity: counts in whole minutes (1 h window) and whole hours (24 h window)
-- strictly before the transaction's own minute / hour, so the answer does not depend on
-- arrival order. Per-event sets would cost memory per transaction at busy merchants.
--
-- KEYS[1] buckets hash  m<minute> = count, h<hour> = count; cm = the latest minute (the base
--                       minute), b1 = the 60 whole minutes before cm, b24 = the 24 whole hours
--                       before cm's hour (running totals, see below)
-- KEYS[2] dedupe  set   transaction hashes seen in t's minute (expires with the 24 h window)
-- KEYS[3] labels  hash  confirmed frauds per day (written by label.lua)
-- ARGV: txhash, ttlSeconds, minute, hour, day (t's, as numbers in strings: the caller makes the
--       strings because a number-to-string conversion in Redis's Lua costs ~0.5 us)
local buckets, dedupe, labels = KEYS[1], KEYS[2], KEYS[3]
local txh, ttl, minuteName, hourName = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local minute, hour = tonumber(minuteName), tonumber(hourName)

-- frauds(labels, day) comes from frauds.lua, prepended when the script is installed.
local fraud7, fraud30 = frauds(labels, tonumber(ARGV[5]))

-- Every field of the hash as { name = value }, read at most once per call: for a long range
-- of buckets (a quiet merchant), filtering the few fields that exist costs less than naming
-- every bucket in the range.
local all
local function allFields()
  if not all then
    all = {}
    local kv = redis.call('HGETALL', buckets)
    for i = 1, #kv, 2 do all[kv[i]] = kv[i + 1] end
  end
  return all
end
local LONG = 12

-- Sum of the buckets prefix..from .. prefix..to (inclusive).
local function bucketSum(prefix, from, to)
  if to < from then return 0 end
  local total = 0
  if to - from < LONG then
    local f = {}
    for i = from, to do f[#f + 1] = prefix .. i end
    for _, v in ipairs(redis.call('HMGET', buckets, unpack(f))) do
      if v then total = total + tonumber(v) end
    end
  else
    for k, v in pairs(allFields()) do
      if string.sub(k, 1, 1) == prefix then
        local n = tonumber(string.sub(k, 2))
        if n >= from and n <= to then total = total + tonumber(v) end
      end
    end
  end
  return total
end

-- The window of `width` whole units before `unit`, from the running total `base` of the
-- window before `baseUnit`, the latest unit (no bucket lies after it). Reading all 84 buckets
-- per call cost more than the rest of the script (building each field name is a
-- number-to-string conversion); a busy merchant's next minute reads 2 fields instead.
local function window(prefix, width, unit, baseUnit, base)
  if base and unit == baseUnit then return base end
  if base and unit > baseUnit then
    local total = 0
    if unit - baseUnit < width then total = base - bucketSum(prefix, baseUnit - width, unit - width - 1) end
    if baseUnit >= unit - width then total = total + bucketSum(prefix, baseUnit, baseUnit) end
    return total
  end
  -- Late (before the base), or state without a total: scan.
  return bucketSum(prefix, unit - width, unit - 1)
end

local mName, hName = 'm' .. minuteName, 'h' .. hourName
local state = redis.call('HMGET', buckets, 'cm', 'b1', 'b24', mName, hName)
local baseMinute, b1, b24 = tonumber(state[1]), tonumber(state[2]), tonumber(state[3])
-- The base minute's hour; nil while the merchant has no state.
local baseHour = baseMinute and math.floor(baseMinute / 60)
local c1h, c24h = 0, 0
if baseMinute then
  c1h = window('m', 60, minute, baseMinute, b1)
  c24h = window('h', 24, hour, baseHour, b24)
end

local added = redis.call('SADD', dedupe, txh)
if added == 1 then
  redis.call('EXPIRE', dedupe, ttl)
  -- Every bucket change of this event goes out in one HSET. A bucket the cleanup below has
  -- already passed (an event more than an hour, or a day, behind the base) is not written:
  -- in order it would have been dropped by now, and it would linger until the key's TTL.
  -- On a replay, partitions run at different paces and a busy merchant's events arrive hours
  -- out of order; those lingering buckets grew one merchant's hash to ~6,000 fields, every
  -- HGETALL below read them all, and a 1M-transaction replay slowed from ~5,000/s to ~2,000/s.
  local set = {}
  if not baseMinute or minute > baseMinute - 61 then set[#set + 1] = mName set[#set + 1] = (tonumber(state[4]) or 0) + 1 end
  if not baseMinute or hour > baseHour - 25 then set[#set + 1] = hName set[#set + 1] = (tonumber(state[5]) or 0) + 1 end
  if not baseMinute or minute > baseMinute then
    -- A new latest minute is the base now; c1h/c24h above are its totals. Once per new
    -- minute, drop minute buckets older than 1 h and hour buckets older than 24 h.
    if baseMinute then
      local mFrom, mTo = math.max(baseMinute - 61, minute - 200), minute - 61
      local hFrom, hTo = math.max(baseHour - 25, hour - 60), hour - 25
      local old = {}
      if (mTo - mFrom) + (hTo - hFrom) < LONG then
        for m = mFrom, mTo do old[#old + 1] = 'm' .. m end
        for h = hFrom, hTo do old[#old + 1] = 'h' .. h end
      else
        -- Every bucket behind the new windows, however old (a jump of more than 200 minutes
        -- or 60 hours leaves some below mFrom / hFrom).
        for k in pairs(allFields()) do
          local p, n = string.sub(k, 1, 1), tonumber(string.sub(k, 2))
          if n and ((p == 'm' and n <= mTo) or (p == 'h' and n <= hTo)) then old[#old + 1] = k end
        end
      end
      if #old > 0 then redis.call('HDEL', buckets, unpack(old)) end
    end
    for _, v in ipairs({ 'cm', minuteName, 'b1', c1h, 'b24', c24h }) do set[#set + 1] = v end
  else
    if not b1 or not b24 then
      -- State from before the running totals: build them once.
      for _, v in ipairs({ 'b1', bucketSum('m', baseMinute - 60, baseMinute - 1), 'b24', bucketSum('h', baseHour - 24, baseHour - 1) }) do set[#set + 1] = v end
    else
      -- A late event inside the base's windows.
      if minute < baseMinute and minute >= baseMinute - 60 then set[#set + 1] = 'b1' set[#set + 1] = b1 + 1 end
      if hour < baseHour and hour >= baseHour - 24 then set[#set + 1] = 'b24' set[#set + 1] = b24 + 1 end
    end
  end
  if #set > 0 then redis.call('HSET', buckets, unpack(set)) end
  redis.call('EXPIRE', buckets, ttl)
end
return { 1 - added, c1h, c24h, fraud7, fraud30 }
