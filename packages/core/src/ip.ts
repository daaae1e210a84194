import { BlockList, isIP } from 'node:net';

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what dual-stack sockets report) as plain IPv4. */
function unmap(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

/** Parses `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32` or `::1`; null when it is none of these. */
export function parseIpEntry(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [addr = '', bits, extra] = entry.trim().split('/');
  if (extra !== undefined) return null;
  const address = unmap(addr);
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An allow-list of addresses and CIDR ranges, IPv4 and IPv6. Empty allows everyone. */
export class IpAllowList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const parsed = parseIpEntry(entry);
      if (!parsed) throw new Error(`not an IP address or CIDR: ${entry}`);
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  /** Whether `ip` may enter; an unknown address is refused when the list is not empty. */
  allows(ip: string | undefined): boolean {
    if (this.empty) return true;
    if (!ip) return false;
    const address = unmap(ip);
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
