import type { Listener } from '../schema/listener';
import { err, ok, type Result } from '../result';
import { isIpv4, normaliseIpv6 } from '../net/address';

/**
 * Decodes `ss -Htlnpe` (iproute2), and `ss -tlnpe` from builds without -H (catalog §2.1, §4.1).
 * Pure: the caller runs ss. Lines are read by structure (optional netid, state, Recv-Q, Send-Q,
 * local, peer, then the rest), never by the header, whose text varies between versions.
 *
 * Line policy: a first line starting with State, Netid or Recv-Q is a header and dropped; blank
 * lines are ignored; well-formed lines that are not TCP listeners (another netid such as udp, or
 * another state such as ESTAB) are skipped; anything else fails the whole parse with `bad-line`
 * (or `bad-address`, `bad-users`) and the 1-based line number, because half-read evidence would
 * make "nothing listens on P" look proven.
 */

export interface SsListener extends Listener {
  /** cgroup v2 path from `-e` (`cgroup:/system.slice/nginx.service`); null when ss printed none. */
  cgroup: string | null;
  /** For LISTEN: the current accept-queue length. */
  recvQ: number;
  /** For LISTEN: the configured backlog (accept-queue limit). */
  sendQ: number;
}

export interface SsOptions {
  /**
   * The family the caller asked for (`ss -4` / `ss -6`). Only used to read `*`: with 4 it is
   * 0.0.0.0 (older iproute2 printed `*` for IPv4 any); with 6 or none it is a dual-stack `::`.
   */
  family?: 4 | 6;
}

export interface SsParseError {
  code: 'bad-line' | 'bad-address' | 'bad-users';
  message: string;
  line: number;
}

export type SsProcess = Listener['processes'][number];

/**
 * ss prints the kernel comm, at most 15 bytes (TASK_COMM_LEN 16), so at most 15 UTF-16 units
 * however the bytes were decoded. The bound also keeps a name from spanning a whole
 * `",pid=N,fd=N),("` (16 characters), so the search below stays nearly greedy.
 */
const MAX_NAME = 15;
const MAX_DIGITS = 10;

export function parseSsListeners(text: string, options: SsOptions = {}): Result<SsListener[], SsParseError> {
  const lines = text.split('\n');
  const listeners: SsListener[] = [];
  let sawContent = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    if (!sawContent) {
      sawContent = true;
      if (/^\s*(State|Netid|Recv-Q)\b/.test(line)) continue;
    }
    const parsed = parseLine(line, lineNo, options);
    if (!parsed.ok) return parsed;
    if (parsed.value) listeners.push(parsed.value);
  }
  return ok(listeners);
}

function parseLine(line: string, lineNo: number, options: SsOptions): Result<SsListener | null, SsParseError> {
  const bad = (message: string, code: SsParseError['code'] = 'bad-line') =>
    err({ code, message: `Line ${lineNo}: ${message}: "${line.slice(0, 120)}"`, line: lineNo });
  const scan = new Scanner(line);
  const first = scan.token();
  const second = scan.token();
  if (first === null || second === null) return bad('not an ss socket line');
  let netid: string | null = null;
  let state: string;
  let recvText: string | null;
  if (isState(first) && isUint(second)) {
    state = first;
    recvText = second;
  } else if (isState(second)) {
    netid = first;
    state = second;
    recvText = scan.token();
  } else {
    return bad('expected "[Netid] State Recv-Q Send-Q Local Peer"');
  }
  const sendText = scan.token();
  const local = scan.token();
  const peer = scan.token();
  if (recvText === null || sendText === null || local === null || peer === null || !isUint(recvText) || !isUint(sendText)) {
    return bad('expected "[Netid] State Recv-Q Send-Q Local Peer"');
  }
  if ((netid !== null && netid !== 'tcp') || state !== 'LISTEN') return ok(null);

  const endpoint = parseLocal(local, options.family);
  if (typeof endpoint === 'string') return bad(endpoint, 'bad-address');
  const rest = parseRest(line, scan.position);
  if (typeof rest === 'string') return bad(rest, 'bad-users');

  let v6only: boolean | null = null;
  if (endpoint.family === 6) v6only = rest.v6only ?? endpoint.v6onlyFromNotation;
  return ok({
    address: endpoint.address,
    port: endpoint.port,
    family: endpoint.family,
    v6only,
    device: endpoint.device,
    // `ss -e` prints uid: only when it is not 0, so with ino: present an absent uid means root.
    uid: rest.uid ?? (rest.inode !== null ? 0 : null),
    inode: rest.inode,
    processes: rest.processes,
    cgroup: rest.cgroup,
    recvQ: Number(recvText),
    sendQ: Number(sendText),
  });
}

interface LocalEndpoint {
  address: string;
  port: number;
  family: 4 | 6;
  device: string | null;
  /** What the notation alone says about IPV6_V6ONLY (used when `-e` printed no v6only:). */
  v6onlyFromNotation: boolean | null;
}

/** `0.0.0.0:22`, `[::]:22`, `*:22`, `*%lo:53`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:22`, `:::22`. */
function parseLocal(text: string, familyHint: 4 | 6 | undefined): LocalEndpoint | string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return 'local address has no ":port"';
  const portText = text.slice(colon + 1);
  if (!isUint(portText) || Number(portText) > 65535) return `port "${portText}" is not a number (run ss with -n)`;
  const port = Number(portText);
  let host = text.slice(0, colon);
  let device: string | null = null;
  let bracketed = false;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return 'unbalanced "[" in the local address';
    const after = host.slice(close + 1);
    const inner = host.slice(1, close);
    if (after !== '' && !after.startsWith('%')) return 'unexpected text after "]"';
    bracketed = true;
    host = inner;
    if (after !== '') device = after.slice(1);
  }
  const percent = host.indexOf('%');
  if (percent >= 0) {
    device = host.slice(percent + 1);
    host = host.slice(0, percent);
  }
  if (device === '') return 'empty device name after "%"';
  if (host === '*') {
    if (familyHint === 4) return { address: '0.0.0.0', port, family: 4, device, v6onlyFromNotation: null };
    // Current iproute2 prints an IPv6 any socket without IPV6_V6ONLY as `*` (dual-stack).
    return { address: '::', port, family: 6, device, v6onlyFromNotation: false };
  }
  if (isIpv4(host)) return { address: host, port, family: 4, device, v6onlyFromNotation: null };
  const v6 = normaliseIpv6(host);
  if (v6 === null) return `"${host}" is not an IP address`;
  let v6only: boolean | null = null;
  // Current iproute2 brackets `::` only for v6-only sockets (a dual-stack one is `*`); the old
  // unbracketed `:::22` was printed for both, so it stays unknown.
  if (v6 === '::' && bracketed) v6only = true;
  // The kernel refuses to bind a v4-mapped address on a v6-only socket (inet6_bind: EINVAL).
  if (v6.startsWith('::ffff:') && v6.includes('.')) v6only = false;
  return { address: v6, port, family: 6, device, v6onlyFromNotation: v6only };
}

interface Rest {
  processes: SsProcess[];
  uid: number | null;
  inode: number | null;
  cgroup: string | null;
  v6only: boolean | null;
}

/** The fields after the peer: `users:((...))` and the `-e` bag (`uid:N ino:N sk:HEX cgroup:PATH v6only:N <->`), in any order. */
function parseRest(line: string, start: number): Rest | string {
  const rest: Rest = { processes: [], uid: null, inode: null, cgroup: null, v6only: null };
  const scan = new Scanner(line, start);
  for (;;) {
    scan.skipSpaces();
    if (scan.atEnd()) return rest;
    if (line.startsWith('users:(', scan.position)) {
      const users = parseUsers(line, scan.position + 'users:('.length);
      if (users === null) return 'cannot read the users:(("name",pid=N,fd=N),...) field';
      rest.processes.push(...users.processes);
      scan.position = users.end;
      continue;
    }
    const token = scan.token() ?? '';
    const colon = token.indexOf(':');
    if (colon <= 0) continue; // `<->` and other markers
    const key = token.slice(0, colon);
    const value = token.slice(colon + 1);
    if (key === 'uid' && isUint(value)) rest.uid = Number(value);
    else if (key === 'ino' && isUint(value)) rest.inode = Number(value);
    else if (key === 'cgroup' && value !== '') rest.cgroup = value;
    else if (key === 'v6only' && (value === '0' || value === '1')) rest.v6only = value === '1';
    // Unknown keys (sk:, fwmark:, timer:(...), future fields) are tolerated.
  }
}

interface TupleCandidate {
  process: SsProcess;
  /** Index of the next tuple's "(" or, when final, just past the closing ")" of users:(...). */
  next: number;
  final: boolean;
}

/**
 * Reads `("name",pid=N,fd=N),...)` from `start` (just after `users:(`); also the old unlabelled
 * `("name",N,N)`. Names are printed unescaped and may hold spaces, commas, quotes, `(` and even
 * `",pid=`, so every `"` within MAX_NAME characters is a candidate end of the name; the first
 * candidate that lets the rest of the field parse wins. Positions that led nowhere are remembered,
 * so the search is linear in the length of the field (no recursion, no regex backtracking).
 */
export function parseUsers(text: string, start: number): { processes: SsProcess[]; end: number } | null {
  const frames: { position: number; candidates: TupleCandidate[]; next: number }[] = [];
  const dead = new Set<number>();
  frames.push({ position: start, candidates: tupleCandidates(text, start), next: 0 });
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    const candidate = frame.candidates[frame.next++];
    if (candidate === undefined) {
      dead.add(frame.position);
      frames.pop();
      continue;
    }
    if (candidate.final) {
      return { processes: frames.map((f) => f.candidates[f.next - 1]!.process), end: candidate.next };
    }
    if (dead.has(candidate.next)) continue;
    frames.push({ position: candidate.next, candidates: tupleCandidates(text, candidate.next), next: 0 });
  }
  return null;
}

function tupleCandidates(text: string, at: number): TupleCandidate[] {
  if (text[at] !== '(' || text[at + 1] !== '"') return [];
  const nameStart = at + 2;
  const out: TupleCandidate[] = [];
  const limit = Math.min(text.length, nameStart + MAX_NAME + 1);
  for (let q = nameStart; q < limit; q++) {
    if (text[q] !== '"') continue;
    const tail = tupleTail(text, q);
    if (tail === null) continue;
    const process = { name: text.slice(nameStart, q), pid: tail.pid };
    const after = tail.end; // just past the tuple's ")"
    if (text[after] === ',' && text[after + 1] === '(') out.push({ process, next: after + 1, final: false });
    else if (text[after] === ')' && (after + 1 >= text.length || isSpace(text.charCodeAt(after + 1)))) {
      out.push({ process, next: after + 1, final: true });
    }
  }
  return out;
}

/** At the closing quote: `",pid=N,fd=N[,key=value...])` or the old `",N,N)`. */
function tupleTail(text: string, quote: number): { pid: number; end: number } | null {
  let i = quote + 1;
  if (text[i] !== ',') return null;
  i++;
  let pid: number;
  if (text.startsWith('pid=', i)) {
    const pidEnd = digitsEnd(text, i + 4);
    if (pidEnd < 0 || !text.startsWith(',fd=', pidEnd)) return null;
    pid = Number(text.slice(i + 4, pidEnd));
    const fdEnd = digitsEnd(text, pidEnd + 4);
    if (fdEnd < 0) return null;
    i = fdEnd;
    // Tolerate extra labelled fields some builds add (e.g. proc_ctx= with -Z).
    while (text[i] === ',' && /[a-z_]/.test(text[i + 1] ?? '')) {
      let j = i + 1;
      while (j < text.length && text[j] !== ',' && text[j] !== ')' && text[j] !== '"' && j - i < 256) j++;
      i = j;
    }
  } else {
    const pidEnd = digitsEnd(text, i);
    if (pidEnd < 0 || text[pidEnd] !== ',') return null;
    pid = Number(text.slice(i, pidEnd));
    const fdEnd = digitsEnd(text, pidEnd + 1);
    if (fdEnd < 0) return null;
    i = fdEnd;
  }
  if (text[i] !== ')') return null;
  return { pid, end: i + 1 };
}

/** End index of a run of 1..MAX_DIGITS ASCII digits at `i`, or -1. */
function digitsEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && j - i <= MAX_DIGITS && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
  return j > i && j - i <= MAX_DIGITS ? j : -1;
}

function isState(token: string): boolean {
  return /^[A-Z][A-Z0-9-]*$/.test(token);
}

function isUint(token: string): boolean {
  return /^[0-9]{1,15}$/.test(token);
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/** Whitespace tokenizer that remembers where it stopped. */
class Scanner {
  constructor(
    private readonly text: string,
    public position = 0,
  ) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  skipSpaces(): void {
    while (this.position < this.text.length && isSpace(this.text.charCodeAt(this.position))) this.position++;
  }

  token(): string | null {
    this.skipSpaces();
    const start = this.position;
    while (this.position < this.text.length && !isSpace(this.text.charCodeAt(this.position))) this.position++;
    return this.position > start ? this.text.slice(start, this.position) : null;
  }
}
