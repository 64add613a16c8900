import type { Listener } from '../schema/listener';
import { err, ok, type Result } from '../result';
import { isIpv4, normaliseIpv6 } from '../net/address';
import { decimalAt } from './digits';
import { lineCount } from './lines';
import { internRange, RangeTable } from './range-table';

/**
 * Decodes `ss -Htlnpe` (iproute2), and `ss -tlnpe` from builds without -H (catalog §2.1, §4.1).
 * Pure: the caller runs ss. Lines are read by structure (optional netid, state, Recv-Q, Send-Q,
 * local, peer, then the rest), never by the header, whose text varies between versions.
 *
 * Line policy: a first line starting with State, Netid or Recv-Q is a header and dropped; blank
 * lines are ignored; well-formed lines that are not TCP listeners (another netid such as udp, or
 * another state such as ESTAB) are skipped; anything else fails the whole parse with `bad-line`
 * (or `bad-address`, `bad-users`) and the 1-based line number, because half-read evidence would
 * make "nothing listens on P" look proven. (parseSsListenersOnPort reads a listener on another
 * port only as far as its local address: far enough to know that it is one.)
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

/** The listeners on one port, and how many listeners on other ports the table holds. */
export interface SsPortListeners {
  listeners: SsListener[];
  others: number;
}

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
 * expressions. Most of a parse's time is the garbage collector's, so a line allocates only what its
 * listener keeps: the listener, its processes and their array. Text that repeats (names, cgroups,
 * devices, addresses) is looked up in place and kept once, and the fields between the helpers
 * travel in the parse's State instead of objects made per line.
 */
export function parseSsListeners(text: string, options: SsOptions = {}): Result<SsListener[], SsParseError> {
  const read = readTable(text, options, ANY_PORT);
  return read.ok ? ok(read.value.listeners) : read;
}

/**
 * The listeners on `port` only, which is all a diagnosis reads of the table. Every line is read as
 * parseSsListeners reads it up to its local address, and fails the parse the same way if it cannot
 * be: what is counted as a listener on another port is one. The rest of such a line (processes,
 * the -e fields) is not read, since nothing would read what it says: on a host with 100,000
 * sockets, reading and building them all is most of a parse's time and memory, for a table every
 * caller then cuts down to one port. A listener on the port is read whole.
 */
export function parseSsListenersOnPort(text: string, port: number, options: SsOptions = {}): Result<SsPortListeners, SsParseError> {
  return readTable(text, options, port);
}

const ANY_PORT = -1;

function readTable(text: string, options: SsOptions, port: number): Result<SsPortListeners, SsParseError> {
  // Every port: sized by the line count (a listener per line at most), then cut to the listeners
  // read. One port: a few listeners at most.
  const listeners = port === ANY_PORT ? new Array<SsListener>(lineCount(text)) : [];
  let count = 0;
  const state = newState(text, port);
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
    listeners[count++] = parsed;
  }
  listeners.length = count;
  return ok({ listeners, others: state.others });
}

function lineError(text: string, start: number, end: number, lineNo: number, message: string, code: SsParseError['code'] = 'bad-line'): SsParseError {
  return { code, message: `Line ${lineNo}: ${message}: "${text.slice(start, Math.min(end, start + 120))}"`, line: lineNo };
}

const COLUMNS = 'expected "[Netid] State Recv-Q Send-Q Local Peer"';

/** The listener of line text[start, end), null for another socket, or the reason it cannot be read. */
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

  const host = readLocal(text, localStart, localEnd, options.family, state);
  if (typeof host === 'string') return lineError(text, start, end, lineNo, host, 'bad-address');
  const port = state.port;
  if (state.wantedPort !== ANY_PORT && port !== state.wantedPort) {
    state.others++;
    return null;
  }
  const device = state.device;
  const processes = readRest(text, peerEnd, end, state);
  if (typeof processes === 'string') return lineError(text, start, end, lineNo, processes, 'bad-users');

  let v6only: boolean | null = null;
  if (host.family === 6) v6only = state.v6only ?? (host.any && state.bracketed ? true : host.mapped ? false : host.v6only);
  const inode = state.inode;
  return {
    address: host.address,
    port,
    family: host.family,
    v6only,
    device,
    // `ss -e` prints uid: only when it is not 0, so with ino: present an absent uid means root.
    uid: state.uid ?? (inode !== null ? 0 : null),
    inode,
    processes,
    cgroup: state.cgroup,
    recvQ,
    sendQ,
  };
}

/**
 * A local host as the listener reports it: the address, its family, and what the notation alone
 * says about IPV6_V6ONLY. Kept once per distinct host text.
 */
interface Host {
  address: string;
  family: 4 | 6;
  /** The canonical address is `::` (v6-only when it was bracketed, see readLocal). */
  any: boolean;
  /** A v4-mapped address (`::ffff:127.0.0.1`). */
  mapped: boolean;
  /** The v6only of `*` and of every other host whose notation says nothing more. */
  v6only: boolean | null;
}

/** `*` with `ss -4`: older iproute2 printed `*` for IPv4 any. */
const ANY4: Host = { address: '0.0.0.0', family: 4, any: false, mapped: false, v6only: null };
/** `*` otherwise: current iproute2 prints an IPv6 any socket without IPV6_V6ONLY as `*` (dual-stack). */
const ANY6: Host = { address: '::', family: 6, any: false, mapped: false, v6only: false };

/**
 * `0.0.0.0:22`, `[::]:22`, `*:22`, `*%lo:53`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:22`, `:::22`, the
 * token text[from, to): its host, or why it is not one. Sets state.port, state.device and
 * state.bracketed.
 */
function readLocal(text: string, from: number, to: number, familyHint: 4 | 6 | undefined, state: State): Host | string {
  const colon = text.lastIndexOf(':', to - 1);
  if (colon < from) return 'local address has no ":port"';
  const port = decimalAt(text, colon + 1, to);
  if (port < 0 || port > 65535) return `port "${text.slice(colon + 1, to)}" is not a number (run ss with -n)`;
  let hostStart = from;
  let hostEnd = colon;
  let deviceStart = -1;
  let deviceEnd = -1;
  let bracketed = false;
  if (hostEnd > hostStart && text.charCodeAt(hostStart) === 91) {
    const close = indexWithin(text, 93, hostStart, hostEnd);
    if (close < 0) return 'unbalanced "[" in the local address';
    if (close + 1 < hostEnd) {
      if (text.charCodeAt(close + 1) !== 37) return 'unexpected text after "]"';
      deviceStart = close + 2;
      deviceEnd = hostEnd;
    }
    bracketed = true;
    hostStart++;
    hostEnd = close;
  }
  // A `%` within the host (brackets excluded) names the device instead.
  const percent = indexWithin(text, 37, hostStart, hostEnd);
  if (percent >= 0) {
    deviceStart = percent + 1;
    deviceEnd = hostEnd;
    hostEnd = percent;
  }
  if (deviceStart >= 0 && deviceEnd === deviceStart) return 'empty device name after "%"';
  state.port = port;
  state.bracketed = bracketed;
  state.device = deviceStart >= 0 ? internRange(state.texts, text, deviceStart, deviceEnd) : null;
  if (hostEnd - hostStart === 1 && text.charCodeAt(hostStart) === 42) return familyHint === 4 ? ANY4 : ANY6;
  return state.hosts.get(text, hostStart, hostEnd) ?? readHost(text.slice(hostStart, hostEnd), state);
}
/** The Host of a host text seen for the first time (then kept for the next lines), or why it is not an address. */
function readHost(host: string, state: State): Host | string {
  let read: Host;
  if (isIpv4(host)) {
    read = { address: host, family: 4, any: false, mapped: false, v6only: null };
  } else {
    const v6 = normaliseIpv6(host);
    if (v6 === null) return `"${host}" is not an IP address`;
    // Current iproute2 brackets `::` only for v6-only sockets (a dual-stack one is `*`); the old
    // unbracketed `:::22` was printed for both, so it stays unknown. The kernel refuses to bind a
    // v4-mapped address on a v6-only socket (inet6_bind: EINVAL).
    read = { address: v6, family: 6, any: v6 === '::', mapped: v6.startsWith('::ffff:') && v6.includes('.'), v6only: null };
  }
  state.hosts.set(host, read);
  return read;
}

/**
 * The fields after the peer, up to `end`: `users:((...))` and the `-e` bag (`uid:N ino:N sk:HEX
 * cgroup:PATH v6only:N <->`), in any order. Returns the processes (or why they cannot be read) and
 * sets state.uid, state.inode, state.cgroup and state.v6only.
 */
function readRest(text: string, start: number, end: number, state: State): SsProcess[] | string {
  let processes: SsProcess[] | null = null;
  state.uid = null;
  state.inode = null;
  state.cgroup = null;
  state.v6only = null;
  for (let at = skipSpaces(text, start, end); at < end; at = skipSpaces(text, at, end)) {
    if (hasAt(text, at, 'users:(')) {
      const users = readUsers(text, at + 'users:('.length, end, state);
      if (users === null) return 'cannot read the users:(("name",pid=N,fd=N),...) field';
      if (processes === null) processes = users;
      else for (const process of users) processes = withProcess(processes, process);
      at = usersEnd;
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
        if (uid >= 0) state.uid = uid;
      } else if (isWordAt(text, at, colon, 'ino')) {
        const inode = decimalAt(text, valueStart, tokenStop);
        if (inode >= 0) state.inode = inode;
      } else if (isWordAt(text, at, colon, 'cgroup')) {
        if (tokenStop > valueStart) state.cgroup = internRange(state.texts, text, valueStart, tokenStop);
      } else if (isWordAt(text, at, colon, 'v6only') && tokenStop - valueStart === 1) {
        const flag = text.charCodeAt(valueStart);
        if (flag === 48 || flag === 49) state.v6only = flag === 49;
      }
      // Unknown keys (sk:, fwmark:, timer:(...), future fields) are tolerated.
    }
    at = tokenStop;
  }
  // Each listener its own array, as callers may add to it.
  return processes ?? [];
}

/**
 * `processes` and then `process`, in an array of exactly that many elements for the usual one to four
 * (an array grown by push holds 17 slots: 100,000 listeners would carry megabytes of empty ones).
 */
function withProcess(processes: SsProcess[] | null, process: SsProcess): SsProcess[] {
  if (processes === null) return [process];
  switch (processes.length) {
    case 1: return [processes[0]!, process];
    case 2: return [processes[0]!, processes[1]!, process];
    case 3: return [processes[0]!, processes[1]!, processes[2]!, process];
    default:
      processes.push(process);
      return processes;
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
  const processes = readUsers(text, start, text.length, null);
  return processes === null ? null : { processes, end: usersEnd };
}

/** Where the field read by the last readUsers that succeeded ended: just past its closing ")". */
let usersEnd = 0;

/** parseUsers within text[.., end): the processes (and usersEnd), or null. */
function readUsers(text: string, start: number, end: number, state: State | null): SsProcess[] | null {
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
      usersEnd = candidate.next;
      return frames.map((f) => f.candidates[f.next - 1]!.process);
    }
    if (dead.has(candidate.next)) continue;
    frames.push({ position: candidate.next, candidates: tupleCandidates(text, candidate.next, end), next: 0 });
  }
  return null;
}

/** The search's first path: at every tuple, its first candidate; null when that path does not reach the end. */
function firstCandidatePath(text: string, start: number, end: number, state: State | null): SsProcess[] | null {
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
      const name = state === null ? text.slice(nameStart, q) : internRange(state.texts, text, nameStart, q);
      processes = withProcess(processes, { name, pid: tailPid });
      if (final) {
        usersEnd = after + 1;
        return processes;
      }
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

/** What one parse keeps while it reads the lines, and the fields of the line being read. */
interface State {
  /**
   * Text that repeats from line to line (process names, cgroups, devices), kept once: 100,000
   * listeners of a few services then share a few strings instead of holding 100,000 copies.
   */
  texts: RangeTable<string>;
  /** Host text (`127.0.0.1`, `2001:db8::1`, without brackets and device) -> what it reads as. */
  hosts: RangeTable<Host>;
  /** The text has no tab: tokens end at the next space, found by indexOf (natively). */
  spacesOnly: boolean;
  /** The next space at or after the last token start searched from (the text's length: none left). */
  space: number;
  /** The port whose listeners are read (ANY_PORT: every one); listeners on others are counted. */
  wantedPort: number;
  others: number;
  // Set by readLocal:
  port: number;
  device: string | null;
  bracketed: boolean;
  // Set by readRest:
  uid: number | null;
  inode: number | null;
  cgroup: string | null;
  v6only: boolean | null;
}

const MAX_STRINGS = 4096;

function newState(text: string, wantedPort: number): State {
  return {
    texts: new RangeTable(MAX_STRINGS),
    hosts: new RangeTable(MAX_STRINGS),
    spacesOnly: !text.includes('\t'),
    space: -1,
    wantedPort,
    others: 0,
    port: 0,
    device: null,
    bracketed: false,
    uid: null,
    inode: null,
    cgroup: null,
    v6only: null,
  };
}

/** Index of the first `code` in text[from, to), or -1. */
function indexWithin(text: string, code: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === code) return i;
  return -1;
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
