/**
 * `appendEvents`: a batch of audit entries in one command, so the log costs the hot path one
 * write per batch of decisions rather than one per decision.
 *
 * KEYS: the log stream. ARGV: the cap (approximate MAXLEN), then one entry's data per argument.
 * Reply: the number appended.
 */
export const APPEND_EVENTS_LUA = `
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[i])
end
return #ARGV - 1
`;
