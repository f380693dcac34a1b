-- Fraud labels of one entity (a card or a merchant): confirmed frauds per UTC day of the
-- labelled transaction's own time, so "frauds in the last 7 / 30 days" is by when the fraud
-- happened, not when it was reported. Idempotent per transaction: a redelivered label changes
-- nothing, and a later `fraud: false` for the same transaction (a correction) takes it back.
--
-- KEYS[1] labels hash  f<day> = frauds on that day; x<txhash> = <day> of each counted fraud
-- ARGV: txhash, day, fraud (1 | 0), ttlSeconds
local labels = KEYS[1]
local marker = 'x' .. ARGV[1]
local day = tonumber(ARGV[2])
local fraud = ARGV[3] == '1'
local ttl = tonumber(ARGV[4])

local counted = redis.call('HGET', labels, marker)
local changed = 0
if fraud and not counted then
  redis.call('HINCRBY', labels, 'f' .. day, 1)
  redis.call('HSET', labels, marker, day)
  changed = 1
elseif not fraud and counted then
  if redis.call('HINCRBY', labels, 'f' .. counted, -1) <= 0 then redis.call('HDEL', labels, 'f' .. counted) end
  redis.call('HDEL', labels, marker)
  changed = 1
end
if changed == 1 then
  -- Labels are rare (well under 1% of transactions): a whole-hash pass to drop days that
  -- can no longer fall in a 30-day window costs little.
  local all = redis.call('HGETALL', labels)
  local newest = day
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 1) == 'f' then newest = math.max(newest, tonumber(string.sub(all[i], 2))) end
  end
  for i = 1, #all, 2 do
    local k, v = all[i], all[i + 1]
    local d = string.sub(k, 1, 1) == 'f' and tonumber(string.sub(k, 2)) or tonumber(v)
    if d < newest - 60 then redis.call('HDEL', labels, k) end
  end
  redis.call('EXPIRE', labels, ttl)
end
return changed
