-- Confirmed frauds among this entity's transactions, by the fraud's own UTC day (labels hash,
-- see label.lua), as far as labels have arrived: over the 7 and 30 days ending on t's day; over
-- the whole days [day - delay - w, day - delay - 1] for w = 1, 7 and 30, the windows whose
-- labels have had `delay` days to arrive; and every fraud the hash keeps up to t's day (60 days).
-- Day granularity: labels are rare and arrive days late.
local function frauds(labels, day, delay)
  local f7, f30, d1, d7, d30, known = 0, 0, 0, 0, 0, 0
  local all = redis.call('HGETALL', labels)
  local last = day - delay - 1
  for i = 1, #all, 2 do
    local k = all[i]
    if string.sub(k, 1, 1) == 'f' then
      local d = tonumber(string.sub(k, 2))
      local n = tonumber(all[i + 1])
      if d <= day then
        known = known + n
        if d > day - 30 then f30 = f30 + n end
        if d > day - 7 then f7 = f7 + n end
        if d <= last then
          if d > last - 30 then d30 = d30 + n end
          if d > last - 7 then d7 = d7 + n end
          if d == last then d1 = d1 + n end
        end
      end
    end
  end
  return f7, f30, d1, d7, d30, known
end
