import { IpAllowList, parseIpEntry } from '../src/validation';

describe('IpAllowList', () => {
  it('allows everyone when empty', () => {
    expect(new IpAllowList([]).allows(undefined)).toBe(true);
    expect(new IpAllowList([]).allows('203.0.113.9')).toBe(true);
  });

  it('matches IPv4 addresses and CIDRs, including IPv4-mapped IPv6 from dual-stack sockets', () => {
    const list = new IpAllowList(['10.0.0.0/8', '192.168.1.7']);
    expect(list.allows('10.200.3.4')).toBe(true);
    expect(list.allows('::ffff:10.1.1.1')).toBe(true);
    expect(list.allows('192.168.1.7')).toBe(true);
    expect(list.allows('192.168.1.8')).toBe(false);
    expect(list.allows('11.0.0.1')).toBe(false);
  });

  it('matches IPv6 addresses and prefixes', () => {
    const list = new IpAllowList(['2001:db8::/32', '::1']);
    expect(list.allows('2001:db8:abcd::1')).toBe(true);
    expect(list.allows('::1')).toBe(true);
    expect(list.allows('2001:db9::1')).toBe(false);
  });

  it('refuses unknown or malformed client addresses when a list is set', () => {
    const list = new IpAllowList(['127.0.0.1']);
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows('')).toBe(false);
    expect(list.allows('localhost')).toBe(false);
  });

  it('parses only real addresses and prefixes', () => {
    expect(parseIpEntry('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/8/1', 'example.com', '10.0.0.0/-1', '10.0.0.0/ 8', '']) {
      expect(parseIpEntry(bad)).toBeNull();
    }
  });
});
