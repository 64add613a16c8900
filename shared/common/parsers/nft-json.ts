import type { FirewallChain, FirewallRule, FirewallSnapshot, RuleAction } from '../schema/firewall';
import { err, ok, type Result } from '../result';
import { intersectPortRanges, normaliseProtocol } from './iptables-save';

/**
 * Decodes `nft -j list ruleset` (catalog C2, §4.6). Pure: the caller runs the command.
 * Every rule's `expr` array becomes one FirewallRule, with a `text` rebuilt in nft's own listing
 * style (`tcp dport 8084 counter packets 3 bytes 180 reject with tcp reset`). Named sets (`@name`)
 * stay `@name` in the text and are resolved from the same listing when their elements are there.
 * Tables written by iptables-nft carry `xt` expressions whose details (comments, multiport ports,
 * REJECT type, DNAT address) are not in the JSON: such matches are left as "any" and a warning
 * says to read them with iptables-nft-save (catalog §4.5). Base chains have no counters in nft.
 */

export interface NftJsonError {
  code: 'needs-privilege' | 'invalid-json' | 'not-nft-json' | 'unsupported-schema';
  message: string;
  line?: number;
}

type PortRange = [number, number];
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
// Safe integers only: past 2^53 a number is not exact (and the snapshot schema refuses it).
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
/** A counter: exact and not negative, else unknown (null), as a rule without `counter` has. */
const counter = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

const PRIVILEGE = /Operation not permitted|you must be root|cache initialization failed/i;

interface NamedSet {
  type: string | null;
  elements: Json[] | null;
}

export function parseNftJson(text: string): Result<FirewallSnapshot, NftJsonError> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    if (PRIVILEGE.test(trimmed)) return err({ code: 'needs-privilege', message: `nft needs root (CAP_NET_ADMIN): "${firstLine(trimmed)}"` });
    return err({ code: 'not-nft-json', message: `This is not nft -j output (it does not start with "{"): "${firstLine(trimmed)}"` });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch (e) {
    return err({ code: 'invalid-json', message: `nft -j output is not valid JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  if (!isObject(doc) || !Array.isArray(doc.nftables)) {
    return err({ code: 'not-nft-json', message: 'The JSON has no top-level "nftables" array.' });
  }
  const items = doc.nftables;
  const meta = items.find((o) => isObject(o) && isObject(o.metainfo));
  const schema = isObject(meta) && isObject(meta.metainfo) ? meta.metainfo.json_schema_version : undefined;
  if (typeof schema === 'number' && schema !== 1) {
    return err({ code: 'unsupported-schema', message: `nft JSON schema version ${schema} is not supported (expected 1).` });
  }

  const sets = new Map<string, NamedSet>();
  for (const o of items) {
    if (!isObject(o) || !isObject(o.set)) continue;
    const s = o.set;
    const key = `${str(s.family)}|${str(s.table)}|${str(s.name)}`;
    sets.set(key, { type: str(s.type), elements: Array.isArray(s.elem) ? s.elem : null });
  }

  const chains: FirewallChain[] = [];
  const rules: FirewallRule[] = [];
  const warnings: string[] = [];
  const perChain = new Map<string, number>();
  const xtTables = new Set<string>();

  for (const o of items) {
    if (!isObject(o)) continue;
    if (isObject(o.chain)) {
      const c = o.chain;
      const family = str(c.family);
      const table = str(c.table);
      const name = str(c.name);
      if (family === null || table === null || name === null) continue;
      const hook = str(c.hook);
      chains.push({
        source: 'nft', family, table, chain: name,
        hook, priority: hook !== null ? int(c.prio) : null, policy: hook !== null ? str(c.policy) : null,
        packets: null, bytes: null,
      });
    } else if (isObject(o.rule)) {
      const r = o.rule;
      const family = str(r.family);
      const table = str(r.table);
      const chain = str(r.chain);
      if (family === null || table === null || chain === null) continue;
      const key = `${family}|${table}|${chain}`;
      const index = (perChain.get(key) ?? 0) + 1;
      perChain.set(key, index);
      const decoded = decodeRule(family, table, Array.isArray(r.expr) ? r.expr : [], sets);
      const comment = str(r.comment);
      const textParts = [decoded.text];
      if (comment !== null) textParts.push(`comment ${quote(comment)}`);
      rules.push({
        source: 'nft', family, table, chain, index, handle: int(r.handle),
        text: textParts.filter((p) => p !== '').join(' '),
        packets: decoded.packets, bytes: decoded.bytes, action: decoded.action, target: decoded.target,
        rejectWith: decoded.rejectWith, protocol: decoded.protocol, dports: decoded.dports,
        sources: decoded.sources, destinations: decoded.destinations, inInterface: decoded.inInterface, comment,
      });
      for (const name of decoded.unresolvedSets) {
        warnings.push(`${family} ${table} ${chain} rule ${index}: set @${name} is not in this listing; the rule is treated as matching any value there.`);
      }
      if (decoded.usesXt) xtTables.add(`${family} ${table}`);
    }
  }
  for (const t of xtTables) {
    warnings.push(`table ${t} uses iptables-nft (xt) expressions: comments, multiport ports, REJECT types and NAT targets are not in nft's JSON; read it with iptables-nft-save -c.`);
  }
  return ok({ source: 'nft', chains, rules, warnings });
}

interface DecodedRule {
  text: string;
  packets: number | null;
  bytes: number | null;
  action: RuleAction;
  target: string | null;
  rejectWith: string | null;
  protocol: string | null;
  dports: PortRange[] | null;
  sources: string[] | null;
  destinations: string[] | null;
  inInterface: string | null;
  unresolvedSets: string[];
  usesXt: boolean;
}

const VERDICTS: Record<string, RuleAction> = { accept: 'accept', drop: 'drop', return: 'return', continue: 'none', queue: 'queue' };
const XT_TARGETS: Record<string, RuleAction> = {
  ACCEPT: 'accept', DROP: 'drop', REJECT: 'reject', DNAT: 'dnat', SNAT: 'snat', MASQUERADE: 'masquerade',
  REDIRECT: 'redirect', RETURN: 'return', LOG: 'log', NFLOG: 'log', NFQUEUE: 'queue',
};
const L4 = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite']);
// What nft prints as a bare `reject` in each family.
const DEFAULT_REJECT: Record<string, string> = { ip: 'icmp', ip6: 'icmpv6', inet: 'icmpx', bridge: 'icmpx', netdev: 'icmpx' };

function decodeRule(family: string, table: string, expr: readonly Json[], sets: ReadonlyMap<string, NamedSet>): DecodedRule {
  const out: DecodedRule = {
    text: '', packets: null, bytes: null, action: 'none', target: null, rejectWith: null, protocol: null,
    dports: null, sources: null, destinations: null, inInterface: null, unresolvedSets: [], usesXt: false,
  };
  const parts: string[] = [];
  let sawLog = false;
  const lookup = (name: string): NamedSet | null => sets.get(`${family}|${table}|${name}`) ?? null;

  for (const statement of expr) {
    if (!isObject(statement)) continue;
    const [kind] = Object.keys(statement);
    if (kind === undefined) continue;
    const v = statement[kind];
    switch (kind) {
      case 'match': {
        if (!isObject(v)) break;
        const op = str(v.op) ?? '==';
        const left = v.left ?? null;
        const right = v.right ?? null;
        const shown = isInterfaceName(left) && typeof right === 'string' ? quote(right) : renderValue(right);
        parts.push(`${renderExpr(left)} ${op === '==' || op === 'in' ? '' : `${op} `}${shown}`);
        applyMatch(out, left, right, op === '==' || op === 'in', lookup);
        break;
      }
      case 'counter':
        if (isObject(v)) {
          out.packets = counter(v.packets);
          out.bytes = counter(v.bytes);
          parts.push(`counter packets ${out.packets ?? 0} bytes ${out.bytes ?? 0}`);
        } else {
          parts.push(typeof v === 'string' ? `counter name ${quote(v)}` : 'counter');
        }
        break;
      case 'accept': case 'drop': case 'return': case 'continue': case 'queue':
        out.action = VERDICTS[kind] ?? 'other';
        parts.push(kind);
        break;
      case 'reject': {
        out.action = 'reject';
        const type = isObject(v) ? str(v.type) : null;
        const code = isObject(v) ? str(v.expr) : null;
        const dflt = DEFAULT_REJECT[family] ?? 'icmpx';
        if (type === 'tcp reset') {
          out.rejectWith = 'tcp reset';
          parts.push('reject with tcp reset');
        } else if (type === null || (type === dflt && (code === null || code === 'port-unreachable'))) {
          out.rejectWith = `${dflt} port-unreachable`;
          parts.push('reject');
        } else {
          out.rejectWith = `${type} ${code ?? 'port-unreachable'}`;
          parts.push(`reject with ${out.rejectWith}`);
        }
        break;
      }
      case 'jump': case 'goto': {
        const target = isObject(v) ? str(v.target) : null;
        out.action = kind;
        out.target = target;
        parts.push(`${kind} ${target ?? '?'}`);
        break;
      }
      case 'dnat': case 'snat': {
        out.action = kind;
        const addr = isObject(v) ? v.addr : undefined;
        const port = isObject(v) ? v.port : undefined;
        const fam = isObject(v) ? str(v.family) : null;
        const addrText = addr === undefined || addr === null ? '' : renderValue(addr);
        const portText = port === undefined || port === null ? '' : renderValue(port);
        const host = addrText.includes(':') && portText !== '' ? `[${addrText}]` : addrText;
        const to = portText !== '' ? `${host}:${portText}` : host;
        out.target = to === '' ? null : to;
        parts.push(`${kind}${fam !== null ? ` ${fam}` : ''} to ${to}`);
        break;
      }
      case 'redirect': case 'masquerade': {
        out.action = kind;
        const port = isObject(v) ? v.port : undefined;
        if (port !== undefined && port !== null) {
          out.target = `:${renderValue(port)}`;
          parts.push(`${kind} to :${renderValue(port)}`);
        } else {
          parts.push(kind);
        }
        break;
      }
      case 'log': {
        sawLog = true;
        const bits = ['log'];
        if (isObject(v)) {
          if (typeof v.prefix === 'string') bits.push(`prefix ${quote(v.prefix)}`);
          if (v.level !== undefined && v.level !== null) bits.push(`level ${renderValue(v.level)}`);
          if (v.group !== undefined && v.group !== null) bits.push(`group ${renderValue(v.group)}`);
        }
        parts.push(bits.join(' '));
        break;
      }
      case 'limit': {
        if (!isObject(v)) {
          parts.push('limit');
          break;
        }
        const over = v.inv === true ? 'over ' : '';
        const unit = typeof v.rate_unit === 'string' && v.rate_unit !== 'packets' ? ` ${v.rate_unit}` : '';
        const burst = typeof v.burst === 'number' && v.burst > 0 ? ` burst ${v.burst}${unit === '' ? ' packets' : ` ${String(v.burst_unit ?? 'bytes')}`}` : '';
        parts.push(`limit rate ${over}${renderValue(v.rate ?? null)}${unit}/${renderValue(v.per ?? null)}${burst}`);
        break;
      }
      case 'xt': {
        out.usesXt = true;
        const type = isObject(v) ? str(v.type) : null;
        const name = isObject(v) ? str(v.name) : null;
        if (type === 'target' && name !== null) {
          out.action = XT_TARGETS[name] ?? 'other';
          if (out.action === 'reject') out.rejectWith = null; // the REJECT type is not in the JSON
        }
        parts.push(`xt ${type ?? '?'} ${quote(name ?? '?')}`);
        break;
      }
      case 'vmap': {
        out.action = 'other';
        parts.push(isObject(v) ? `${renderExpr(v.key ?? null)} vmap ${renderValue(v.data ?? null)}` : 'vmap');
        break;
      }
      default:
        parts.push(v === null || v === undefined ? kind : `${kind} ${renderValue(v)}`);
    }
  }
  if (out.action === 'none' && sawLog) out.action = 'log';
  out.text = parts.map((p) => p.trim()).filter((p) => p !== '').join(' ');
  return out;
}

function applyMatch(
  out: DecodedRule, left: Json, right: Json, positive: boolean, lookup: (name: string) => NamedSet | null,
): void {
  // A negated match ("tcp dport != 22") cannot be expressed: leave the field as "any".
  if (!isObject(left)) return;
  const resolve = (value: Json): Json | null => {
    const name = typeof value === 'string' && value.startsWith('@') ? value.slice(1) : null;
    if (name === null) return value;
    const set = lookup(name);
    if (set?.elements == null) {
      out.unresolvedSets.push(name);
      return null;
    }
    return { set: set.elements };
  };
  if (isObject(left.payload)) {
    const protocol = str(left.payload.protocol);
    const field = str(left.payload.field);
    if (protocol === null || field === null) return;
    if (L4.has(protocol) || protocol === 'icmp' || protocol === 'icmpv6') {
      out.protocol = protocol === 'icmpv6' ? 'ipv6-icmp' : protocol;
    }
    if (!positive) return;
    if (field === 'dport' && (L4.has(protocol) || protocol === 'th')) {
      const value = resolve(right);
      const ports = value === null ? null : portRanges(value);
      if (ports !== null) out.dports = out.dports === null ? ports : intersectPortRanges(out.dports, ports);
    } else if ((protocol === 'ip' || protocol === 'ip6') && (field === 'saddr' || field === 'daddr')) {
      const value = resolve(right);
      const addresses = value === null ? null : addressList(value);
      if (addresses !== null) {
        if (field === 'saddr') out.sources = addresses;
        else out.destinations = addresses;
      }
    } else if ((protocol === 'ip' && field === 'protocol') || (protocol === 'ip6' && field === 'nexthdr')) {
      if (typeof right === 'string' || typeof right === 'number') out.protocol = normaliseProtocol(right);
    }
  } else if (isObject(left.meta)) {
    const key = str(left.meta.key);
    if (!positive) return;
    if (key === 'l4proto') {
      if (typeof right === 'string' || typeof right === 'number') {
        const p = normaliseProtocol(right);
        out.protocol = p === 'icmpv6' ? 'ipv6-icmp' : p;
      }
    } else if ((key === 'iifname' || key === 'iif') && typeof right === 'string') {
      out.inInterface = right;
    }
  }
}

const UNQUALIFIED_META = new Set(['iifname', 'oifname', 'iif', 'oif']);

function isInterfaceName(left: Json): boolean {
  return isObject(left) && isObject(left.meta) && (left.meta.key === 'iifname' || left.meta.key === 'oifname');
}

/** A whole number from 0 to 65535: anything else in a port match is not a port (the rule is read as any port). */
const isPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;

function portRanges(value: Json): PortRange[] | null {
  if (typeof value === 'number') return isPort(value) ? [[value, value]] : null;
  if (isObject(value)) {
    if (Array.isArray(value.range)) {
      const [a, b] = value.range;
      return isPort(a) && isPort(b) ? [[Math.min(a, b), Math.max(a, b)]] : null;
    }
    if (Array.isArray(value.set)) {
      const out: PortRange[] = [];
      for (const element of value.set) {
        const r = portRanges(unwrapElem(element));
        if (r === null) return null; // a service name or something unknown: treat the rule as any port
        out.push(...r);
      }
      return out;
    }
  }
  return null;
}

function addressList(value: Json): string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return flatAddresses(value);
  if (isObject(value)) {
    if (isObject(value.prefix)) {
      const addr = str(value.prefix.addr);
      const len = int(value.prefix.len);
      return addr !== null && len !== null ? [`${addr}/${len}`] : null;
    }
    if (Array.isArray(value.range)) return [value.range.map((x) => renderValue(x)).join('-')];
    if (Array.isArray(value.set)) return flatAddresses(value.set);
  }
  return null;
}

function flatAddresses(values: readonly Json[]): string[] | null {
  const out: string[] = [];
  for (const element of values) {
    const one = addressList(unwrapElem(element));
    if (one === null) return null;
    out.push(...one);
  }
  return out;
}

/** Set elements with options (timeout, comment) are wrapped as {"elem": {"val": ...}}. */
function unwrapElem(e: Json): Json {
  return isObject(e) && isObject(e.elem) ? (e.elem.val ?? null) : e;
}


/** The left-hand side of a match, as nft lists it. */
function renderExpr(e: Json): string {
  if (!isObject(e)) return renderValue(e);
  if (isObject(e.payload)) {
    const p = e.payload;
    if (typeof p.protocol === 'string') return `${p.protocol} ${String(p.field ?? '?')}`;
    return `@${String(p.base ?? '?')},${String(p.offset ?? '?')},${String(p.len ?? '?')}`;
  }
  if (isObject(e.meta)) {
    const key = String(e.meta.key ?? '?');
    // nft lists interface keys without the word "meta" (iifname "lo"), the others with it.
    return UNQUALIFIED_META.has(key) ? key : `meta ${key}`;
  }
  if (isObject(e.ct)) return `ct ${e.ct.dir !== undefined ? `${String(e.ct.dir)} ` : ''}${String(e.ct.key ?? '?')}`;
  if (isObject(e.fib)) {
    const flags = Array.isArray(e.fib.flags) ? e.fib.flags.map(String).join(' . ') : '';
    return `fib ${flags} ${String(e.fib.result ?? '')}`.replace(/\s+/g, ' ').trim();
  }
  if (isObject(e.rt)) return `rt ${String(e.rt.key ?? '?')}`;
  if (isObject(e.socket)) return `socket ${String(e.socket.key ?? '?')}`;
  if (isObject(e.exthdr)) return `exthdr ${String(e.exthdr.name ?? '?')} ${String(e.exthdr.field ?? '')}`.trim();
  if (isObject(e['tcp option'])) return `tcp option ${String(e['tcp option'].name ?? '?')} ${String(e['tcp option'].field ?? '')}`.trim();
  if (Array.isArray(e.concat)) return e.concat.map(renderExpr).join(' . ');
  return renderValue(e);
}

/** A right-hand value (literal, set, range, prefix, named set) as nft lists it. */
function renderValue(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'string') return v.startsWith('@') || /^[\w.:/-]+$/.test(v) ? v : quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(renderValue).join(',');
  if (Array.isArray(v.set)) return `{ ${v.set.map(renderSetElement).join(', ')} }`;
  if (Array.isArray(v.range)) return v.range.map(renderValue).join('-');
  if (isObject(v.prefix)) return `${String(v.prefix.addr ?? '?')}/${String(v.prefix.len ?? '?')}`;
  if (Array.isArray(v.concat)) return v.concat.map(renderValue).join(' . ');
  if (isObject(v.elem)) return renderSetElement(v);
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] !== undefined) {
    const inner = v[keys[0]] ?? null;
    return inner === null ? keys[0] : `${keys[0]} ${renderValue(inner)}`;
  }
  return JSON.stringify(v);
}

function renderSetElement(e: Json): string {
  if (Array.isArray(e) && e.length === 2) return `${renderValue(e[0] ?? null)} : ${renderValue(e[1] ?? null)}`;
  if (isObject(e) && isObject(e.elem)) return renderValue(e.elem.val ?? null);
  return renderValue(e);
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 160);
}
