import type { FirewallChain, FirewallRule, FirewallSnapshot, RuleAction } from '../schema/firewall';
import { err, ok, type Result } from '../result';
import { decimalAt } from './digits';
import { internRange, RangeTable } from './range-table';

/**
 * Decodes `iptables-save [-c]` / `ip6tables-save [-c]` (either backend; catalog C1, §4.5). Pure: the
 * caller runs the command. Reads `*table`, `:CHAIN POLICY [pkts:bytes]`, `[pkts:bytes] -A CHAIN ...`,
 * `COMMIT`; `# Warning: ...` lines become snapshot warnings, other `#` lines are ignored. Without
 * `-c` rules carry no counters (packets/bytes null); chain policy counters are printed either way.
 * Empty output is a valid "no tables in this backend". Negated matches (`! --dport 22`) cannot be
 * expressed in the rule model, so they are left as "any" (null) and only the text shows the `!`.
 */

export type IptablesSource = 'iptables-nft' | 'iptables-legacy' | 'ip6tables-nft' | 'ip6tables-legacy';

export interface IptablesSaveError {
  code: 'needs-privilege' | 'not-iptables-save' | 'bad-line' | 'truncated';
  message: string;
  line?: number;
}

type PortRange = [number, number];

const BUILTIN_HOOK: Record<string, string> = {
  PREROUTING: 'prerouting', INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', POSTROUTING: 'postrouting',
};

// Netfilter's fixed hook priorities per iptables table (NF_IP_PRI_*), the same in both backends.
function builtinPriority(table: string, chain: string): number | null {
  switch (table) {
    case 'raw': return -300;
    case 'mangle': return -150;
    case 'filter': return 0;
    case 'security': return 50;
    case 'nat': return chain === 'PREROUTING' || chain === 'OUTPUT' ? -100 : 100;
    default: return null;
  }
}

const TARGET_ACTION: Record<string, RuleAction> = {
  ACCEPT: 'accept', DROP: 'drop', REJECT: 'reject', DNAT: 'dnat', SNAT: 'snat', MASQUERADE: 'masquerade',
  REDIRECT: 'redirect', RETURN: 'return', LOG: 'log', NFLOG: 'log', ULOG: 'log', NFQUEUE: 'queue', QUEUE: 'queue',
};

const PRIVILEGE = /Permission denied|you must be root|can't open lock file/i;

/**
 * A large host saves 20,000 rules and more, so the text is read in place: each line is a trimmed
 * [from, to) range of it, and a rule's tokens are looked up in a table of the tokens already seen
 * (options, chains, targets repeat on every line) instead of being cut out one string each. A line
 * allocates little beyond the rule it keeps, since most of a parse's time goes to the garbage
 * collector.
 */
export function parseIptablesSave(text: string, source: IptablesSource): Result<FirewallSnapshot, IptablesSaveError> {
  const family = source.startsWith('ip6') ? 'ip6' : 'ip';
  const chains: FirewallChain[] = [];
  const rules: FirewallRule[] = [];
  const warnings: string[] = [];
  const tokens: Tokens = { list: [], count: 0, seen: new RangeTable(MAX_TOKENS) };

  let table: string | null = null;
  let tableLine = 0;
  let declared = new Set<string>();
  let perChain = new Map<string, number>();
  // The current table's, made once per table rather than once per rule.
  let context: RuleContext | null = null;

  for (let start = 0, lineNo = 1; start <= text.length; lineNo++) {
    let newline = text.indexOf('\n', start);
    if (newline < 0) newline = text.length;
    // Trimmed as trim() would: this also drops a CRLF's \r.
    let from = start;
    let to = newline;
    start = newline + 1;
    while (from < to && isWhitespace(text.charCodeAt(from))) from++;
    while (to > from && isWhitespace(text.charCodeAt(to - 1))) to--;
    if (from === to) continue;
    const first = text.charCodeAt(from);
    if (context !== null && first !== 35 && first !== 42 && first !== 58 && !isCommit(text, from, to)) {
      // A rule line, by far the most common: read in place.
      const rule = parseRuleLine(text, from, to, lineNo, context, tokens);
      if ('code' in rule) return err(rule);
      const index = (perChain.get(rule.chain) ?? 0) + 1;
      perChain.set(rule.chain, index);
      // The rule is this parse's own object: setting its index in place saves a copy of each rule.
      rule.index = index;
      rules.push(rule);
      continue;
    }
    const line = text.slice(from, to);
    if (line.startsWith('#')) {
      if (/^#\s*Warning:/i.test(line)) warnings.push(line);
      continue;
    }
    if (line.startsWith('*')) {
      if (table !== null) return err({ code: 'bad-line', message: `Line ${lineNo} starts table "${line.slice(1)}" before table "${table}" was committed.`, line: lineNo });
      table = line.slice(1).trim();
      if (!/^[a-z_]+$/.test(table)) return err({ code: 'bad-line', message: `Line ${lineNo} names an invalid table "${table.slice(0, 40)}".`, line: lineNo });
      tableLine = lineNo;
      declared = new Set();
      perChain = new Map();
      context = { source, family, table, declared };
      continue;
    }
    if (table === null && PRIVILEGE.test(line)) {
      return err({ code: 'needs-privilege', message: `${source}-save needs root (CAP_NET_ADMIN): "${line.slice(0, 160)}"`, line: lineNo });
    }
    if (table === null && /Table does not exist/i.test(line)) {
      // "can't initialize iptables table `filter': Table does not exist": no rules in this backend (§4.5).
      warnings.push(line);
      continue;
    }
    if (table === null) {
      return err({ code: 'not-iptables-save', message: `Line ${lineNo} is outside any *table block; this is not iptables-save output: "${line.slice(0, 120)}"`, line: lineNo });
    }
    if (line === 'COMMIT') {
      table = null;
      context = null;
      continue;
    }
    // A chain line (the only kind left: the others were read above).
    const m = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?$/.exec(line);
    if (!m) return err({ code: 'bad-line', message: `Line ${lineNo} is not a chain line (:CHAIN POLICY [pkts:bytes]): "${line.slice(0, 120)}"`, line: lineNo });
    const [, name = '', policy = '-', pkts, bytes] = m;
    declared.add(name);
    const builtin = policy !== '-';
    chains.push({
      source, family, table, chain: name,
      hook: builtin ? (BUILTIN_HOOK[name] ?? null) : null,
      priority: builtin ? builtinPriority(table, name) : null,
      policy: builtin ? policy : null,
      packets: builtin && pkts !== undefined ? counter(pkts) : null,
      bytes: builtin && bytes !== undefined ? counter(bytes) : null,
    });
  }
  if (table !== null) {
    return err({ code: 'truncated', message: `Table "${table}" (line ${tableLine}) has no COMMIT: the output is cut short.`, line: tableLine });
  }
  return ok({ source, chains, rules, warnings });
}

/**
 * The line text[from, to) is COMMIT. Both tests run for every line: a test first run at the first
 * COMMIT, once the parser is compiled, would send it back to the interpreter.
 */
function isCommit(text: string, from: number, to: number): boolean {
  const six = to - from === 6;
  return text.startsWith('COMMIT', from) && six;
}

interface RuleContext {
  source: IptablesSource;
  family: string;
  table: string;
  declared: ReadonlySet<string>;
}

/** The tokens of the rule being read (list[0, count)), and every distinct token text seen so far. */
interface Tokens {
  list: string[];
  count: number;
  seen: RangeTable<string>;
}

/** Distinct token texts kept per parse: options, chains and targets repeat; addresses and ports may not. */
const MAX_TOKENS = 4096;

function badRule(text: string, from: number, to: number, lineNo: number, why: string): IptablesSaveError {
  return { code: 'bad-line', message: `Line ${lineNo}: ${why}: "${text.slice(from, Math.min(to, from + 120))}"`, line: lineNo };
}

// No closures per rule (they would put the rule's variables in a heap context): 20,000 rules are read
// on a large host.
function parseRuleLine(text: string, from: number, to: number, lineNo: number, ctx: RuleContext, tokens: Tokens): FirewallRule | IptablesSaveError {
  let bodyStart = from;
  let packets: number | null = null;
  let bytes: number | null = null;
  // `[pkts:bytes]` and the white space after it, as /^\[(\d+):(\d+)\]\s+/ would match.
  if (text.charCodeAt(from) === 91) {
    const packetsEnd = digitsEnd(text, from + 1, to);
    if (packetsEnd > from + 1 && text.charCodeAt(packetsEnd) === 58) {
      const bytesEnd = digitsEnd(text, packetsEnd + 1, to);
      if (bytesEnd > packetsEnd + 1 && text.charCodeAt(bytesEnd) === 93) {
        let end = bytesEnd + 1;
        while (end < to && isWhitespace(text.charCodeAt(end))) end++;
        if (end > bytesEnd + 1) {
          packets = counterAt(text, from + 1, packetsEnd);
          bytes = counterAt(text, packetsEnd + 1, bytesEnd);
          bodyStart = end;
        }
      }
    }
  }
  if (!tokenize(text, bodyStart, to, tokens)) return badRule(text, from, to, lineNo, 'unterminated quote');
  const list = tokens.list;
  const count = tokens.count;
  if (count === 0 || (list[0] !== '-A' && list[0] !== '--append')) return badRule(text, from, to, lineNo, 'expected a rule (-A CHAIN ...)');
  if (count < 2) return badRule(text, from, to, lineNo, '-A without a chain');
  const chain = list[1]!;
  if (!ctx.declared.has(chain)) return badRule(text, from, to, lineNo, `chain "${chain}" was not declared in table ${ctx.table}`);

  let protocol: string | null = null;
  let dports: PortRange[] | null = null;
  let sources: string[] | null = null;
  let destinations: string[] | null = null;
  let inInterface: string | null = null;
  let comment: string | null = null;
  let verdict: string | null = null;
  let isGoto = false;
  let rejectWith: string | null = null;
  let natTarget: string | null = null;
  let negate = false;

  for (let t = 2; t < count; t++) {
    const tok = list[t]!;
    if (tok === '!') {
      negate = true;
      continue;
    }
    const takesValue = tok !== '-m' && tok !== '--match' && tok.startsWith('-');
    const value = takesValue && t + 1 < count ? list[t + 1] : undefined;
    // Whether the next token was this one's value. Set in the cases and applied once below: an
    // increment in a case the first thousand rules never reach (DNAT's --to-destination in the nat
    // table, listed last) would send the compiled parser back to the interpreter when reached.
    let skip: boolean;
    switch (tok) {
      case '-p': case '--protocol':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a value`);
        if (!negate) protocol = normaliseProtocol(value);
        skip = true;
        break;
      case '-s': case '--source': case '-d': case '--destination':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a value`);
        if (!negate) {
          const addresses = value.split(',');
          if (tok === '-s' || tok === '--source') sources = addresses;
          else destinations = addresses;
        }
        skip = true;
        break;
      case '-i': case '--in-interface':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a value`);
        if (!negate) inInterface = value;
        skip = true;
        break;
      case '--dport': case '--destination-port': case '--dports': case '--destination-ports': case '--ports':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a value`);
        if (!negate) {
          // Unknown (a service name) or "all but" (negated) stays "any".
          const next = parsePortList(value);
          if (next !== null) dports = dports === null ? next : intersectPortRanges(dports, next);
        }
        skip = true;
        break;
      case '--comment':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a value`);
        comment = value;
        skip = true;
        break;
      case '-j': case '--jump': case '-g': case '--goto':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a target`);
        verdict = value;
        isGoto = tok === '-g' || tok === '--goto';
        skip = true;
        break;
      case '--reject-with':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a value`);
        rejectWith = value;
        skip = true;
        break;
      case '--to-destination': case '--to-source': case '--to-ports': case '--to':
        if (value === undefined) return badRule(text, from, to, lineNo, `${tok} without a value`);
        natTarget = value;
        skip = true;
        break;
      case '-m': case '--match':
        skip = true;
        break;
      default:
        // Every other option (e.g. --ctstate NEW, --dst-type LOCAL, --set) takes at most one value,
        // but some take none (--rsource, --set, --log-uid): skip a value only if it is not an option.
        skip = tok.startsWith('-') && value !== undefined && !value.startsWith('-') && value !== '!';
        break;
    }
    if (skip) t++;
    negate = false;
  }

  let action: RuleAction = 'none';
  let target: string | null = null;
  // Asked of every rule, though only a jump needs it: user-chain jumps may first appear
  // thousands of rules in (the nat table's), where an unasked lookup would send the compiled
  // parser back to the interpreter.
  const declaredTarget = verdict !== null && ctx.declared.has(verdict);
  if (verdict !== null) {
    if (isGoto) {
      action = 'goto';
      target = verdict;
    } else if (TARGET_ACTION[verdict] !== undefined) {
      action = TARGET_ACTION[verdict] ?? 'other';
      if (action === 'dnat' || action === 'snat' || action === 'redirect') target = natTarget;
    } else if (declaredTarget) {
      action = 'jump';
      target = verdict;
    } else {
      action = 'other';
    }
  }
  if (action === 'reject' && rejectWith === null) {
    rejectWith = ctx.family === 'ip6' ? 'icmp6-port-unreachable' : 'icmp-port-unreachable';
  }
  return {
    source: ctx.source, family: ctx.family, table: ctx.table, chain, index: 1, handle: null,
    text: text.slice(bodyStart, to), packets, bytes, action, target,
    rejectWith: action === 'reject' ? rejectWith : null,
    protocol, dports, sources, destinations, inInterface, comment,
  };
}

/**
 * A 64-bit counter as a number; null (unknown) past 2^53, where it is no longer exact: a delta
 * between two inexact readings could show traffic that never happened, or hide some.
 */
function counter(digits: string): number | null {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** counter() of the digits text[from, to), read in place when they are few enough to be exact. */
function counterAt(text: string, from: number, to: number): number | null {
  return to - from <= 15 ? decimalAt(text, from, to) : counter(text.slice(from, to));
}

/** End of the run of ASCII digits at `from`, before `to`. */
function digitsEnd(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  return i;
}

/** What `\s` matches. */
function isWhitespace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Splits text[from, to) like iptables-save quotes: "a b" is one token, backslash escapes the next
 * character. Fills tokens.list[0, tokens.count); false for an unterminated quote. A plain token is
 * looked up in tokens.seen by its range; only quotes and backslashes make one built up in pieces.
 */
function tokenize(text: string, from: number, to: number, tokens: Tokens): boolean {
  const { list, seen } = tokens;
  let count = 0;
  let cur = '';
  let inToken = false;
  let plain = true;
  let quoted = false;
  // Start of the characters not yet added to `cur`.
  let run = from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 && i + 1 < to) {
      cur += text.slice(run, i) + text[i + 1];
      i++;
      run = i + 1;
      inToken = true;
      plain = false;
    } else if (c === 34) {
      cur += text.slice(run, i);
      run = i + 1;
      quoted = !quoted;
      inToken = true;
      plain = false;
    } else if (!quoted && (c === 32 || c === 9)) {
      if (inToken) list[count++] = plain ? internRange(seen, text, run, i) : cur + text.slice(run, i);
      cur = '';
      inToken = false;
      plain = true;
      run = i + 1;
    } else {
      inToken = true;
    }
  }
  tokens.count = count;
  if (quoted) return false;
  if (inToken) list[tokens.count++] = plain ? internRange(seen, text, run, to) : cur + text.slice(run, to);
  return true;
}

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp', '132': 'sctp' };

/** A protocol name or number as the rule model spells it (`6` -> `tcp`); null for "all". */
export function normaliseProtocol(value: string | number): string | null {
  const lower = String(value).toLowerCase();
  if (lower === 'all' || lower === '0') return null;
  return PROTOCOL_NUMBERS[lower] ?? lower;
}

/** "80", "8000:8010", "80,443,8000:8010" -> ranges; null when a port is not numeric (service name). */
export function parsePortList(value: string): PortRange[] | null {
  // Most rules name one port: read it without split and regular expressions.
  if (value.length > 0 && value.length <= 5) {
    let port = 0;
    for (let i = 0; i < value.length && port >= 0; i++) {
      const c = value.charCodeAt(i);
      port = c >= 48 && c <= 57 ? port * 10 + (c - 48) : -1;
    }
    if (port >= 0) return port <= 65535 ? [[port, port]] : null;
  }
  // A list is read from character codes too, and a repeated item is kept once: a pasted or hostile
  // rule can hold 50,000 items of one port, and each kept range is an allocation.
  const out: PortRange[] = [];
  const seen = new Set<number>();
  for (const part of value.split(',')) {
    const range = portRange(part.trim());
    if (range === null) return null;
    const key = range[0] * 65536 + range[1];
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(range);
  }
  return out.length > 0 ? out : null;
}

/** "80" -> [80, 80], "8000:8010", "1024:" (to 65535), ":1023" (from 0); null for anything else or a port past 65535. */
function portRange(part: string): PortRange | null {
  const colon = part.indexOf(':');
  if (colon < 0) {
    const port = decimalAt(part, 0, part.length, 5);
    return port >= 0 && port <= 65535 ? [port, port] : null;
  }
  const lo = colon === 0 ? 0 : decimalAt(part, 0, colon, 5);
  const hi = colon === part.length - 1 ? (colon === 0 ? -1 : 65535) : decimalAt(part, colon + 1, part.length, 5);
  if (lo < 0 || hi < 0 || lo > 65535 || hi > 65535) return null;
  return lo <= hi ? [lo, hi] : [hi, lo];
}

/** The ports two port-range lists both cover (a rule with two port matches needs both). */
export function intersectPortRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  for (const [a0, a1] of a) {
    for (const [b0, b1] of b) {
      const lo = Math.max(a0, b0);
      const hi = Math.min(a1, b1);
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return out;
}
