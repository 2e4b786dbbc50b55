// The SSRF guard for every URL the server itself fetches (callbacks, media by URL, LLM
// endpoints): which addresses a request may reach. Pure functions; safe-fetch.ts applies
// them to every address a host name resolves to, and again on each redirect.
import net from 'node:net';

export class BlockedAddressError extends Error {
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`refusing to fetch ${target}: ${reason}`);
    this.name = 'BlockedAddressError';
  }
}

// [network, prefix length, why]. IPv4 ranges that are not the public internet: loopback,
// RFC 1918, link-local (cloud metadata lives at 169.254.169.254), CGNAT, "this network",
// benchmarking, documentation, multicast and reserved.
const V4_BLOCKED: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local / metadata'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const v4ToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

function v4Blocked(ip: string): string | undefined {
  const n = v4ToInt(ip);
  for (const [base, bits, why] of V4_BLOCKED) {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base);
    if (n >= start && n < start + size) return why;
  }
  return undefined;
}

/** Expands an IPv6 address to its 8 groups (numbers). */
function v6Groups(ip: string): number[] | undefined {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two groups.
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const n = v4ToInt(m[2] as string);
    s = `${m[1]}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = s.includes('::') ? 8 - h.length - t.length : 0;
  const parts = [...h, ...Array<string>(fill).fill('0'), ...t];
  if (parts.length !== 8) return undefined;
  return parts.map((p) => Number.parseInt(p || '0', 16));
}

function v6Blocked(ip: string): string | undefined {
  const g = v6Groups(ip);
  if (!g) return 'unparseable IPv6 address';
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g6 = 0, h = 0] = g;
  if (g.every((x) => x === 0)) return 'unspecified';
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0 && g6 === 0 && h === 1)
    return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible: judge the embedded IPv4 address.
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && (f === 0xffff || f === 0)) {
    const v4 = `${g6 >> 8}.${g6 & 0xff}.${h >> 8}.${h & 0xff}`;
    return v4Blocked(v4);
  }
  // NAT64 well-known prefix 64:ff9b::/96 embeds IPv4 too.
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) {
    return v4Blocked(`${g6 >> 8}.${g6 & 0xff}.${h >> 8}.${h & 0xff}`);
  }
  if ((a & 0xfe00) === 0xfc00) return 'unique local (private)';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'site-local';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  if (a === 0x2001 && b === 0x0db8) return 'documentation';
  return undefined;
}

/** Why `ip` must not be fetched, or undefined when it is a public address. */
export function blockedReason(ip: string): string | undefined {
  const family = net.isIP(ip);
  if (family === 4) return v4Blocked(ip);
  if (family === 6) return v6Blocked(ip);
  return 'not an IP address';
}

export interface UrlCheckOptions {
  /** Config `allowPrivateFetch`: loopback and private networks become reachable (dev, tests). */
  allowPrivate: boolean;
}

/**
 * Checks a URL's shape before any resolution: http(s) only, no credentials in it.
 * Returns the parsed URL or throws BlockedAddressError.
 */
export function checkUrlShape(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new BlockedAddressError(raw, 'not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new BlockedAddressError(raw, 'only http and https');
  if (u.username || u.password) throw new BlockedAddressError(raw, 'credentials in the URL');
  return u;
}

/** Throws BlockedAddressError when `ip` (one resolved address of `target`) is not allowed. */
export function checkAddress(target: string, ip: string, opts: UrlCheckOptions): void {
  if (opts.allowPrivate) return;
  const why = blockedReason(ip);
  if (why) throw new BlockedAddressError(target, `${ip} is ${why}`);
}
