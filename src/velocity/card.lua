-- Card velocity and profile: reads the features of one transaction and records it, atomically.
-- Features look only at events strictly before the transaction's own time t (event time),
-- so a redelivered or out-of-order transaction sees exactly what it would have seen in order.
--
-- KEYS[1] events  zset  score = occurredAt ms, member = "<txhash>|<amount>|<lat>|<lon>"
-- KEYS[2] profile hash  n<day>/s<day> = count/sum per UTC day; mx = latest event time;
--                       lt/la/lo = time/lat/lon of the latest located event; cd = last cleanup day
-- KEYS[3] seen    zset  "d:<hash>" / "m:<hash>" -> first time the device / merchant was seen
-- KEYS[4] labels  hash  confirmed frauds per day (written by label.lua)
-- Amounts are integers in thousandths of the currency unit: sums stay exact (no float drift)
-- and small (a listpack stores an integer in a few bytes, a float string in up to 20).
-- ARGV: txhash, t, amount, lat, lon, devicehash, merchanthash, retentionMs, ttlSeconds, maxEvents, maxSeen
local ev, prof, seen, labels = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local txh = ARGV[1]
local t = tonumber(ARGV[2])
local amount = ARGV[3]
local lat, lon = ARGV[4], ARGV[5]
local dev, mer = ARGV[6], ARGV[7]
local retention = tonumber(ARGV[8])
local ttl = tonumber(ARGV[9])
local maxEvents = tonumber(ARGV[10])
local maxSeen = tonumber(ARGV[11])

local DAY = 86400000
local day = math.floor(t / DAY)
local dayStart = day * DAY

-- frauds(labels, day) comes from frauds.lua, prepended when the script is installed.
local fraud7, fraud30 = frauds(labels, day)

-- A duplicate has the same transaction hash at the same event time.
local duplicate = 0
for _, m in ipairs(redis.call('ZRANGE', ev, t, t, 'BYSCORE')) do
  if string.sub(m, 1, #txh + 1) == txh .. '|' then duplicate = 1 break end
end

-- Windows over the retained events in (t - 24h, t); the same pass gives today's part of 30 days.
local c1m, s1m, c1h, s1h, c24, s24, ctd, std = 0, 0, 0, 0, 0, 0, 0, 0
local rows = redis.call('ZRANGE', ev, '(' .. (t - 86400000), '(' .. t, 'BYSCORE', 'WITHSCORES')
for i = 1, #rows, 2 do
  local m, at = rows[i], tonumber(rows[i + 1])
  local p1 = string.find(m, '|', 1, true)
  local p2 = string.find(m, '|', p1 + 1, true)
  local a = tonumber(string.sub(m, p1 + 1, p2 - 1))
  c24 = c24 + 1 s24 = s24 + a
  if at > t - 3600000 then c1h = c1h + 1 s1h = s1h + a end
  if at > t - 60000 then c1m = c1m + 1 s1m = s1m + a end
  if at >= dayStart then ctd = ctd + 1 std = std + a end
end

-- 30 days = the 29 whole UTC days before t's day (buckets) + t's day up to t (events above).
local fields = {}
for d = day - 29, day - 1 do
  fields[#fields + 1] = 'n' .. d
  fields[#fields + 1] = 's' .. d
end
local c30, s30 = ctd, std
local buckets = redis.call('HMGET', prof, unpack(fields))
for i = 1, #buckets, 2 do
  if buckets[i] then c30 = c30 + tonumber(buckets[i]) s30 = s30 + tonumber(buckets[i + 1]) end
end

-- The previous event, and the previous located event, by event time.
local prevT, prevLocT, prevLat, prevLon = '', '', '', ''
local back = redis.call('ZRANGE', ev, '(' .. t, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 50, 'WITHSCORES')
for i = 1, #back, 2 do
  local m, at = back[i], back[i + 1]
  if prevT == '' then prevT = at end
  local p1 = string.find(m, '|', 1, true)
  local p2 = string.find(m, '|', p1 + 1, true)
  local p3 = string.find(m, '|', p2 + 1, true)
  local la = string.sub(m, p2 + 1, p3 - 1)
  if la ~= '' then
    prevLocT, prevLat, prevLon = at, la, string.sub(m, p3 + 1)
    break
  end
end
local profile = redis.call('HMGET', prof, 'mx', 'lt', 'la', 'lo')
-- Older than the retained events: fall back to the latest ones the profile remembers.
if prevT == '' and profile[1] and tonumber(profile[1]) < t then prevT = profile[1] end
if prevLocT == '' and profile[2] and tonumber(profile[2]) < t then
  prevLocT, prevLat, prevLon = profile[2], profile[3], profile[4]
end

local function seenBefore(member)
  local first = redis.call('ZSCORE', seen, member)
  if first and tonumber(first) < t then return 1 end
  return 0
end
local deviceSeen = -1
if dev ~= '' then deviceSeen = seenBefore('d:' .. dev) end
local merchantSeen = seenBefore('m:' .. mer)

if duplicate == 0 then
  redis.call('ZADD', ev, t, txh .. '|' .. amount .. '|' .. lat .. '|' .. lon)
  local mx = tonumber(profile[1] or '0')
  if t > mx then
    mx = t
    redis.call('HSET', prof, 'mx', t)
  end
  local latestDay = math.floor(mx / DAY)
  -- A bucket older than 30 days before the latest event can never be read again.
  if day >= latestDay - 30 then
    redis.call('HINCRBY', prof, 'n' .. day, 1)
    redis.call('HINCRBY', prof, 's' .. day, amount)
  end
  if lat ~= '' and t > tonumber(profile[2] or '0') then redis.call('HSET', prof, 'lt', t, 'la', lat, 'lo', lon) end
  -- Keep events for the retention behind the latest event time, and never more than maxEvents.
  redis.call('ZREMRANGEBYSCORE', ev, '-inf', '(' .. (mx - retention))
  local n = redis.call('ZCARD', ev)
  if n > maxEvents then redis.call('ZREMRANGEBYRANK', ev, 0, n - maxEvents - 1) end
  -- Drop day buckets that fell out of the 30 days, once per new latest day.
  local cleaned = redis.call('HGET', prof, 'cd')
  if not cleaned then
    redis.call('HSET', prof, 'cd', latestDay)
  elseif latestDay > tonumber(cleaned) then
    local old = {}
    for d = math.max(tonumber(cleaned) - 31, latestDay - 70), latestDay - 31 do
      old[#old + 1] = 'n' .. d
      old[#old + 1] = 's' .. d
    end
    if #old > 0 then redis.call('HDEL', prof, unpack(old)) end
    redis.call('HSET', prof, 'cd', latestDay)
  end
  if dev ~= '' then redis.call('ZADD', seen, 'LT', t, 'd:' .. dev) end
  redis.call('ZADD', seen, 'LT', t, 'm:' .. mer)
  local ns = redis.call('ZCARD', seen)
  if ns > maxSeen then redis.call('ZREMRANGEBYRANK', seen, 0, ns - maxSeen - 1) end
  redis.call('PEXPIRE', ev, retention + 3600000)
  redis.call('EXPIRE', prof, ttl)
  redis.call('EXPIRE', seen, ttl)
end

-- Sums go back as strings: Redis turns a Lua number reply into an integer reply, and
-- tostring() switches to exponent notation past 14 digits.
local function int(x) return string.format('%.0f', x) end
return { duplicate, c1m, int(s1m), c1h, int(s1h), c24, int(s24), c30, int(s30),
  prevT, prevLocT, prevLat, prevLon, deviceSeen, merchantSeen, fraud7, fraud30 }
