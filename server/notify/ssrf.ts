/**
 * Where a notification channel may send (DESIGN.md, "Notification channels"): an `https:` URL
 * whose host is, and resolves to, public addresses only, never loopback, private (RFC 1918),
 * link-local, CGNAT, IPv6 ULA, multicast, reserved or cloud metadata addresses — unless
 * `ALLOW_PRIVATE_TARGETS=true` (intranets, tests), which also allows `http:`.
 *
 * A target is checked twice: when the channel is created (the URL as written, and what its host
 * resolves to then) and at every delivery, after resolving the host again. The delivery then
 * connects to the very address that was checked (`lookup` pinned), so a DNS answer that changes
 * between the check and the connection (DNS rebinding) cannot move it to a private address.
 *
 * Spellings are left to the WHATWG URL parser, which is what `fetch` and Node's HTTP clients
 * follow too: `http://2130706433/`, `http://0x7f.1/` and `http://0177.0.0.1/` all parse to host
 * `127.0.0.1`, and IPv6 literals come back in canonical form. Ranges are matched with Node's
 * `net.BlockList`; only the IPv4 address embedded in NAT64 and 6to4 addresses is taken out by hand.
 * References: RFC 6890 (special-purpose registries), RFC 6052 (NAT64), RFC 3056 (6to4).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Thrown when a target is not allowed; the message is fit for the caller (400) or the delivery log. */
export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
  /** True when the refusal may not last (the host did not resolve now): a delivery retries it. */
  readonly transient: boolean;

  constructor(message: string, options: { transient?: boolean } = {}) {
    super(message);
    this.transient = options.transient ?? false;
  }
}

/** What decides the checks: `ALLOW_PRIVATE_TARGETS`. */
export interface TargetPolicy {
  allowPrivateTargets: boolean;
}

/** A checked destination: the parsed URL and the address a connection must use. */
export interface ResolvedTarget {
  url: URL;
  /** The host without IPv6 brackets, as SNI and the `Host` header carry it. */
  host: string;
  address: string;
  family: 4 | 6;
}

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including 169.254.169.254 (cloud metadata)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 (broadcast)
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated)
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['fc00::', 7], // unique local, including fd00:ec2::254 (AWS metadata over IPv6)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}
// IPv4-mapped addresses (::ffff:a.b.c.d) are matched against the IPv4 rules by BlockList itself.

/**
 * Host names that mean this machine (RFC 6761 `*.localhost`) or a cloud's metadata service
 * (`metadata.google.internal`, `*.internal`), whatever DNS says. `localhost` itself is left to
 * DNS, whose answer (loopback) is refused like any other.
 */
const BLOCKED_NAMES = [/\.localhost$/, /^metadata$/, /^metadata\.google\.internal$/, /\.internal$/];

/**
 * The eight 16-bit groups of an IPv6 address (no zone), or null when it is not one. The URL parser
 * writes it in canonical form first (hex groups only, a dotted IPv4 tail folded into two groups).
 */
function ipv6Groups(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address a NAT64 (64:ff9b::/96, 64:ff9b:1::/48) or 6to4 (2002::/16) address carries. */
function embeddedIPv4(ip: string): string | null {
  const g = ipv6Groups(ip);
  if (!g) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return null;
}

/** True for an address no channel may reach without ALLOW_PRIVATE_TARGETS (loopback, private, metadata, …). */
export function isBlockedAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 4) return BLOCKED.check(ip, 'ipv4');
  if (family !== 6) return true;
  if (BLOCKED.check(ip, 'ipv6')) return true;
  const embedded = embeddedIPv4(ip);
  return embedded !== null && BLOCKED.check(embedded, 'ipv4');
}

/**
 * Checks a URL as written (creation time, and the first step at delivery): parses it, requires
 * `https:` (or `http:` with private targets allowed), refuses IP literals and names that are
 * private whatever DNS answers. Does not resolve the host.
 * @throws TargetRefusedError
 */
export function checkTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefusedError('The target must be an absolute URL such as https://example.com/hook.');
  }
  if (url.protocol !== 'https:' && !(policy.allowPrivateTargets && url.protocol === 'http:')) {
    throw new TargetRefusedError(
      policy.allowPrivateTargets ? 'The target must be an http: or https: URL.' : 'The target must be an https: URL (http: only with ALLOW_PRIVATE_TARGETS=true).',
    );
  }
  if (policy.allowPrivateTargets) return url;
  const host = hostOf(url);
  if (isIP(host)) {
    if (isBlockedAddress(host)) throw refused(host);
  } else if (BLOCKED_NAMES.some((name) => name.test(host))) {
    throw new TargetRefusedError(`The target's host ${host} is a local or metadata name; channels only reach public addresses (ALLOW_PRIVATE_TARGETS=true allows private ones).`);
  }
  return url;
}

/** The URL's host without brackets, lower-case, without a trailing dot. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

const refused = (what: string) =>
  new TargetRefusedError(`The target resolves to ${what}, a loopback, private, link-local or reserved address; channels only reach public addresses (ALLOW_PRIVATE_TARGETS=true allows private ones).`);

/** How host names are resolved (every address of the name); tests and other resolvers may pass their own. */
export type Resolve = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/**
 * Checks a URL and resolves its host (every address): refused when the URL is, or when any of the
 * addresses is blocked (one private answer among public ones is enough for a rebinding attack).
 * Returns the address to connect to.
 * @throws TargetRefusedError
 */
export async function resolveTarget(raw: string, policy: TargetPolicy, resolve: Resolve = systemResolve): Promise<ResolvedTarget> {
  const url = checkTargetUrl(raw, policy);
  const host = hostOf(url);
  const literal = isIP(host);
  if (literal) return { url, host, address: host, family: literal as 4 | 6 };
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await resolve(host);
  } catch (err) {
    throw new TargetRefusedError(`The target's host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, { transient: true });
  }
  if (addresses.length === 0) throw new TargetRefusedError(`The target's host ${host} does not resolve.`, { transient: true });
  if (!policy.allowPrivateTargets) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) throw refused(`${blocked.address} (${host})`);
  }
  const first = addresses[0]!;
  return { url, host, address: first.address.replace(/%.*$/, ''), family: first.family === 6 ? 6 : 4 };
}
