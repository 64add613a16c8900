import type { Listener } from '../schema/listener';
import { err, ok, type Result } from '../result';
import { isIpv4, normaliseIpv6 } from '../net/address';

/**
 * Decodes TCP listeners from `netstat` (catalog §2.2, §4.3). Pure: the caller runs netstat.
 *
 * - Linux net-tools `netstat -tlnpW` / `-tlnp` / `-tlnpeW`: `ADDR:PORT`, proto `tcp`/`tcp6`.
 *   `:::22` is printed for both v6-only and dual-stack sockets (v6only null); a v4-mapped
 *   listener shows as `127.0.0.1` under `tcp6` (returned as `::ffff:127.0.0.1`); a bound device is
 *   not shown (device null). `PID/Program name` is `-` for sockets the reader may not inspect.
 * - BusyBox `netstat -tln` (and `-tlnp` where compiled in): proto is `tcp` for both families.
 * - macOS / FreeBSD `netstat -an -p tcp`: `ADDR.PORT` (`*.22`, `::1.5432`, `fe80::1%lo0.5432`),
 *   proto `tcp4`, `tcp6` (v6-only) or `tcp46` (dual-stack). Recognised by a `*.*` peer column.
 *
 * Line policy: titles (`Active ...`), the `Proto ...` header, `(...)` notes and blank lines are
 * ignored; lines of other protocols (udp, unix, ...) and TCP lines in other states are skipped;
 * a TCP line that cannot be read fails the whole parse with its line number. Every netstat
 * prints the `Proto ...` header even with no sockets, so text without it (a usage message such
 * as BusyBox's answer to an unsupported -p) is `not-netstat`, never "no listeners".
 */

export interface NetstatOptions {
  /**
   * Whether the output came from `-W`/`--wide` (default true). Without it net-tools cuts an IPv6
   * host so that `host:port` fits 23 columns (`2001:2::abcd:ef01:2345:6789` became
   * `2001:2::abcd:ef01` in the lab), which still looks like a valid address. With `wide: false`
   * an IPv6 listener whose `host:port` is 23 characters or longer fails with
   * `truncated-address` rather than report a wrong address.
   */
  wide?: boolean;
}

export interface NetstatParseError {
  code: 'not-netstat' | 'bad-line' | 'bad-address' | 'truncated-address';
  message: string;
  line?: number;
}

const NARROW_ADDRESS_COLUMN = 23;

export function parseNetstatListeners(text: string, options: NetstatOptions = {}): Result<Listener[], NetstatParseError> {
  const wide = options.wide ?? true;
  const listeners: Listener[] = [];
  const lines = text.split('\n');
  let sawHeader = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '').trim();
    const lineNo = i + 1;
    const bad = (code: NetstatParseError['code'], message: string) =>
      err({ code, message: `Line ${lineNo}: ${message}: "${line.slice(0, 120)}"`, line: lineNo });
    if (line.startsWith('Proto ')) {
      sawHeader = true;
      continue;
    }
    if (line === '' || line.startsWith('(') || line.startsWith('Active ')) continue;
    const tokens = splitTokens(line, 6);
    const [proto = '', recvQ = '', sendQ = '', local = '', foreign = '', state = ''] = tokens.head;
    if (!/^tcp(4|6|46)?$/.test(proto)) continue;
    if (tokens.head.length < 5 || !/^[0-9]+$/.test(recvQ) || !/^[0-9]+$/.test(sendQ)) {
      return bad('bad-line', 'expected "Proto Recv-Q Send-Q Local Foreign State"');
    }
    if (state !== 'LISTEN') continue;
    const dotForm = foreign.endsWith('.*');
    const endpoint = dotForm ? parseDotEndpoint(local, proto) : parseColonEndpoint(local, proto);
    if (typeof endpoint === 'string') return bad('bad-address', endpoint);
    if (!wide && !dotForm && endpoint.family === 6 && local.length >= NARROW_ADDRESS_COLUMN) {
      return bad('truncated-address', `"${local}" may have been cut to fit the column; run netstat with -W`);
    }
    const extra = dotForm ? { uid: null, inode: null, processes: [] } : parseLinuxExtra(tokens.rest);
    listeners.push({ ...endpoint, ...extra });
  }
  if (!sawHeader) return err({ code: 'not-netstat', message: 'No "Proto Recv-Q Send-Q ..." header: this is not netstat output.' });
  return ok(listeners);
}

type Endpoint = Pick<Listener, 'address' | 'port' | 'family' | 'v6only' | 'device'>;

/** Linux `ADDR:PORT`: split on the last colon. */
function parseColonEndpoint(text: string, proto: string): Endpoint | string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return 'local address has no ":port"';
  const port = parsePort(text.slice(colon + 1));
  if (port === null) return `port "${text.slice(colon + 1)}" is not a number (run netstat with -n)`;
  const { host, device } = splitZone(text.slice(0, colon));
  if (isIpv4(host)) {
    // net-tools prints a v4-mapped IPv6 listener in dotted form under tcp6.
    if (proto === 'tcp6') return { address: `::ffff:${host}`, port, family: 6, v6only: false, device };
    return { address: host, port, family: 4, v6only: null, device };
  }
  const v6 = normaliseIpv6(host);
  if (v6 === null) return `"${host}" is not an IP address`;
  return { address: v6, port, family: 6, v6only: isV4Mapped(v6) ? false : null, device };
}

/** BSD `ADDR.PORT`: split on the last dot; the proto says the family and, for `*`, dual-stack. */
function parseDotEndpoint(text: string, proto: string): Endpoint | string {
  const dot = text.lastIndexOf('.');
  if (dot < 0) return 'local address has no ".port"';
  const port = parsePort(text.slice(dot + 1));
  if (port === null) return `port "${text.slice(dot + 1)}" is not a number (run netstat with -n)`;
  const { host, device } = splitZone(text.slice(0, dot));
  // tcp6 is a v6-only socket, tcp46 accepts both families; plain tcp predates IPv6.
  const v6only = proto === 'tcp6' ? true : proto === 'tcp46' ? false : null;
  if (host === '*') {
    if (proto === 'tcp6' || proto === 'tcp46') return { address: '::', port, family: 6, v6only, device };
    return { address: '0.0.0.0', port, family: 4, v6only: null, device };
  }
  if (isIpv4(host)) return { address: host, port, family: 4, v6only: null, device };
  const v6 = normaliseIpv6(host);
  if (v6 === null) return `"${host}" is not an IP address`;
  return { address: v6, port, family: 6, v6only: isV4Mapped(v6) ? false : v6only, device };
}

/**
 * The columns after State on Linux: `PID/Program name` (`-` when unknown; the name may hold
 * spaces), optionally preceded by `User Inode` with `-e`. BusyBox without -p prints nothing.
 */
function parseLinuxExtra(rest: string): Pick<Listener, 'uid' | 'inode' | 'processes'> {
  let uid: number | null = null;
  let inode: number | null = null;
  let program = rest;
  const ext = /^(\S+)\s+([0-9]+)(?:\s+(.*))?$/.exec(rest);
  if (ext && !/^[0-9]+\//.test(rest) && rest !== '-') {
    uid = wholeNumber(ext[1]);
    inode = wholeNumber(ext[2]);
    program = ext[3] ?? '';
  }
  const slash = program.indexOf('/');
  const pidText = slash > 0 ? program.slice(0, slash) : '';
  const processes = /^[0-9]{1,10}$/.test(pidText) ? [{ pid: Number(pidText), name: program.slice(slash + 1).trim() }] : [];
  return { uid, inode, processes };
}

/** Decimal digits as a number; null past 2^53, where a number is no longer exact (a listener's ids must be). */
function wholeNumber(digits: string | undefined): number | null {
  if (digits === undefined || !/^[0-9]+$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

function splitZone(host: string): { host: string; device: string | null } {
  const percent = host.indexOf('%');
  if (percent < 0) return { host, device: null };
  return { host: host.slice(0, percent), device: host.slice(percent + 1) || null };
}

function parsePort(text: string): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

function isV4Mapped(v6: string): boolean {
  return v6.startsWith('::ffff:') && v6.includes('.');
}

/** The first `count` whitespace-separated tokens and the trimmed remainder of the line. */
function splitTokens(line: string, count: number): { head: string[]; rest: string } {
  const head: string[] = [];
  let i = 0;
  while (head.length < count) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length) break;
    const start = i;
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
    head.push(line.slice(start, i));
  }
  return { head, rest: line.slice(i).trim() };
}
