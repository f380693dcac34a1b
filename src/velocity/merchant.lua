-- Merchant velocity: counts in whole minutes (1 h window), whole hours (24 h window) and whole
-- UTC days (7 and 30 days, and the label-rate windows of 1, 7 and 30 days ending `delay` days
-- before t's day) strictly before the transaction's own minute / hour / day, so the answer does
-- not depend on arrival order. Per-event sets would cost memory per transaction at busy merchants.
--
-- KEYS[1] buckets hash  m<minute> / h<hour> = count; cm = the latest minute (the base minute);
--                       running totals for the base (see below): b1 = the 60 whole minutes
--                       before cm, b24 = the 24 whole hours before cm's hour, w7 / w30 = the
--                       7 / 30 whole days before cm's day, y1 / y7 / y30 = the 1 / 7 / 30 whole
--                       days ending `delay` days before cm's day
-- KEYS[2] dedupe  set   transaction hashes seen in t's minute (expires with the 24 h window)
-- KEYS[3] labels  hash  confirmed frauds per day (written by label.lua)
-- KEYS[4] days    hash  d<day> = count. Apart from the buckets hash because most merchants see
--                       their next transaction more than a few minutes later, and such a call
--                       reads the whole buckets hash (below): with the 38 day buckets in it, that
--                       read and its loop were most of what the day windows cost per call.
-- ARGV: txhash, dedupeTtlSeconds, minute, hour, day (t's, as numbers in strings: the caller makes
--       the strings because a number-to-string conversion in Redis's Lua costs ~0.5 us),
--       delayDays, bucketsTtlSeconds
-- The reply is generated from the field list in replies.ts (see card.lua).
local buckets, dedupe, labels, days = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local txh, ttl, minuteName, hourName, dayName = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local minute, hour, day = tonumber(minuteName), tonumber(hourName), tonumber(dayName)
local delay, bucketsTtl = tonumber(ARGV[6]), ARGV[7]
-- Days of buckets kept behind the latest day.
local SPAN = math.max(30, delay + 30)

-- frauds(labels, day, delay) comes from frauds.lua, prepended when the script is installed.
local fraud7, fraud30, fraudDelayed1, fraudDelayed7, fraudDelayed30 = frauds(labels, day, delay)

-- Every field of a hash as { name = value }, read at most once per call: for a long range
-- of buckets (a quiet merchant), filtering the few fields that exist costs less than naming
-- every bucket in the range.
local all = {}
local function allFields(key)
  if not all[key] then
    local fields = {}
    local kv = redis.call('HGETALL', key)
    for i = 1, #kv, 2 do fields[kv[i]] = kv[i + 1] end
    all[key] = fields
  end
  return all[key]
end
local LONG = 12

-- Sum of the buckets prefix..from .. prefix..to (inclusive); day buckets live in their own hash.
local function bucketSum(prefix, from, to)
  if to < from then return 0 end
  local key = prefix == 'd' and days or buckets
  local total = 0
  if to - from < LONG then
    local f = {}
    for i = from, to do f[#f + 1] = prefix .. i end
    for _, v in ipairs(redis.call('HMGET', key, unpack(f))) do
      if v then total = total + tonumber(v) end
    end
  else
    for k, v in pairs(allFields(key)) do
      if string.sub(k, 1, 1) == prefix then
        local n = tonumber(string.sub(k, 2))
        if n >= from and n <= to then total = total + tonumber(v) end
      end
    end
  end
  return total
end

-- The window of `width` whole units ending `off` units before `unit` ([unit - off - width,
-- unit - off - 1]), from the running total `base` of that window for `baseUnit`, the latest
-- unit (no bucket lies after it): the units that left the window are taken off and the ones
-- that entered added. Reading all the buckets per call cost more than the rest of the script
-- (building each field name is a number-to-string conversion); a busy merchant's next minute
-- reads 2 fields instead.
local function window(prefix, width, off, unit, baseUnit, base)
  local from, to = unit - off - width, unit - off - 1
  if base and unit == baseUnit then return base end
  if base and unit > baseUnit then
    local total = 0
    if unit - baseUnit < width then total = base - bucketSum(prefix, baseUnit - off - width, from - 1) end
    return total + bucketSum(prefix, math.max(baseUnit - off, from), math.min(to, baseUnit))
  end
  -- Late (before the base), or state without a total: scan.
  return bucketSum(prefix, from, to)
end

-- prefix, width, offset, total field, and which base unit the window moves with.
local WINDOWS = {
  { 'm', 60, 0, 'b1', 'minute' },
  { 'h', 24, 0, 'b24', 'hour' },
  { 'd', 7, 0, 'w7', 'day' },
  { 'd', 30, 0, 'w30', 'day' },
  { 'd', 1, delay, 'y1', 'day' },
  { 'd', 7, delay, 'y7', 'day' },
  { 'd', 30, delay, 'y30', 'day' },
}
local mName, hName, dName = 'm' .. minuteName, 'h' .. hourName, 'd' .. dayName
local state = redis.call('HMGET', buckets, 'cm', mName, hName, 'b1', 'b24', 'w7', 'w30', 'y1', 'y7', 'y30')
local TOTALS = 3 -- state[TOTALS + i] is window i's stored total
local baseMinute = tonumber(state[1])
-- The base minute's hour and day; nil while the merchant has no state.
local baseHour = baseMinute and math.floor(baseMinute / 60)
local baseDay = baseMinute and math.floor(baseMinute / 1440)
local units = { minute = minute, hour = hour, day = day }
local baseUnits = { minute = baseMinute, hour = baseHour, day = baseDay }
local counts = {}
for i, w in ipairs(WINDOWS) do
  counts[i] = baseMinute and window(w[1], w[2], w[3], units[w[5]], baseUnits[w[5]], tonumber(state[TOTALS + i])) or 0
end
local c1h, c24h, c7d, c30d, cDelayed1, cDelayed7, cDelayed30 = unpack(counts)

local added = redis.call('SADD', dedupe, txh)
if added == 1 then
  redis.call('EXPIRE', dedupe, ttl)
  -- Every bucket change of this event goes out in one HSET. A bucket the cleanup below has
  -- already passed (an event more than an hour, a day, or SPAN days behind the base) is not
  -- written: in order it would have been dropped by now, and it would linger until the key's
  -- TTL. On a replay, partitions run at different paces and a busy merchant's events arrive
  -- hours out of order; those lingering buckets grew one merchant's hash to ~6,000 fields,
  -- every HGETALL below read them all, and a 1M-transaction replay slowed from ~5,000/s to ~2,000/s.
  local set = {}
  if not baseMinute or minute > baseMinute - 61 then set[#set + 1] = mName set[#set + 1] = (tonumber(state[2]) or 0) + 1 end
  if not baseMinute or hour > baseHour - 25 then set[#set + 1] = hName set[#set + 1] = (tonumber(state[3]) or 0) + 1 end
  if not baseMinute or day > baseDay - SPAN - 1 then
    redis.call('HINCRBY', days, dName, 1)
    -- The day hash's lifetime moves with each day it is written on; within the base day it was
    -- set by the day's first event.
    if not baseMinute or day ~= baseDay then redis.call('EXPIRE', days, bucketsTtl) end
  end
  if not baseMinute or minute > baseMinute then
    -- A new latest minute is the base now; the windows above are its totals. Once per new
    -- minute, drop minute buckets older than 1 h and hour buckets older than 24 h; once per
    -- new day, day buckets older than SPAN days.
    if baseMinute then
      local mFrom, mTo = math.max(baseMinute - 61, minute - 200), minute - 61
      local hFrom, hTo = math.max(baseHour - 25, hour - 60), hour - 25
      local old = {}
      if (mTo - mFrom) + (hTo - hFrom) < LONG then
        for m = mFrom, mTo do old[#old + 1] = 'm' .. m end
        for h = hFrom, hTo do old[#old + 1] = 'h' .. h end
      else
        -- Every bucket behind the new windows, however old (a jump of more than 200 minutes or
        -- 60 hours leaves some below mFrom / hFrom), and any day bucket: one here was written
        -- before day buckets had their own hash, and would otherwise stay as long as the key.
        for k in pairs(allFields(buckets)) do
          local p, n = string.sub(k, 1, 1), tonumber(string.sub(k, 2))
          if n and ((p == 'm' and n <= mTo) or (p == 'h' and n <= hTo) or p == 'd') then old[#old + 1] = k end
        end
      end
      if #old > 0 then redis.call('HDEL', buckets, unpack(old)) end
      if day > baseDay then
        local dFrom, dTo = math.max(baseDay - SPAN, day - SPAN - 40), day - SPAN - 1
        local oldDays = {}
        if dTo - dFrom < LONG then
          for d = dFrom, dTo do oldDays[#oldDays + 1] = 'd' .. d end
        else
          for k in pairs(allFields(days)) do
            local n = tonumber(string.sub(k, 2))
            if n and n <= dTo then oldDays[#oldDays + 1] = k end
          end
        end
        if #oldDays > 0 then redis.call('HDEL', days, unpack(oldDays)) end
      end
    end
    set[#set + 1] = 'cm' set[#set + 1] = minuteName
    -- Only the totals whose unit moved on (or that the state lacked): a new minute in the same
    -- day leaves the five day totals as they are, and writing them anyway was most of this HSET.
    for i, w in ipairs(WINDOWS) do
      if not baseMinute or units[w[5]] > baseUnits[w[5]] or not state[TOTALS + i] then set[#set + 1] = w[4] set[#set + 1] = counts[i] end
    end
  else
    for i, w in ipairs(WINDOWS) do
      local base, baseUnit, unit = tonumber(state[TOTALS + i]), baseUnits[w[5]], units[w[5]]
      if not base then
        -- State from before this window's total: build it once.
        set[#set + 1] = w[4] set[#set + 1] = bucketSum(w[1], baseUnit - w[3] - w[2], baseUnit - w[3] - 1)
      elseif unit >= baseUnit - w[3] - w[2] and unit <= baseUnit - w[3] - 1 then
        -- A late event inside the base's window.
        set[#set + 1] = w[4] set[#set + 1] = base + 1
      end
    end
  end
  if #set > 0 then redis.call('HSET', buckets, unpack(set)) end
  redis.call('EXPIRE', buckets, bucketsTtl)
end
