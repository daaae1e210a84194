/**
 * `dirRange`: a page of an ordered list and the directory version, read together so a commit
 * built on the page sees a conflict if anything moved in between.
 *
 * KEYS: list, ver. ARGV: min ('-' or '(' + member), count. Reply: {version, members}.
 */
export const DIR_RANGE_LUA = `
return {redis.call('GET', KEYS[2]) or '0', redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, ARGV[2])}
`;
