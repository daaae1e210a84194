/**
 * `dirCommit`: an optimistic transaction over the directory. All directory keys share the `{d}`
 * hash tag, so on a Cluster this one script can touch them all.
 *
 * KEYS: ver, then one key per op. ARGV: expected version, then per op its name and its value or
 * member ('' for del). Reply: 1 applied, 0 version moved on.
 *
 * Redis does not roll a script back when a command fails half-way, so every op is checked
 * before the first write: a bad op fails the whole commit with nothing applied.
 */
export const DIR_COMMIT_LUA = `
local current = redis.call('GET', KEYS[1]) or '0'
if tonumber(current) ~= tonumber(ARGV[1]) then return 0 end

for i = 2, #KEYS do
  local op = ARGV[2 * i - 2]
  if op == 'zadd' or op == 'zrem' then
    local t = redis.call('TYPE', KEYS[i])['ok']
    if t ~= 'zset' and t ~= 'none' then
      return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is not an ordered list')
    end
  elseif op ~= 'set' and op ~= 'del' then
    return redis.error_reply('ERR unknown directory op ' .. tostring(op))
  end
end

for i = 2, #KEYS do
  local op, arg = ARGV[2 * i - 2], ARGV[2 * i - 1]
  if op == 'set' then
    redis.call('SET', KEYS[i], arg)
  elseif op == 'del' then
    redis.call('DEL', KEYS[i])
  elseif op == 'zadd' then
    redis.call('ZADD', KEYS[i], 0, arg)
  else
    redis.call('ZREM', KEYS[i], arg)
  end
end
redis.call('INCR', KEYS[1])
return 1
`;
