import { normaliseIpv6 } from '../../common/net/address';
import type { ProxySettings } from '../../common/schema/proxy';
import type { Target } from '../../common/schema/target';

const proxyVariables = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY'] as const;

/**
 * Removes `user:password@` from a proxy value, with or without a scheme (curl accepts both): the
 * report must never carry a proxy credential. The userinfo ends at the authority's last `@`, as URL
 * parsers read it, so an `@` inside the password cannot leave part of it behind.
 */
export function stripCredentials(value: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
  const rest = value.slice(scheme.length);
  const slash = rest.search(/[/?#]/);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  return at < 0 ? value : scheme + rest.slice(at + 1);
}

function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  // Lower case wins, as in curl: many tools ignore upper-case HTTP_PROXY for security reasons.
  const value = env[name.toLowerCase()] ?? env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Does a NO_PROXY list exempt this host? Returns the matching entry. */
export function noProxyMatch(noProxy: string, host: string): string | null {
  const h = normaliseIpv6(host) ?? host.toLowerCase();
  for (const rawEntry of noProxy.split(/[\s,]+/)) {
    const entry = noProxyHost(rawEntry.trim().toLowerCase());
    if (entry === '') continue;
    if (normaliseIpv6(entry) !== null) {
      if (normaliseIpv6(entry) === h) return rawEntry;
      continue;
    }
    if (entry === '*') return rawEntry;
    if (entry.includes('/')) {
      if (ipv4InCidr(h, entry)) return rawEntry;
      continue;
    }
    const bare = entry.replace(/^\*?\./, '');
    if (h === bare || h.endsWith(`.${bare}`)) return rawEntry;
  }
  return null;
}

/** The host part of a NO_PROXY entry: `[v6]:port` -> v6, `host:port` -> host, a bare IPv6 stays whole. */
function noProxyHost(entry: string): string {
  if (entry.startsWith('[')) return entry.slice(1, entry.indexOf(']') < 0 ? undefined : entry.indexOf(']'));
  return entry.split(':').length === 2 ? entry.replace(/:\d*$/, '') : entry;
}

function ipv4InCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const toInt = (a: string) => {
    const p = a.split('.').map(Number);
    return p.length === 4 && p.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0 : null;
  };
  const a = toInt(address);
  const b = base === undefined ? null : toInt(base);
  const bits = Number(bitsText);
  if (a === null || b === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/**
 * The proxy settings that could apply to the target. Pure over the given environment. Which proxy an
 * application picks depends on its scheme; for a plain TCP target the HTTPS proxy is assumed for
 * port 443, the HTTP proxy for 80, and ALL_PROXY otherwise.
 */
export function proxySettingsFor(target: Target, env: NodeJS.ProcessEnv): ProxySettings {
  const variables = proxyVariables.flatMap((name) => {
    const value = readVariable(env, name);
    return value === undefined ? [] : [{ name, value: stripCredentials(value) }];
  });
  const get = (name: string) => variables.find((v) => v.name === name)?.value;
  const noProxy = get('NO_PROXY');
  const match = noProxy === undefined ? null : noProxyMatch(noProxy, target.host);
  const candidate = target.port === 443 ? (get('HTTPS_PROXY') ?? get('ALL_PROXY')) : target.port === 80 ? (get('HTTP_PROXY') ?? get('ALL_PROXY')) : get('ALL_PROXY');
  return { variables, proxyForTarget: match === null ? (candidate ?? null) : null, noProxyMatch: match };
}
