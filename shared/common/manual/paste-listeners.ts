import { parseNetstatListeners } from '../parsers/netstat';
import { parseProcNetTcpListeners } from '../parsers/proc-net-tcp';
import { parseSsListenersOnPort } from '../parsers/ss';
import { err, ok, type Result } from '../result';
import type { Listener } from '../schema/listener';
import type { DetectedFormat } from './formats';
import { atLine, ParserInput, withoutFailures, type PasteLine, type PreparedPaste } from './paste-text';
import type { ParsedPaste, PasteContext, PasteError } from './types';

/**
 * A pasted listener table: `ss -tlnp` / `ss -Htlnpe` (header or not, families mixed), `netstat
 * -tlnp` / `-tln` (net-tools, BusyBox, BSD), or `cat /proc/net/tcp /proc/net/tcp6` (one header per
 * file). Output cut down with `| grep :PORT` has no header, which is fine: ss lines are read by
 * structure, and netstat and /proc get their header back. Only listeners on the port are kept,
 * read by the same parsers as the SSH evidence.
 */

const SS_HEADER = /^\s*(?:(?:State|Netid)\s+Recv-Q\b|Recv-Q\s+Send-Q\b)/;
const PROC_HEADER = /^\s*sl\s+local_address\s/;
const NETSTAT_HEADER = /^\s*Proto\s+Recv-Q\s/;
// The /proc/net/tcp6 header; tcp's says rem_address, and either is read the same.
const SYNTHETIC_PROC_HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const SYNTHETIC_NETSTAT_HEADER = 'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name';

export function parseListenersPaste(paste: PreparedPaste, format: DetectedFormat, ctx: PasteContext): Result<ParsedPaste, PasteError> {
  const lines = withoutFailures(paste);
  if (format.id === 'proc-net-tcp') return fromProc(lines, ctx);
  if (format.id === 'netstat') return fromNetstat(lines, ctx);
  return fromSs(lines, ctx);
}

function fromSs(lines: readonly PasteLine[], ctx: PasteContext): Result<ParsedPaste, PasteError> {
  // Several runs pasted together (`ss -4 ...; ss -6 ...`) repeat the header: drop every header line.
  const input = new ParserInput(lines.map((l) => (SS_HEADER.test(l.text) ? { text: '', no: l.no } : l)));
  // No family hint: `*` is read the way current iproute2 prints it, a dual-stack `::`.
  const parsed = parseSsListenersOnPort(input.text, ctx.port);
  if (!parsed.ok) return err({ kind: 'listeners', message: `${input.message(parsed.error.message, parsed.error.line)} (read as \`ss -tlnp\` output)`, ...atLine(input.pasteLine(parsed.error.line)) });
  const extended = /\b(?:ino|cgroup|v6only):\S/.test(input.text);
  return done(extended ? 'ss -tlnpe' : 'ss -tlnp', parsed.value.listeners, parsed.value.others, ctx);
}

function fromNetstat(lines: readonly PasteLine[], ctx: PasteContext): Result<ParsedPaste, PasteError> {
  const header = lines.find((l) => NETSTAT_HEADER.test(l.text));
  const input = new ParserInput(lines, header ? [] : [SYNTHETIC_NETSTAT_HEADER]);
  const parsed = parseNetstatListeners(input.text);
  if (!parsed.ok) return err({ kind: 'listeners', message: `${input.message(parsed.error.message, parsed.error.line)} (read as \`netstat -tlnp\` output)`, ...atLine(input.pasteLine(parsed.error.line)) });
  const withPrograms = header ? /PID\/Program/.test(header.text) : parsed.value.some((l) => l.processes.length > 0);
  const mine = parsed.value.filter((l) => l.port === ctx.port);
  return done(withPrograms ? 'netstat -tlnp' : 'netstat -tln', mine, parsed.value.length - mine.length, ctx);
}

/** `cat /proc/net/tcp /proc/net/tcp6`: one section per header; lines before any header (grep) get one. */
function fromProc(lines: readonly PasteLine[], ctx: PasteContext): Result<ParsedPaste, PasteError> {
  const sections: { header: PasteLine | null; body: PasteLine[] }[] = [{ header: null, body: [] }];
  for (const l of lines) {
    if (PROC_HEADER.test(l.text)) sections.push({ header: l, body: [] });
    else if (l.text.trim() !== '') sections[sections.length - 1]!.body.push(l);
  }
  const listeners: Listener[] = [];
  let others = 0;
  let sawIpv6File = false;
  for (const section of sections) {
    if (section.header === null && section.body.length === 0) continue;
    const input = section.header ? new ParserInput([section.header, ...section.body]) : new ParserInput(section.body, [SYNTHETIC_PROC_HEADER]);
    // x86 and most ARM servers are little-endian; a big-endian server's addresses would read reversed.
    const parsed = parseProcNetTcpListeners(input.text, 'little', ctx.port);
    if (!parsed.ok) return err({ kind: 'listeners', message: `${input.message(parsed.error.message, parsed.error.line)} (read as /proc/net/tcp)`, ...atLine(input.pasteLine(parsed.error.line)) });
    if (/remote_address/.test(section.header?.text ?? '')) sawIpv6File = true;
    listeners.push(...parsed.value.listeners);
    others += parsed.value.others;
  }
  return done(sawIpv6File ? '/proc/net/tcp + /proc/net/tcp6' : '/proc/net/tcp', listeners, others, ctx);
}

/** `mine`: the listeners on the port; `others`: how many the table lists on other ports. */
function done(format: string, mine: Listener[], others: number, ctx: PasteContext): Result<ParsedPaste, PasteError> {
  const shown = mine.map(describe).join(', ');
  const summary =
    mine.length > 0
      ? `${mine.length} listener${mine.length === 1 ? '' : 's'} on port ${ctx.port}: ${shown} (${format}, pasted)`
      : `nothing listens on port ${ctx.port}${others > 0 ? ` (${others} listener${others === 1 ? '' : 's'} on other ports)` : ''} (${format}, pasted)`;
  return ok({
    patch: { kind: 'listeners', listeners: { status: 'ok', source: `${format} (pasted)`, listeners: mine, reason: null } },
    format,
    summary,
  });
}

function describe(l: Listener): string {
  const host = l.family === 6 ? `[${l.address}]` : l.address;
  const owner = l.processes[0] ? ` ${l.processes[0].name}` : '';
  return `${host}${l.device ? `%${l.device}` : ''}:${l.port}${owner}`;
}
