-- Card velocity and profile: reads the features of one transaction and records it, atomically.
-- Features look only at events strictly before the transaction's own time t (event time),
-- so a redelivered or out-of-order transaction sees exactly what it would have seen in order.
--
-- KEYS[1] events  zset  score = occurredAt ms, member = "<txhash>|<amount>|<lat>|<lon>"
-- KEYS[2] profile hash  n<day>/s<day> = count/sum per UTC day; mx = latest event time;
--                       lt/la/lo = time/lat/lon of the latest located event;
--                       cd = the latest event's UTC day (the base day); running totals of whole-day
--                       windows before cd (see "Day windows" below): bc/bs = count/sum of the 29
--                       days before it, wc/ws of the 6 days before it, dc/ds of the 30 days
--                       ending `delay` days before it
-- KEYS[3] seen    zset  "d:<hash>" / "m:<hash>" -> first time the device / merchant was seen
-- KEYS[4] labels  hash  confirmed frauds per day (written by label.lua)
-- Amounts are integers in thousandths of the currency unit: sums stay exact (no float drift)
-- and small (a listpack stores an integer in a few bytes, a float string in up to 20).
-- ARGV: txhash, t, amount, lat, lon, devicehash, merchanthash, retentionMs, ttlSeconds, maxEvents,
--       maxSeen, day, "(t - 24h", "(t - retentionMs", eventsTtlMs, delayDays
-- The reply is generated from the field list in replies.ts: `return { ... }` is appended when
-- the script is installed, so a field is named once, there, and never matched by position here.
-- The caller sends every number this script would otherwise turn into a string (bucket
-- names, range bounds, TTLs): in Redis's Lua a number-to-string conversion costs ~0.5 us,
-- as much as a small command, and the old script spent most of its time on them.
local ev, prof, seen, labels = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local txh, ts, amount, lat, lon, dev, mer = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local retention, ttl, maxEvents, maxSeen = tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11])
local dayName, after24h, retainFrom, eventsTtl = ARGV[12], ARGV[13], ARGV[14], ARGV[15]
local delay = tonumber(ARGV[16])
local t, day = tonumber(ts), tonumber(dayName)
local dayStart = day * 86400000
local nDay, sDay = 'n' .. dayName, 's' .. dayName

-- frauds(labels, day, delay) comes from frauds.lua, prepended when the script is installed.
local fraud7, fraud30, _, _, fraudDelayed30, fraudKnown = frauds(labels, day, delay)

-- One pass over the retained events in (t - 24h, t]: the windows, today's part of 30 days, the
-- previous events, and (at exactly t) whether this transaction was already counted: a
-- duplicate has the same transaction hash at the same event time.
local duplicate = 0
local c1m, s1m, c1h, s1h, c24, s24, ctd, std, z24 = 0, 0, 0, 0, 0, 0, 0, 0, 0
local rows = redis.call('ZRANGE', ev, after24h, ts, 'BYSCORE', 'WITHSCORES')
local before = 0 -- rows[1 .. 2 * before] are the events strictly before t
for i = 1, #rows, 2 do
  local m, at = rows[i], tonumber(rows[i + 1])
  if at == t then
    if duplicate == 0 and string.sub(m, 1, #txh + 1) == txh .. '|' then duplicate = 1 end
  else
    before = before + 1
    local p1 = string.find(m, '|', 1, true)
    local a = tonumber(string.sub(m, p1 + 1, string.find(m, '|', p1 + 1, true) - 1))
    c24 = c24 + 1 s24 = s24 + a
    if a == 0 then z24 = z24 + 1 end
    if at > t - 3600000 then c1h = c1h + 1 s1h = s1h + a end
    if at > t - 60000 then c1m = c1m + 1 s1m = s1m + a end
    if at >= dayStart then ctd = ctd + 1 std = std + a end
  end
end

-- Day windows: 30 days = the 29 whole UTC days before t's day (day buckets) + t's day up to t
-- (the events above), 7 days = the 6 whole days before + t's day, and the label-rate window =
-- the 30 whole days ending `delay` days before t's day (see frauds.lua). Reading their buckets
-- per call cost more than everything else in this script (each field name is a
-- number-to-string conversion), so the profile keeps each window's total for its base day cd,
-- the latest event's day, and moves it when a later day arrives: one day on reads a few
-- fields. Only an event a day or more late, or state without a total, scans the buckets.
local SPAN = math.max(29, delay + 30) -- days of buckets kept behind the latest day
local WINDOWS = { -- width, offset (days before t's day where the window ends), total fields
  { 29, 0, 'bc', 'bs' },
  { 6, 0, 'wc', 'ws' },
  { 30, delay, 'dc', 'ds' },
}
local profile = redis.call('HMGET', prof, 'mx', 'lt', 'la', 'lo', 'cd', nDay, sDay, 'bc', 'bs', 'wc', 'ws', 'dc', 'ds')
local baseDay = tonumber(profile[5])
local TOTALS = 7 -- profile[TOTALS + 2i - 1 .. TOTALS + 2i] are window i's stored count and sum

-- Count and sum of the day buckets from..to (inclusive).
local function bucketSum(from, to)
  if to < from then return 0, 0 end
  local f = {}
  for d = from, to do
    f[#f + 1] = 'n' .. d
    f[#f + 1] = 's' .. d
  end
  local v = redis.call('HMGET', prof, unpack(f))
  local c, s = 0, 0
  for i = 1, #v, 2 do
    if v[i] then c = c + tonumber(v[i]) s = s + tonumber(v[i + 1]) end
  end
  return c, s
end

-- Window `w` for t's day: the whole days [day - off - width, day - off - 1], from its total
-- (c, s) at the base day, the latest day (no bucket lies after it): the days that left the
-- window are taken off and the ones that entered added.
local function dayWindow(w, c, s)
  local width, off = w[1], w[2]
  local from, to = day - off - width, day - off - 1
  if not profile[1] then return 0, 0 end -- a new card has no buckets
  if c and day == baseDay then return c, s end
  if c and day > baseDay then
    local kc, ks = 0, 0 -- what stays
    if day - baseDay < width then
      local lc, ls = bucketSum(baseDay - off - width, from - 1)
      kc, ks = c - lc, s - ls
    end
    local ec, es = bucketSum(math.max(baseDay - off, from), math.min(to, baseDay))
    return kc + ec, ks + es
  end
  return bucketSum(from, to)
end
local windowCount, windowSum = {}, {}
for i, w in ipairs(WINDOWS) do
  windowCount[i], windowSum[i] = dayWindow(w, tonumber(profile[TOTALS + 2 * i - 1]), tonumber(profile[TOTALS + 2 * i]))
end
local c30, s30 = ctd + windowCount[1], std + windowSum[1]
local c7, s7 = ctd + windowCount[2], std + windowSum[2]
local cDelayed30 = windowCount[3]

-- The previous event, and the previous located event, among the 50 latest events before t.
-- The pass above holds them when the last 24 h do; older ones cost one more read.
local prevT, prevLocT, prevLat, prevLon = '', '', '', ''
local function located(m, at)
  local p1 = string.find(m, '|', 1, true)
  local p2 = string.find(m, '|', p1 + 1, true)
  local p3 = string.find(m, '|', p2 + 1, true)
  local la = string.sub(m, p2 + 1, p3 - 1)
  if la == '' then return false end
  prevLocT, prevLat, prevLon = at, la, string.sub(m, p3 + 1)
  return true
end
if before > 0 then prevT = rows[2 * before] end
local found = false
for i = before, math.max(1, before - 49), -1 do
  if located(rows[2 * i - 1], rows[2 * i]) then found = true break end
end
if before < 50 and (before == 0 or not found) then
  local older = redis.call('ZRANGE', ev, string.sub(after24h, 2), '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 50 - before, 'WITHSCORES')
  if prevT == '' and older[2] then prevT = older[2] end
  if not found then
    for i = 1, #older, 2 do
      if located(older[i], older[i + 1]) then break end
    end
  end
end
-- Older than the retained events: fall back to the latest ones the profile remembers.
if prevT == '' and profile[1] and tonumber(profile[1]) < t then prevT = profile[1] end
if prevLocT == '' and profile[2] and tonumber(profile[2]) < t then
  prevLocT, prevLat, prevLon = profile[2], profile[3], profile[4]
end

local deviceSeen, merchantSeen = -1, 0
local firstSeen
if dev ~= '' then
  firstSeen = redis.call('ZMSCORE', seen, 'm:' .. mer, 'd:' .. dev)
  deviceSeen = (firstSeen[2] and tonumber(firstSeen[2]) < t) and 1 or 0
else
  firstSeen = redis.call('ZMSCORE', seen, 'm:' .. mer)
end
if firstSeen[1] and tonumber(firstSeen[1]) < t then merchantSeen = 1 end

if duplicate == 0 then
  redis.call('ZADD', ev, ts, txh .. '|' .. amount .. '|' .. lat .. '|' .. lon)
  -- Every profile change of this event goes out in one HSET.
  local set = {}
  local function put(k, v) set[#set + 1] = k set[#set + 1] = v end
  local mx = tonumber(profile[1] or '0')
  if t > mx then
    mx = t
    put('mx', ts)
  end
  local latestDay = math.floor(mx / 86400000)
  -- A bucket older than SPAN days before the latest event can never be read again.
  if day >= latestDay - SPAN then
    put(nDay, (tonumber(profile[6]) or 0) + 1)
    put(sDay, string.format('%.0f', (tonumber(profile[7]) or 0) + tonumber(amount)))
  end
  if lat ~= '' and t > tonumber(profile[2] or '0') then
    put('lt', ts) put('la', lat) put('lo', lon)
  end
  if baseDay and latestDay == baseDay then
    for i, w in ipairs(WINDOWS) do
      local c, s = tonumber(profile[TOTALS + 2 * i - 1]), tonumber(profile[TOTALS + 2 * i])
      if not c then
        -- State from before this window's total: build it once.
        c, s = bucketSum(baseDay - w[2] - w[1], baseDay - w[2] - 1)
        put(w[3], c) put(w[4], string.format('%.0f', s))
      elseif day >= baseDay - w[2] - w[1] and day <= baseDay - w[2] - 1 then
        -- A late event inside the base's window.
        put(w[3], c + 1) put(w[4], string.format('%.0f', s + tonumber(amount)))
      end
    end
  else
    -- A new latest day, which is t's day: the windows above are its totals. Day buckets that
    -- fell out of the SPAN days are dropped here, once per new latest day.
    if baseDay then
      local old = {}
      for d = math.max(baseDay - SPAN - 1, latestDay - SPAN - 40), latestDay - SPAN - 1 do
        old[#old + 1] = 'n' .. d
        old[#old + 1] = 's' .. d
      end
      if #old > 0 then redis.call('HDEL', prof, unpack(old)) end
    end
    put('cd', dayName)
    for i, w in ipairs(WINDOWS) do put(w[3], windowCount[i]) put(w[4], string.format('%.0f', windowSum[i])) end
  end
  if #set > 0 then redis.call('HSET', prof, unpack(set)) end
  -- Keep events for the retention behind the latest event time, and never more than maxEvents.
  redis.call('ZREMRANGEBYSCORE', ev, '-inf', mx == t and retainFrom or '(' .. (mx - retention))
  local n = redis.call('ZCARD', ev)
  if n > maxEvents then redis.call('ZREMRANGEBYRANK', ev, 0, n - maxEvents - 1) end
  local added
  if dev ~= '' then
    added = redis.call('ZADD', seen, 'LT', ts, 'd:' .. dev, ts, 'm:' .. mer)
  else
    added = redis.call('ZADD', seen, 'LT', ts, 'm:' .. mer)
  end
  if added > 0 then
    local ns = redis.call('ZCARD', seen)
    if ns > maxSeen then redis.call('ZREMRANGEBYRANK', seen, 0, ns - maxSeen - 1) end
  end
  redis.call('PEXPIRE', ev, eventsTtl)
  redis.call('EXPIRE', prof, ttl)
  redis.call('EXPIRE', seen, ttl)
end

-- Sums go back as strings: Redis turns a Lua number reply into an integer reply, and
-- tostring() switches to exponent notation past 14 digits.
local function int(x) return string.format('%.0f', x) end
