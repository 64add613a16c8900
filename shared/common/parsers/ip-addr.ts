import { z } from 'zod';
import { err, ok, type Result } from '../result';
import { isIpv4, normaliseIpv6 } from '../net/address';

/**
 * Decodes the host's interface addresses (catalog §2.1 "Interfaces / is T mine?", §2.2). Pure.
 *
 * - `ip -j addr show` (iproute2 JSON): the preferred form.
 * - `ip -o addr show` (one line per address, also BusyBox `ip -o addr`, which has no -j).
 *   One-line output says nothing about the link, so `state` and `flags` are null there, unless
 *   the text also holds `ip -o link show` lines (`2: eth0: <BROADCAST,UP,...> ... state UP ...`).
 *   Interfaces without addresses appear only through such link lines.
 *
 * A tentative or dadfailed address cannot be bound (bind fails with EADDRNOTAVAIL), which is why
 * those flags are kept; a deprecated one can still be bound and reached.
 */

export interface IpAddress {
  /** Canonical text (RFC 5952 for IPv6); for a point-to-point address, the local end. */
  address: string;
  prefixlen: number;
  family: 4 | 6;
  /** `host`, `link`, `global`, `site`, or a number for scopes ip has no name for. */
  scope: string;
  secondary: boolean;
  /** Duplicate address detection has not finished (e.g. the link is down): not usable yet. */
  tentative: boolean;
  dadfailed: boolean;
  deprecated: boolean;
  /** IPv4 label (`eth0`, `eth0:web`); null for IPv6 or when not shown. */
  label: string | null;
  /** The far end of a point-to-point address (`inet 10.0.0.1 peer 10.0.0.2/32`). */
  peer: string | null;
}

export interface IpInterface {
  ifname: string;
  ifindex: number;
  /** Operational state (`UP`, `DOWN`, `UNKNOWN` for loopback); null when the source lacks it. */
  state: string | null;
  /** Link flags (`UP`, `LOWER_UP`, `LOOPBACK`, ...); `UP` means administratively up. */
  flags: string[] | null;
  addresses: IpAddress[];
}

export interface IpAddrParseError {
  code: 'bad-json' | 'bad-shape' | 'bad-line' | 'bad-address';
  message: string;
  line?: number;
}

const AddrInfoJson = z.object({
  family: z.string(),
  local: z.string().optional(),
  address: z.string().optional(),
  prefixlen: z.number().int().min(0).max(128),
  scope: z.union([z.string(), z.number()]).optional(),
  label: z.string().optional(),
  secondary: z.boolean().optional(),
  tentative: z.boolean().optional(),
  dadfailed: z.boolean().optional(),
  deprecated: z.boolean().optional(),
});

const LinkJson = z.object({
  // An interface index: a non-negative signed 32-bit number (the kernel's start at 1).
  ifindex: z.number().int().min(0).max(0x7fffffff),
  ifname: z.string(),
  flags: z.array(z.string()).optional(),
  operstate: z.string().optional(),
  addr_info: z.array(z.unknown()).optional(),
});

export function parseIpAddrJson(text: string): Result<IpInterface[], IpAddrParseError> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return err({ code: 'bad-json', message: `Not JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  if (!Array.isArray(data)) return err({ code: 'bad-shape', message: 'Expected a JSON array of interfaces (ip -j addr show).' });
  const out: IpInterface[] = [];
  for (const [index, item] of data.entries()) {
    // Some iproute2 releases print `{}` for interfaces a filter (-4, -6, to PREFIX) left out.
    if (item !== null && typeof item === 'object' && Object.keys(item).length === 0) continue;
    const link = LinkJson.safeParse(item);
    if (!link.success) return err({ code: 'bad-shape', message: `Interface #${index}: ${link.error.issues[0]?.message ?? 'invalid'} (needs ifindex and ifname).` });
    const addresses: IpAddress[] = [];
    for (const raw of link.data.addr_info ?? []) {
      const info = AddrInfoJson.safeParse(raw);
      if (!info.success) return err({ code: 'bad-shape', message: `${link.data.ifname}: an addr_info entry is invalid: ${info.error.issues[0]?.message ?? ''}` });
      const a = info.data;
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      const family = a.family === 'inet' ? 4 : 6;
      const local = canonical(a.local ?? a.address ?? '', family);
      if (local === null) return err({ code: 'bad-address', message: `${link.data.ifname}: "${a.local ?? a.address ?? ''}" is not an IPv${family} address.` });
      // The schema allows 0..128 for both families, as ip prints; an IPv4 prefix past 32 is not one.
      if (family === 4 && a.prefixlen > 32) return err({ code: 'bad-address', message: `${link.data.ifname}: "${local}/${a.prefixlen}" has an IPv4 prefix length past 32.` });
      const peer = a.local !== undefined && a.address !== undefined && a.address !== a.local ? canonical(a.address, family) : null;
      addresses.push({
        address: local,
        prefixlen: a.prefixlen,
        family,
        scope: a.scope === undefined ? 'global' : String(a.scope),
        secondary: a.secondary === true,
        tentative: a.tentative === true,
        dadfailed: a.dadfailed === true,
        deprecated: a.deprecated === true,
        label: family === 4 ? (a.label ?? null) : null,
        peer,
      });
    }
    out.push({ ifname: link.data.ifname, ifindex: link.data.ifindex, state: link.data.operstate ?? null, flags: link.data.flags ?? null, addresses });
  }
  return ok(out);
}

/** Flag words ip prints after `scope X` (iproute2 and BusyBox); anything else on an inet line is the label. */
const flagWords = new Set([
  'secondary', 'temporary', 'primary', 'tentative', 'deprecated', 'dadfailed', 'nodad', 'optimistic', 'home',
  'mngtmpaddr', 'noprefixroute', 'autojoin', 'dynamic', 'permanent', 'stable-privacy',
]);
/** Keywords followed by one value. */
const valueWords = new Set(['peer', 'brd', 'any', 'scope', 'metric', 'proto', 'flags', 'valid_lft', 'preferred_lft']);

// IFA_F_* bits, for BusyBox, which prints flags it has no word for as `flags HEX`.
const IFA_F_DADFAILED = 0x08;
const IFA_F_DEPRECATED = 0x20;
const IFA_F_TENTATIVE = 0x40;

export function parseIpAddrOneline(text: string): Result<IpInterface[], IpAddrParseError> {
  const byIndex = new Map<number, IpInterface>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    // Everything from the first backslash is the folded continuation (lifetimes, link/ether ...).
    const full = (lines[i] ?? '').replace(/\r$/, '');
    const backslash = full.indexOf('\\');
    const head = (backslash >= 0 ? full.slice(0, backslash) : full).trim();
    if (head === '') continue;
    const bad = (code: IpAddrParseError['code'], message: string) =>
      err({ code, message: `Line ${lineNo}: ${message}: "${head.slice(0, 120)}"`, line: lineNo });
    const tokens = head.split(/[ \t]+/);
    const indexText = tokens[0] ?? '';
    if (!/^[0-9]{1,10}:$/.test(indexText) || tokens.length < 2) return bad('bad-line', 'expected "INDEX: IFNAME ..."');
    const ifindex = Number(indexText.slice(0, -1));
    const nameToken = tokens[1] ?? '';
    if (nameToken.endsWith(':')) {
      // An `ip -o link show` line: "2: pw0@pw0p: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ... state UP ..."
      const ifname = nameToken.slice(0, -1).split('@')[0] ?? '';
      const flagsToken = tokens[2] ?? '';
      const flags = flagsToken.startsWith('<') && flagsToken.endsWith('>') ? flagsToken.slice(1, -1).split(',').filter((f) => f !== '') : null;
      const stateAt = tokens.indexOf('state');
      const iface = entry(byIndex, ifindex, ifname);
      iface.flags = flags;
      iface.state = stateAt > 0 ? (tokens[stateAt + 1] ?? null) : null;
      continue;
    }
    const familyWord = tokens[2];
    if (familyWord !== 'inet' && familyWord !== 'inet6') continue; // link/ether and other families
    const family = familyWord === 'inet' ? 4 : 6;
    const decoded = decodeAddressTokens(tokens.slice(3), family, nameToken);
    if (typeof decoded === 'string') return bad('bad-address', decoded);
    entry(byIndex, ifindex, nameToken).addresses.push(decoded);
  }
  return ok([...byIndex.values()]);
}

function decodeAddressTokens(tokens: string[], family: 4 | 6, ifname: string): IpAddress | string {
  const first = splitPrefix(tokens[0] ?? '', family);
  if (first === null) return `"${tokens[0] ?? ''}" is not an IPv${family} address`;
  const address: IpAddress = {
    address: first.address,
    prefixlen: first.prefixlen,
    family,
    scope: 'global',
    secondary: false,
    tentative: false,
    dadfailed: false,
    deprecated: false,
    label: null,
    peer: null,
  };
  for (let k = 1; k < tokens.length; k++) {
    const word = tokens[k] ?? '';
    if (valueWords.has(word)) {
      const value = tokens[++k] ?? '';
      if (word === 'scope') address.scope = value;
      else if (word === 'peer') {
        const peer = splitPrefix(value, family);
        if (peer === null) return `peer "${value}" is not an IPv${family} address`;
        address.peer = peer.address;
        address.prefixlen = peer.prefixlen;
      } else if (word === 'flags' && /^[0-9a-fA-F]{1,8}$/.test(value)) {
        const bits = parseInt(value, 16);
        address.tentative ||= (bits & IFA_F_TENTATIVE) !== 0;
        address.dadfailed ||= (bits & IFA_F_DADFAILED) !== 0;
        address.deprecated ||= (bits & IFA_F_DEPRECATED) !== 0;
      }
      continue;
    }
    if (word === 'secondary') address.secondary = true;
    else if (word === 'tentative') address.tentative = true;
    else if (word === 'dadfailed') address.dadfailed = true;
    else if (word === 'deprecated') address.deprecated = true;
    else if (!flagWords.has(word) && family === 4 && (word === ifname || word.startsWith(`${ifname}:`))) address.label = word;
    // Unknown words (flags of newer releases) are tolerated.
  }
  return address;
}

function splitPrefix(text: string, family: 4 | 6): { address: string; prefixlen: number } | null {
  const slash = text.indexOf('/');
  const host = slash >= 0 ? text.slice(0, slash) : text;
  const max = family === 4 ? 32 : 128;
  const lenText = slash >= 0 ? text.slice(slash + 1) : String(max);
  if (!/^[0-9]{1,3}$/.test(lenText) || Number(lenText) > max) return null;
  const address = canonical(host, family);
  return address === null ? null : { address, prefixlen: Number(lenText) };
}

function canonical(text: string, family: 4 | 6): string | null {
  if (family === 4) return isIpv4(text) ? text : null;
  return normaliseIpv6(text);
}

function entry(map: Map<number, IpInterface>, ifindex: number, ifname: string): IpInterface {
  let iface = map.get(ifindex);
  if (!iface) {
    iface = { ifname, ifindex, state: null, flags: null, addresses: [] };
    map.set(ifindex, iface);
  }
  return iface;
}
