import type { Listener } from '../schema/listener';
import { err, ok, type Result } from '../result';
import { isIpv4, normaliseIpv6 } from '../net/address';
import { decimalAt } from './digits';

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

const HEADER = /^\s*(State|Netid|Recv-Q)\b/;

/**
 * A busy host lists 100,000 sockets (20 MB of text) and a parse is part of every diagnosis, so the
 * text is read in place: each line is a [start, end) range of it, tokens end where indexOf finds a
 * space, values are read from character codes, without per-line copies, trims or regular
 * expressions. Only what a listener keeps is copied out, and text that repeats is kept once.
 */
export function parseSsListeners(text: string, options: SsOptions = {}): Result<SsListener[], SsParseError> {
  const listeners: SsListener[] = [];
  const state: State = { texts: new Map(), ipv6: new Map(), spacesOnly: !text.includes('\t'), space: -1 };
  let sawContent = false;
  let lineNo = 0;
  for (let start = 0; start <= text.length; ) {
    lineNo++;
    let newline = text.indexOf('\n', start);
    if (newline < 0) newline = text.length;
    // A CRLF line ends before its \r.
    const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
    const lineStart = start;
    start = newline + 1;
    if (isBlank(text, lineStart, end)) continue;
    if (!sawContent) {
      sawContent = true;
      if (HEADER.test(text.slice(lineStart, end))) continue;
    }
    const parsed = parseLine(text, lineStart, end, lineNo, options, state);
    if (parsed === null) continue;
    if ('code' in parsed) return err(parsed);
    listeners.push(parsed);
  }
  return ok(listeners);
}

function lineError(text: string, start: number, end: number, lineNo: number, message: string, code: SsParseError['code'] = 'bad-line'): SsParseError {
  return { code, message: `Line ${lineNo}: ${message}: "${text.slice(start, Math.min(end, start + 120))}"`, line: lineNo };
}

const COLUMNS = 'expected "[Netid] State Recv-Q Send-Q Local Peer"';

/** The line text[start, end) as a listener, null for another socket, or the reason it cannot be read. */
function parseLine(text: string, start: number, end: number, lineNo: number, options: SsOptions, state: State): SsListener | null | SsParseError {
  const firstStart = skipSpaces(text, start, end);
  const firstEnd = tokenEnd(state, text, firstStart, end);
  const secondStart = skipSpaces(text, firstEnd, end);
  const secondEnd = tokenEnd(state, text, secondStart, end);
  if (firstEnd === firstStart || secondEnd === secondStart) return lineError(text, start, end, lineNo, 'not an ss socket line');
  let tcp = true;
  let listen: boolean;
  let recvStart: number;
  let recvEnd: number;
  if (isStateAt(text, firstStart, firstEnd) && decimalAt(text, secondStart, secondEnd) >= 0) {
    listen = isWordAt(text, firstStart, firstEnd, 'LISTEN');
    recvStart = secondStart;
    recvEnd = secondEnd;
  } else if (isStateAt(text, secondStart, secondEnd)) {
    tcp = isWordAt(text, firstStart, firstEnd, 'tcp');
    listen = isWordAt(text, secondStart, secondEnd, 'LISTEN');
    recvStart = skipSpaces(text, secondEnd, end);
    recvEnd = tokenEnd(state, text, recvStart, end);
  } else {
    return lineError(text, start, end, lineNo, COLUMNS);
  }
  const sendStart = skipSpaces(text, recvEnd, end);
  const sendEnd = tokenEnd(state, text, sendStart, end);
  const localStart = skipSpaces(text, sendEnd, end);
  const localEnd = tokenEnd(state, text, localStart, end);
  const peerStart = skipSpaces(text, localEnd, end);
  const peerEnd = tokenEnd(state, text, peerStart, end);
  const recvQ = decimalAt(text, recvStart, recvEnd);
  const sendQ = decimalAt(text, sendStart, sendEnd);
  if (localEnd === localStart || peerEnd === peerStart || recvQ < 0 || sendQ < 0) return lineError(text, start, end, lineNo, COLUMNS);
  if (!tcp || !listen) return null;

  const endpoint = parseLocal(text.slice(localStart, localEnd), options.family, state);
  if (typeof endpoint === 'string') return lineError(text, start, end, lineNo, endpoint, 'bad-address');
  const rest = parseRest(text, peerEnd, end, state);
  if (typeof rest === 'string') return lineError(text, start, end, lineNo, rest, 'bad-users');

  let v6only: boolean | null = null;
  if (endpoint.family === 6) v6only = rest.v6only ?? endpoint.v6onlyFromNotation;
  return {
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
    recvQ,
    sendQ,
  };
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
function parseLocal(text: string, familyHint: 4 | 6 | undefined, state: State): LocalEndpoint | string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return 'local address has no ":port"';
  const port = decimalAt(text, colon + 1, text.length);
  if (port < 0 || port > 65535) return `port "${text.slice(colon + 1)}" is not a number (run ss with -n)`;
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
  if (device !== null) device = intern(state, device);
  if (host === '*') {
    if (familyHint === 4) return { address: '0.0.0.0', port, family: 4, device, v6onlyFromNotation: null };
    // Current iproute2 prints an IPv6 any socket without IPV6_V6ONLY as `*` (dual-stack).
    return { address: '::', port, family: 6, device, v6onlyFromNotation: false };
  }
  if (isIpv4(host)) return { address: intern(state, host), port, family: 4, device, v6onlyFromNotation: null };
  const v6 = canonicalIpv6(state, host);
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

/** The fields after the peer, up to `end`: `users:((...))` and the `-e` bag (`uid:N ino:N sk:HEX cgroup:PATH v6only:N <->`), in any order. */
function parseRest(text: string, start: number, end: number, state: State): Rest | string {
  const rest: Rest = { processes: [], uid: null, inode: null, cgroup: null, v6only: null };
  for (let at = skipSpaces(text, start, end); at < end; at = skipSpaces(text, at, end)) {
    if (hasAt(text, at, 'users:(')) {
      const users = readUsers(text, at + 'users:('.length, end, state);
      if (users === null) return 'cannot read the users:(("name",pid=N,fd=N),...) field';
      // The field's own fresh array, unless an earlier users:(...) started one (an array grown
      // by push holds 17 slots: 100,000 listeners would carry 13 MB of empty ones).
      if (rest.processes.length === 0) rest.processes = users.processes;
      else for (const process of users.processes) rest.processes.push(process);
      at = users.end;
      continue;
    }
    // A `key:value` token; `<->` and other markers have no key.
    const tokenStop = tokenEnd(state, text, at, end);
    let colon = at;
    while (colon < tokenStop && text.charCodeAt(colon) !== 58) colon++;
    const valueStart = colon + 1;
    if (colon > at && colon < tokenStop) {
      if (isWordAt(text, at, colon, 'uid')) {
        const uid = decimalAt(text, valueStart, tokenStop);
        if (uid >= 0) rest.uid = uid;
      } else if (isWordAt(text, at, colon, 'ino')) {
        const inode = decimalAt(text, valueStart, tokenStop);
        if (inode >= 0) rest.inode = inode;
      } else if (isWordAt(text, at, colon, 'cgroup')) {
        if (tokenStop > valueStart) rest.cgroup = intern(state, text.slice(valueStart, tokenStop));
      } else if (isWordAt(text, at, colon, 'v6only') && tokenStop - valueStart === 1) {
        const flag = text.charCodeAt(valueStart);
        if (flag === 48 || flag === 49) rest.v6only = flag === 49;
      }
      // Unknown keys (sk:, fwmark:, timer:(...), future fields) are tolerated.
    }
    at = tokenStop;
  }
  return rest;
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
  return readUsers(text, start, text.length, null);
}

/** parseUsers within text[.., end). */
function readUsers(text: string, start: number, end: number, state: State | null): { processes: SsProcess[]; end: number } | null {
  // Nearly every field is read by taking the first candidate at each tuple: try that without the
  // search's bookkeeping, and search only when it leads nowhere. Both give the same answer, since
  // the search tries first candidates first.
  const quick = firstCandidatePath(text, start, end, state);
  if (quick !== null) return quick;
  const frames: { position: number; candidates: TupleCandidate[]; next: number }[] = [];
  const dead = new Set<number>();
  frames.push({ position: start, candidates: tupleCandidates(text, start, end), next: 0 });
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
    frames.push({ position: candidate.next, candidates: tupleCandidates(text, candidate.next, end), next: 0 });
  }
  return null;
}

/** The search's first path: at every tuple, its first candidate; null when that path does not reach the end. */
function firstCandidatePath(text: string, start: number, end: number, state: State | null): { processes: SsProcess[]; end: number } | null {
  let processes: SsProcess[] | null = null;
  for (let at = start; ; ) {
    if (text.charCodeAt(at) !== 40 || text.charCodeAt(at + 1) !== 34) return null;
    const nameStart = at + 2;
    const limit = Math.min(end, nameStart + MAX_NAME + 1);
    let found = false;
    for (let q = nameStart; q < limit; q++) {
      if (text.charCodeAt(q) !== 34) continue;
      const after = tupleTail(text, q, end); // just past the tuple's ")"
      if (after < 0) continue;
      const next = text.charCodeAt(after);
      const final = next === 41 && (after + 1 >= end || isSpace(text.charCodeAt(after + 1)));
      if (!final && !(next === 44 && text.charCodeAt(after + 1) === 40)) continue;
      const process = { name: intern(state, text.slice(nameStart, q)), pid: tailPid };
      if (processes === null) processes = [process];
      else processes.push(process);
      if (final) return { processes, end: after + 1 };
      at = after + 1;
      found = true;
      break;
    }
    if (!found) return null;
  }
}

function tupleCandidates(text: string, at: number, end: number): TupleCandidate[] {
  if (text.charCodeAt(at) !== 40 || text.charCodeAt(at + 1) !== 34) return [];
  const nameStart = at + 2;
  const out: TupleCandidate[] = [];
  const limit = Math.min(end, nameStart + MAX_NAME + 1);
  for (let q = nameStart; q < limit; q++) {
    if (text.charCodeAt(q) !== 34) continue;
    const after = tupleTail(text, q, end); // just past the tuple's ")"
    if (after < 0) continue;
    const process = { name: text.slice(nameStart, q), pid: tailPid };
    if (text.charCodeAt(after) === 44 && text.charCodeAt(after + 1) === 40) out.push({ process, next: after + 1, final: false });
    else if (text.charCodeAt(after) === 41 && (after + 1 >= end || isSpace(text.charCodeAt(after + 1)))) {
      out.push({ process, next: after + 1, final: true });
    }
  }
  return out;
}

/** What one parse keeps while it reads the lines. */
interface State {
  /**
   * Text that repeats from line to line (process names, cgroups, addresses), kept once: 100,000
   * listeners of a few services then share a few strings instead of holding 100,000 copies.
   */
  texts: Map<string, string>;
  /** IPv6 host text -> its canonical form. */
  ipv6: Map<string, string>;
  /** The text has no tab: tokens end at the next space, found by indexOf (natively). */
  spacesOnly: boolean;
  /** The next space at or after the last token start searched from (the text's length: none left). */
  space: number;
}

const MAX_STRINGS = 4096;

function intern(state: State | null, text: string): string {
  if (state === null) return text;
  const known = state.texts.get(text);
  if (known !== undefined) return known;
  if (state.texts.size < MAX_STRINGS) state.texts.set(text, text);
  return text;
}

/** normaliseIpv6, once per distinct host text. */
function canonicalIpv6(state: State, host: string): string | null {
  const known = state.ipv6.get(host);
  if (known !== undefined) return known;
  const v6 = normaliseIpv6(host);
  if (v6 !== null && state.ipv6.size < MAX_STRINGS) state.ipv6.set(host, v6);
  return v6;
}

/** The pid read by the last tupleTail that succeeded (saves an object per tuple). */
let tailPid = 0;

/**
 * At the closing quote: `",pid=N,fd=N[,key=value...])` or the old `",N,N)`, within text[.., end).
 * Returns the index just past its `)` (and sets tailPid), or -1.
 */
function tupleTail(text: string, quote: number, end: number): number {
  let i = quote + 1;
  if (text.charCodeAt(i) !== 44) return -1;
  i++;
  let pid: number;
  if (hasAt(text, i, 'pid=')) {
    const pidEnd = digitsEnd(text, i + 4, end);
    if (pidEnd < 0 || !hasAt(text, pidEnd, ',fd=')) return -1;
    pid = decimalAt(text, i + 4, pidEnd);
    const fdEnd = digitsEnd(text, pidEnd + 4, end);
    if (fdEnd < 0) return -1;
    i = fdEnd;
    // Tolerate extra labelled fields some builds add (e.g. proc_ctx= with -Z).
    while (i + 1 < end && text.charCodeAt(i) === 44 && isLabelStart(text.charCodeAt(i + 1))) {
      let j = i + 1;
      while (j < end && j - i < 256) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 41 || c === 34) break;
        j++;
      }
      i = j;
    }
  } else {
    const pidEnd = digitsEnd(text, i, end);
    if (pidEnd < 0 || pidEnd >= end || text.charCodeAt(pidEnd) !== 44) return -1;
    pid = decimalAt(text, i, pidEnd);
    const fdEnd = digitsEnd(text, pidEnd + 1, end);
    if (fdEnd < 0) return -1;
    i = fdEnd;
  }
  if (i >= end || text.charCodeAt(i) !== 41) return -1;
  tailPid = pid;
  return i + 1;
}

/** End index of a run of 1..MAX_DIGITS ASCII digits at `i` (before `end`), or -1. */
function digitsEnd(text: string, i: number, end: number): number {
  let j = i;
  while (j < end && j - i <= MAX_DIGITS) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) break;
    j++;
  }
  return j > i && j - i <= MAX_DIGITS ? j : -1;
}

/** `[A-Z][A-Z0-9-]*`: a state (LISTEN, ESTAB, UNCONN...). */
function isStateAt(text: string, from: number, to: number): boolean {
  const first = text.charCodeAt(from);
  if (to <= from || first < 65 || first > 90) return false;
  for (let i = from + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45)) return false;
  }
  return true;
}

function isWordAt(text: string, from: number, to: number, word: string): boolean {
  return to - from === word.length && hasAt(text, from, word);
}

/** text.startsWith(word, at) for the short words above, without a call out of optimised code. */
function hasAt(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(at + k) !== word.charCodeAt(k)) return false;
  return true;
}

function isLabelStart(code: number): boolean {
  return (code >= 97 && code <= 122) || code === 95;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

function skipSpaces(text: string, at: number, end: number): number {
  while (at < end && isSpace(text.charCodeAt(at))) at++;
  return at;
}

function tokenEnd(state: State, text: string, at: number, end: number): number {
  if (!state.spacesOnly) {
    while (at < end && !isSpace(text.charCodeAt(at))) at++;
    return at;
  }
  // Searched forward only, so each part of the text is searched once.
  if (state.space < at) {
    const space = text.indexOf(' ', at);
    state.space = space < 0 ? text.length : space;
  }
  return state.space < end ? state.space : end;
}

/** text[start, end) holds nothing but white space (as String.prototype.trim sees it). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c < 160) return false;
    if (!(c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff)) return false;
  }
  return true;
}
