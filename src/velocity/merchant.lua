-- Merchant velocity: counts in whole minutes (1 h window) and whole hours (24 h window)
-- strictly before the transaction's own minute / hour, so the answer does not depend on
-- arrival order. Per-event sets would cost memory per transaction at busy merchants.
--
-- KEYS[1] buckets hash  m<minute> = count, h<hour> = count, cm = last cleanup minute
-- KEYS[2] dedupe  set   transaction hashes seen in t's minute (expires with the 24 h window)
-- KEYS[3] labels  hash  confirmed frauds per day (written by label.lua)
-- ARGV: txhash, t, ttlSeconds
local buckets, dedupe, labels = KEYS[1], KEYS[2], KEYS[3]
local txh = ARGV[1]
local t = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local minute = math.floor(t / 60000)
local hour = math.floor(t / 3600000)

-- frauds(labels, day) comes from frauds.lua, prepended when the script is installed.
local fraud7, fraud30 = frauds(labels, math.floor(t / 86400000))

local fields = {}
for m = minute - 60, minute - 1 do fields[#fields + 1] = 'm' .. m end
for h = hour - 24, hour - 1 do fields[#fields + 1] = 'h' .. h end
local values = redis.call('HMGET', buckets, unpack(fields))
local c1h, c24h = 0, 0
for i = 1, 60 do if values[i] then c1h = c1h + tonumber(values[i]) end end
for i = 61, 84 do if values[i] then c24h = c24h + tonumber(values[i]) end end

local added = redis.call('SADD', dedupe, txh)
if added == 1 then
  redis.call('EXPIRE', dedupe, ttl)
  redis.call('HINCRBY', buckets, 'm' .. minute, 1)
  redis.call('HINCRBY', buckets, 'h' .. hour, 1)
  -- Once per new minute, drop minute buckets older than 1 h and hour buckets older than 24 h.
  local stored = redis.call('HGET', buckets, 'cm')
  local cleaned = tonumber(stored or minute)
  if not stored then redis.call('HSET', buckets, 'cm', minute) end
  if minute > cleaned then
    local old = {}
    for m = math.max(cleaned - 61, minute - 200), minute - 61 do old[#old + 1] = 'm' .. m end
    local cleanedHour = math.floor(cleaned / 60)
    for h = math.max(cleanedHour - 25, hour - 60), hour - 25 do old[#old + 1] = 'h' .. h end
    if #old > 0 then redis.call('HDEL', buckets, unpack(old)) end
    redis.call('HSET', buckets, 'cm', minute)
  end
  redis.call('EXPIRE', buckets, ttl)
end
return { 1 - added, c1h, c24h, fraud7, fraud30 }
