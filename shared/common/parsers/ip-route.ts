import { z } from 'zod';
import { err, ok, type Result } from '../result';
import { isIpv4, normaliseIpv6 } from '../net/address';

/**
 * Decodes `ip route get T` / `ip -6 route get T` and their `-j` forms (catalog §2.1: `local T dev
 * lo ...` means T belongs to this host). Pure: pass the command's stdout, or its stderr when it
 * failed (concatenating both is fine: an `RTNETLINK answers:` line wins).
 *
 * Failures are typed errors, decoded from the errno text (captured on Linux 6.18):
 * - `network-unreachable`: no route at all (`Network is unreachable`, ENETUNREACH);
 * - `no-route-to-host`: an `unreachable` route matched (EHOSTUNREACH);
 * - `permission-denied`: a `prohibit` route matched (EACCES);
 * - `invalid-argument`: a `blackhole` route matched (EINVAL; also a malformed query);
 * - `rtnetlink-error`: any other `RTNETLINK answers:` text; `ip-error`: ip's own `Error: ...`.
 * Older kernels answered IPv6 queries with the route itself (`unreachable ... error -101`), which
 * decodes as an ok result of type `unreachable`.
 */

export type RouteType = 'local' | 'unicast' | 'unreachable' | 'prohibit' | 'blackhole' | 'other';

export interface IpRoute {
  type: RouteType;
  /** The type word as printed (`local`, `broadcast`, `multicast`, ...); `unicast` when none is printed. */
  rawType: string;
  destination: string;
  family: 4 | 6;
  dev: string | null;
  /** Preferred source address (`src`, JSON `prefsrc`). */
  src: string | null;
  /** Gateway (`via`, JSON `gateway` or `via.host`). */
  via: string | null;
}

export interface IpRouteError {
  code:
    | 'network-unreachable' | 'no-route-to-host' | 'permission-denied' | 'invalid-argument' | 'rtnetlink-error'
    | 'ip-error' | 'empty' | 'bad-output' | 'bad-json';
  message: string;
  line?: number;
}

const routeTypes = new Set(['local', 'unicast', 'broadcast', 'multicast', 'unreachable', 'prohibit', 'blackhole', 'throw', 'nat', 'anycast']);

/** Keywords of the route line that take one value. Other words (flags such as `onlink`) stand alone. */
const valueKeys = new Set([
  'from', 'via', 'dev', 'src', 'table', 'proto', 'metric', 'uid', 'mark', 'pref', 'error', 'scope', 'iif', 'oif', 'tos',
  'dsfield', 'realms', 'expires', 'mtu', 'hoplimit', 'advmss', 'window', 'rtt', 'rttvar', 'rto_min', 'ssthresh', 'cwnd',
  'initcwnd', 'initrwnd', 'quickack', 'congctl', 'features', 'fastopen_no_cookie', 'nhid', 'ipproto', 'sport', 'dport',
]);

const errnoCodes: Record<string, IpRouteError['code']> = {
  'Network is unreachable': 'network-unreachable',
  'No route to host': 'no-route-to-host',
  'Permission denied': 'permission-denied',
  'Invalid argument': 'invalid-argument',
};

export function parseIpRouteGet(text: string): Result<IpRoute, IpRouteError> {
  const failure = errorLine(text);
  if (failure) return err(failure);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    // Continuation lines (`    cache <local>`) are indented; the route is the first line.
    if (raw.trim() === '' || /^\s/.test(raw)) continue;
    const decoded = decodeRouteLine(raw.trim().split(/[ \t]+/));
    if (typeof decoded === 'string') return err({ code: 'bad-output', message: `Line ${i + 1}: ${decoded}: "${raw.slice(0, 120)}"`, line: i + 1 });
    return ok(decoded);
  }
  return err({ code: 'empty', message: 'ip route get printed no route.' });
}

const RouteJson = z.object({
  type: z.string().optional(),
  dst: z.string(),
  dev: z.string().optional(),
  prefsrc: z.string().optional(),
  gateway: z.string().optional(),
  via: z.object({ host: z.string() }).optional(),
});

export function parseIpRouteGetJson(text: string): Result<IpRoute, IpRouteError> {
  const failure = errorLine(text);
  if (failure) return err(failure);
  if (text.trim() === '') return err({ code: 'empty', message: 'ip -j route get printed nothing.' });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return err({ code: 'bad-json', message: `Not JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  const first: unknown = Array.isArray(data) ? data[0] : undefined;
  if (first === undefined) return err({ code: 'empty', message: 'ip -j route get returned no route.' });
  const route = RouteJson.safeParse(first);
  if (!route.success) return err({ code: 'bad-json', message: `Unexpected route object: ${route.error.issues[0]?.message ?? ''}` });
  const r = route.data;
  const destination = canonicalDestination(r.dst);
  if (destination === null) return err({ code: 'bad-output', message: `"${r.dst}" is not an address.` });
  const rawType = r.type ?? 'unicast';
  return ok({
    type: routeType(rawType),
    rawType,
    destination: destination.address,
    family: destination.family,
    dev: r.dev ?? null,
    src: canonicalOrRaw(r.prefsrc),
    via: canonicalOrRaw(r.gateway ?? r.via?.host),
  });
}

function errorLine(text: string): IpRouteError | null {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const printed = (lines[i] ?? '').trim();
    // BusyBox prefixes its messages with "ip: ".
    const line = printed.replace(/^ip: /, '');
    if (line.startsWith('RTNETLINK answers: ')) {
      const reason = line.slice('RTNETLINK answers: '.length);
      return { code: errnoCodes[reason] ?? 'rtnetlink-error', message: printed, line: i + 1 };
    }
    if (line.startsWith('Error: ')) return { code: 'ip-error', message: printed, line: i + 1 };
  }
  return null;
}

function decodeRouteLine(tokens: string[]): IpRoute | string {
  let k = 0;
  let rawType = 'unicast';
  if (routeTypes.has(tokens[0] ?? '')) rawType = tokens[k++] ?? 'unicast';
  const dstText = tokens[k++] ?? '';
  const destination = canonicalDestination(dstText);
  if (destination === null) return `"${dstText}" is not an address`;
  const route: IpRoute = { type: routeType(rawType), rawType, destination: destination.address, family: destination.family, dev: null, src: null, via: null };
  while (k < tokens.length) {
    const key = tokens[k++] ?? '';
    if (!valueKeys.has(key)) continue;
    let value = tokens[k++] ?? '';
    // `via inet6 fe80::1` (an IPv4 route with an IPv6 next hop).
    if (key === 'via' && (value === 'inet' || value === 'inet6')) value = tokens[k++] ?? '';
    if (key === 'dev') route.dev = value;
    else if (key === 'src') route.src = canonicalOrRaw(value);
    else if (key === 'via') route.via = canonicalOrRaw(value);
  }
  return route;
}

function routeType(raw: string): RouteType {
  return raw === 'local' || raw === 'unicast' || raw === 'unreachable' || raw === 'prohibit' || raw === 'blackhole' ? raw : 'other';
}

/** An address (or a prefix, as `route get fibmatch` prints it), canonicalised; `default` has no family and is refused. */
function canonicalDestination(text: string): { address: string; family: 4 | 6 } | null {
  const slash = text.indexOf('/');
  const host = slash >= 0 ? text.slice(0, slash) : text;
  const suffix = slash >= 0 ? text.slice(slash) : '';
  if (suffix !== '' && !/^\/[0-9]{1,3}$/.test(suffix)) return null;
  if (isIpv4(host)) return { address: host + suffix, family: 4 };
  const v6 = normaliseIpv6(host);
  return v6 === null ? null : { address: v6 + suffix, family: 6 };
}

function canonicalOrRaw(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  return isIpv4(text) ? text : (normaliseIpv6(text) ?? text);
}
