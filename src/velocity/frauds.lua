-- Confirmed frauds among this entity's transactions of the 7 and 30 UTC days ending on t's day
-- (labels hash, see label.lua). Day granularity: labels are rare and arrive days late.
local function frauds(labels, day)
  local f7, f30 = 0, 0
  local all = redis.call('HGETALL', labels)
  for i = 1, #all, 2 do
    local k = all[i]
    if string.sub(k, 1, 1) == 'f' then
      local d = tonumber(string.sub(k, 2))
      local n = tonumber(all[i + 1])
      if d <= day and d > day - 30 then f30 = f30 + n end
      if d <= day and d > day - 7 then f7 = f7 + n end
    end
  end
  return f7, f30
end
