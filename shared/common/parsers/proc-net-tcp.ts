import type { Listener } from '../schema/listener';
import { err, ok, type Result } from '../result';
import { formatIpv6Groups } from '../net/address';
import { decimalAt } from './digits';
import { lineCount } from './lines';
import { RangeTable } from './range-table';

/**
 * Decodes /proc/net/tcp and /proc/net/tcp6 (catalog §2.3, §4.2). Pure: the caller reads the file.
 * Addresses are printed in host byte order, so the reader's endianness is a parameter; x86 and most
 * ARM are little-endian. The file cannot show v6only, a bound device or the owning PID.
 */

export interface ProcTcpSocket {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: ProcTcpState;
  /** For LISTEN: the current accept-queue length. */
  rxQueue: number;
  uid: number;
  inode: number;
}

export type ProcTcpState =
  | 'ESTABLISHED' | 'SYN_SENT' | 'SYN_RECV' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'TIME_WAIT' | 'CLOSE'
  | 'CLOSE_WAIT' | 'LAST_ACK' | 'LISTEN' | 'CLOSING' | 'NEW_SYN_RECV' | 'UNKNOWN';

const states: readonly ProcTcpState[] = [
  'UNKNOWN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
  'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV',
];

export interface ProcTcpParseError {
  code: 'not-proc-net-tcp' | 'bad-line';
  message: string;
  line: number;
}

export type Endianness = 'little' | 'big';

const HEADER = /^sl\s+local_address\s+rem(ote)?_address\s+st\b/;

/** Fields read per line: only the first ten are stable (kernels append more, catalog §4.2). */
const FIELDS = 10;

/** Distinct addresses remembered per parse: a host's own addresses and its busiest peers repeat. */
const ADDRESS_CACHE = 65_536;

/**
 * A busy host has 100,000 sockets and more (15 MB of text, read whole on the workstation), so this
 * reads the text in place: fields are [start, end) ranges found with indexOf, values are read from
 * character codes, with no per-line copies, splits or regular expressions. Each distinct address
 * is decoded once, and its text shared by the sockets that have it.
 */
export function parseProcNetTcp(text: string, endianness: Endianness = 'little'): Result<ProcTcpSocket[], ProcTcpParseError> {
  // Sized by the line count (a socket per line at most), then cut to the sockets read.
  const sockets = new Array<ProcTcpSocket>(lineCount(text));
  let count = 0;
  const read = readLines(text, endianness, (reader) => {
    sockets[count++] = socketOf(reader);
  });
  if (!read.ok) return read;
  sockets.length = count;
  return ok(sockets);
}

/** The LISTEN sockets of a table as listeners, and how many listen on other ports. */
export interface ProcTcpListeners {
  listeners: Listener[];
  others: number;
}

/**
 * The listeners of a table, all of them or (with `port`) those on one port: what every caller reads
 * of it. Every line is read and checked as parseProcNetTcp does, and a line it cannot read fails the
 * parse just the same, but only the listeners wanted are built. A busy host's table is mostly
 * connections, and building each one would be most of the parse's time and memory.
 */
export function parseProcNetTcpListeners(text: string, endianness: Endianness = 'little', port?: number): Result<ProcTcpListeners, ProcTcpParseError> {
  const listeners: Listener[] = [];
  let others = 0;
  const read = readLines(text, endianness, (reader) => {
    if (reader.stateCode !== LISTEN) return;
    if (port === undefined || reader.localPort === port) listeners.push(listenerOf(reader));
    else others++;
  });
  return read.ok ? ok({ listeners, others }) : read;
}

/** Reads and checks every line after the header, handing each socket line to `take` while its fields are in `reader`. */
function readLines(text: string, endianness: Endianness, take: (reader: Reader) => void): Result<void, ProcTcpParseError> {
  const firstEnd = lineEnd(text, 0);
  if (!HEADER.test(text.slice(0, firstEnd).trim())) {
    return err({ code: 'not-proc-net-tcp', message: 'The text does not start with the /proc/net/tcp header (sl local_address rem_address st ...).', line: 1 });
  }
  const reader: Reader = {
    text,
    little: endianness === 'little',
    spacesOnly: !hasOtherWhitespace(text),
    space: -1,
    starts: new Int32Array(FIELDS),
    ends: new Int32Array(FIELDS),
    addresses: new RangeTable(ADDRESS_CACHE),
    localColon: 0,
    localPort: 0,
    remoteColon: 0,
    remotePort: 0,
    stateCode: 0,
    rxQueue: 0,
    uid: 0,
    inode: 0,
  };
  let lineNo = 1;
  for (let next = firstEnd + 1; next <= text.length; ) {
    lineNo++;
    const start = next;
    const stop = lineEnd(text, next);
    next = stop + 1;
    const fields = splitFields(reader, start, stop);
    if (fields === 0) continue;
    if (fields < FIELDS) {
      // Fewer than FIELDS means the whole line was counted.
      return err({ code: 'bad-line', message: `Line ${lineNo} has ${fields} fields; at least 10 are expected.`, line: lineNo });
    }
    if (!readSocketFields(reader)) {
      const line = text.slice(start, stop).trim();
      return err({ code: 'bad-line', message: `Line ${lineNo} is not a /proc/net/tcp socket line: "${line.slice(0, 120)}"`, line: lineNo });
    }
    take(reader);
  }
  return ok(undefined);
}

/** One parse's text and what it keeps from line to line. */
interface Reader {
  text: string;
  little: boolean;
  /**
   * The kernel separates fields with spaces only. Then a field ends at the next space, found by
   * indexOf (natively) instead of testing each character.
   */
  spacesOnly: boolean;
  /** The next space at or after the last field start searched from (the text's length: none left); searched forward only. */
  space: number;
  /** Start and end of each of the first FIELDS fields of the current line. */
  starts: Int32Array;
  ends: Int32Array;
  /** Address hex text -> its decoded address, looked up in place (no copy of the key per line). */
  addresses: RangeTable<string>;
  // The current line's values, set by readSocketFields; the addresses are checked there, and
  // decoded only for a socket that is built.
  localColon: number;
  localPort: number;
  remoteColon: number;
  remotePort: number;
  stateCode: number;
  rxQueue: number;
  uid: number;
  inode: number;
}

const LISTEN = 0x0a;

/** Finds the first FIELDS whitespace-separated fields of text[start, stop); returns how many there are (up to FIELDS). */
function splitFields(reader: Reader, start: number, stop: number): number {
  const { text, starts, ends } = reader;
  let fields = 0;
  for (let i = start; fields < FIELDS; ) {
    if (reader.spacesOnly) {
      while (i < stop && text.charCodeAt(i) === 32) i++;
      if (i === stop) break;
      starts[fields] = i;
      if (reader.space < i) {
        const space = text.indexOf(' ', i);
        reader.space = space < 0 ? text.length : space;
      }
      i = reader.space < stop ? reader.space : stop;
    } else {
      while (i < stop && isWhitespace(text.charCodeAt(i))) i++;
      if (i === stop) break;
      starts[fields] = i;
      while (i < stop && !isWhitespace(text.charCodeAt(i))) i++;
    }
    ends[fields++] = i;
  }
  return fields;
}

/** Reads the values of the line whose fields splitFields found into `reader`; false when they do not read as a socket. */
function readSocketFields(reader: Reader): boolean {
  const { text, starts, ends } = reader;
  const localColon = addressEnd(text, starts[1]!, ends[1]!);
  const localPort = decodePort(text, localColon, ends[1]!);
  const remoteColon = addressEnd(text, starts[2]!, ends[2]!);
  const remotePort = decodePort(text, remoteColon, ends[2]!);
  const stateCode = ends[3]! - starts[3]! === 2 ? hexValue(text, starts[3]!, ends[3]!) : -1;
  // tx_queue:rx_queue; like split(':')[1], rx ends at the next colon, if any.
  const queuesEnd = ends[4]!;
  const rxStart = text.indexOf(':', starts[4]!) + 1;
  const uid = decimalAt(text, starts[7]!, ends[7]!, Infinity);
  const inode = decimalAt(text, starts[9]!, ends[9]!, Infinity);
  if (!isAddressHex(text, starts[1]!, localColon) || localPort < 0 || !isAddressHex(text, starts[2]!, remoteColon) || remotePort < 0 || stateCode < 0 || rxStart <= 0 || rxStart > queuesEnd || !isWhole(uid) || !isWhole(inode)) {
    return false;
  }
  let rxEnd = text.indexOf(':', rxStart);
  if (rxEnd < 0 || rxEnd > queuesEnd) rxEnd = queuesEnd;
  const rx = rxEnd > rxStart ? hexValue(text, rxStart, rxEnd) : -1;
  reader.localColon = localColon;
  reader.localPort = localPort;
  reader.remoteColon = remoteColon;
  reader.remotePort = remotePort;
  reader.stateCode = stateCode;
  reader.rxQueue = rx < 0 ? 0 : rx;
  reader.uid = uid;
  reader.inode = inode;
  return true;
}

function socketOf(reader: Reader): ProcTcpSocket {
  const { text, starts } = reader;
  return {
    localAddress: decodeAddress(text, starts[1]!, reader.localColon, reader.little, reader.addresses),
    localPort: reader.localPort,
    remoteAddress: decodeAddress(text, starts[2]!, reader.remoteColon, reader.little, reader.addresses),
    remotePort: reader.remotePort,
    state: states[reader.stateCode] ?? 'UNKNOWN',
    rxQueue: reader.rxQueue,
    uid: reader.uid,
    inode: reader.inode,
  };
}

function listenerOf(reader: Reader): Listener {
  const address = decodeAddress(reader.text, reader.starts[1]!, reader.localColon, reader.little, reader.addresses);
  return listenerFields(address, reader.localPort, reader.uid, reader.inode);
}

/** A /proc listener: the file cannot show v6only, a bound device or the owning process. */
function listenerFields(address: string, port: number, uid: number, inode: number): Listener {
  return { address, port, family: address.includes(':') ? 6 : 4, v6only: null, device: null, uid, inode, processes: [] };
}

/** The LISTEN sockets of a parsed table, as listeners. */
export function procListeners(sockets: readonly ProcTcpSocket[]): Listener[] {
  return sockets.filter((s) => s.state === 'LISTEN').map((s) => listenerFields(s.localAddress, s.localPort, s.uid, s.inode));
}

/** End of the HEX part of `HEX:PORT` in text[from, to): like split(':')[0], up to the first colon. */
function addressEnd(text: string, from: number, to: number): number {
  const colon = text.indexOf(':', from);
  return colon < 0 || colon >= to ? to : colon;
}

/** PORT of `HEX:PORT`, the field ending at `to`, from its first colon at `colon` (or `to`): four hex digits (like split(':')[1], text after another colon is ignored), or -1. */
function decodePort(text: string, colon: number, to: number): number {
  let portEnd = text.indexOf(':', colon + 1);
  if (portEnd < 0 || portEnd > to) portEnd = to;
  return portEnd - colon - 1 === 4 ? hexValue(text, colon + 1, portEnd) : -1;
}

/** HEX of `HEX:PORT`, text[from, end): 8 hex digits (IPv4) or 32 (IPv6). */
function isAddressHex(text: string, from: number, end: number): boolean {
  if (end - from !== 8 && end - from !== 32) return false;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The address of `HEX:PORT`, HEX being text[from, end) that isAddressHex accepted. */
function decodeAddress(text: string, from: number, end: number, little: boolean, cache: RangeTable<string>): string {
  const known = cache.get(text, from, end);
  if (known !== null) return known;
  const address = end - from === 8 ? decodeIpv4(text, from, little) : decodeIpv6(text, from, little);
  cache.set(text.slice(from, end), address);
  return address;
}

function decodeIpv4(text: string, from: number, little: boolean): string {
  const word = hexValue(text, from, from + 8);
  const bytes = [word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255];
  // Printed in host order: on a little-endian host the bytes are reversed. join gives one flat string.
  return (little ? bytes.reverse() : bytes).join('.');
}

function decodeIpv6(text: string, from: number, little: boolean): string {
  const groups: number[] = [];
  for (let w = 0; w < 4; w++) {
    let word = hexValue(text, from + w * 8, from + w * 8 + 8);
    // Each 32-bit word is printed in host order: on a little-endian host its bytes are reversed.
    if (little) word = (((word & 255) << 24) | (((word >>> 8) & 255) << 16) | (((word >>> 16) & 255) << 8) | (word >>> 24)) >>> 0;
    groups.push(word >>> 16, word & 0xffff);
  }
  return formatIpv6Groups(groups);
}

/** The value of the hex digits text[from, to) (at least one), or -1. Exact beyond 2^53 as parseInt is. */
function hexValue(text: string, from: number, to: number): number {
  if (to <= from) return -1;
  if (to - from > 13) return /^[0-9A-Fa-f]+$/.test(text.slice(from, to)) ? parseInt(text.slice(from, to), 16) : -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Index of the next newline at or after `from`, or the text's length. */
function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline < 0 ? text.length : newline;
}

/** White space other than the space and the newline, as `\s` knows it. */
const OTHER_WHITESPACE = ['\t', '\v', '\f', '\r', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];

function hasOtherWhitespace(text: string): boolean {
  for (const c of OTHER_WHITESPACE) if (text.includes(c)) return true;
  return false;
}

/** Exactly what `\s` and String.prototype.trim treat as white space. */
function isWhitespace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Read, and exact: past 2^53 a number is no longer exact, and a wrong uid or inode is worse than a bad line. */
function isWhole(n: number): boolean {
  return n >= 0 && Number.isSafeInteger(n);
}
