import type { FirewallRule } from '../schema/firewall';
import { isIpv4, normaliseIpv6 } from '../net/address';

/**
 * Static questions about one parsed firewall rule: could it see a given probe, and would it refuse?
 * "Could": fields the parser left null (any protocol, any port, any address, an unresolved set, a
 * negated match) count as matching, so this over-approximates; counters (counters.ts) decide.
 */

export interface ProbeShape {
  port: number;
  protocol: 'tcp';
  family: 4 | 6;
  /** The address the probe was sent to; checked against the rule's destinations when given. */
  destination?: string;
  /** The client's address as the server sees it; checked against the rule's sources when given. */
  source?: string;
}

export type RejectKind = 'tcp-reset' | 'port-unreachable' | 'prohibited' | 'host-unreachable' | 'net-unreachable' | 'unknown';

/** The IP families a rule can apply to: its table family, narrowed by its addresses and nft's `meta nfproto`. */
export function ruleFamilies(rule: FirewallRule): ReadonlySet<4 | 6> {
  if (rule.family === 'ip') return new Set([4]);
  if (rule.family === 'ip6') return new Set([6]);
  const both = new Set<4 | 6>([4, 6]);
  if (rule.family !== 'inet' && rule.family !== 'bridge' && rule.family !== 'netdev') return both;
  const text = ` ${rule.text} `;
  if (/ meta nfproto ipv4 /.test(text) || / ip (saddr|daddr|protocol) /.test(text) || / reject with icmp [a-z]/.test(text)) return new Set([4]);
  if (/ meta nfproto ipv6 /.test(text) || / ip6 (saddr|daddr|nexthdr) /.test(text) || / reject with icmpv6 /.test(text)) return new Set([6]);
  const addresses = [...(rule.sources ?? []), ...(rule.destinations ?? [])];
  if (addresses.length > 0) {
    const fams = new Set(addresses.map((a) => (a.includes(':') ? 6 : 4) as 4 | 6));
    if (fams.size === 1) return fams;
  }
  return both;
}

/** True when the rule could match a new TCP connection of this probe (see the file comment). */
export function ruleMatchesProbe(rule: FirewallRule, probe: ProbeShape): boolean {
  if (rule.protocol !== null && rule.protocol !== probe.protocol && rule.protocol !== '6') return false;
  if (!ruleFamilies(rule).has(probe.family)) return false;
  if (rule.dports !== null && !rule.dports.some(([lo, hi]) => probe.port >= lo && probe.port <= hi)) return false;
  if (probe.destination !== undefined && !addressMatches(rule.destinations, probe.destination)) return false;
  if (probe.source !== undefined && !addressMatches(rule.sources, probe.source)) return false;
  return true;
}

/** The rule answers with a refusal (RST or ICMP error), as opposed to a silent drop. */
export function isRejectLike(rule: FirewallRule): boolean {
  return rule.action === 'reject';
}

/** What the client sees from a reject rule, across iptables and nft spellings (catalog §0.1, C1, C2). */
export function rejectKind(rule: FirewallRule): RejectKind | null {
  if (rule.action !== 'reject') return null;
  const w = (rule.rejectWith ?? '').toLowerCase();
  if (w === '') return 'unknown';
  if (/tcp[- ]reset/.test(w)) return 'tcp-reset';
  if (/port-unreachable|port-unreach/.test(w)) return 'port-unreachable';
  if (/prohibited|admin-prohib/.test(w)) return 'prohibited';
  if (/host-unreachable|addr-unreachable|no-route/.test(w)) return 'host-unreachable';
  if (/net-unreachable/.test(w)) return 'net-unreachable';
  return 'unknown';
}

function addressMatches(list: readonly string[] | null, address: string): boolean {
  if (list === null) return true;
  return list.some((entry) => cidrContains(entry, address));
}

/** `entry` is an address, a prefix (a/len) or a range (a-b); unparsable entries count as matching. */
export function cidrContains(entry: string, address: string): boolean {
  const target = addressBits(address);
  if (target === null) return true;
  const range = /^([^-]+)-([^-]+)$/.exec(entry);
  if (range) {
    const lo = addressBits(range[1] ?? '');
    const hi = addressBits(range[2] ?? '');
    if (lo === null || hi === null || lo.v6 !== target.v6) return lo === null || hi === null;
    return target.value >= lo.value && target.value <= hi.value;
  }
  const [addr = '', lenText] = entry.split('/');
  const base = addressBits(addr);
  if (base === null) return true;
  if (base.v6 !== target.v6) return false;
  const width = base.v6 ? 128 : 32;
  const len = lenText === undefined ? width : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > width) return true;
  const shift = BigInt(width - len);
  return base.value >> shift === target.value >> shift;
}

function addressBits(text: string): { v6: boolean; value: bigint } | null {
  const plain = text.trim().replace(/^\[|\]$/g, '');
  if (isIpv4(plain)) return { v6: false, value: plain.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n) };
  const canonical = normaliseIpv6(plain);
  if (canonical === null) return null;
  const groups = expandCanonicalIpv6(canonical);
  return groups === null ? null : { v6: true, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

function expandCanonicalIpv6(canonical: string): number[] | null {
  let body = canonical;
  const mapped = /^::ffff:(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(body);
  if (mapped) {
    const [a, b, c, d] = mapped.slice(1).map(Number) as [number, number, number, number];
    body = `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = body.split('::');
  const h = head === '' ? [] : head.split(':').map((g) => parseInt(g, 16));
  const t = tail === undefined || tail === '' ? [] : tail.split(':').map((g) => parseInt(g, 16));
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...new Array<number>(Math.max(zeros, 0)).fill(0), ...t];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : null;
}
