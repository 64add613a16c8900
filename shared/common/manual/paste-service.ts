import { isNoSystemd } from '../parsers/command-failure';
import { matchSignatureLines, matchSignatures, parseJournalJson } from '../parsers/journalctl-json';
import { findUnit, parseSystemctlShow, parseSystemdTimestamp, serviceFactsOf } from '../parsers/systemctl-show';
import { err, ok, type Result } from '../result';
import type { ServiceFacts } from '../tree/remote-facts';
import type { DetectedFormat } from './formats';
import { ParserInput, quoteLine, type PasteLine, type PreparedPaste } from './paste-text';
import type { ParsedPaste, PasteContext, PasteError } from './types';

/**
 * A pasted service state and log: `systemctl show UNIT -p ...` (or `systemctl status UNIT`)
 * followed by `journalctl -u UNIT -n 100 --no-pager`, as plain lines or `-o json`. The facts are
 * built the way the SSH collector builds them: the same unit choice, the same "only lines since the
 * unit last tried to start" rule, the same Appendix B signatures over the log messages.
 */

const PROPERTY = /^[A-Za-z][A-Za-z0-9_]*=/;
const STATUS_HEADER = /^\S{0,2}\s*(\S+\.(?:service|socket|target|mount|timer|path|scope|slice))(?:\s+-\s.*)?$/;
const STATUS_NOT_FOUND = /^Unit (\S+) could not be found\.$/;
const HINT = /^Hint: You are currently not seeing messages from /;
// Separators and the hint's continuation lines (journalctl without -q).
const NOTICE = /^-- .* --$|^-- (?:Journal begins|Logs begin|Boot |No entries|Reboot)|^\s+(?:Users in (?:groups?|the) |Pass -q to turn off|turn off this notice)/;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `Nov 24 04:25:44[.123456] host ident[pid]: message` (short, short-precise). */
const SHORT = /^([A-Z][a-z]{2}) ([ 0-3]?\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? \S+ (.*)$/;
/** `2026-11-24T04:25:44+0000 host ...` (short-iso, short-iso-precise). */
const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:[.,](\d{1,6}))?(?:Z|[+-]\d\d:?\d\d)? \S+ (.*)$/;
/** `1795494346.683060 host ...` (short-unix). */
const UNIX = /^(\d{9,11})(?:\.(\d{1,6}))? \S+ (.*)$/;
/** `ident[pid]: message` after the host. */
const IDENT = /^[^:[\]]{1,200}(?:\[\d{1,10}\])?: (.*)$/;
const HALF_YEAR_MS = 183 * 24 * 3600 * 1000;

interface UnitState {
  id: string | null;
  loadState: string | null;
  activeState: string | null;
  subState: string | null;
  result: string | null;
  unitFileState: string | null;
  nRestarts: number | null;
  /** When the unit last tried to start, as printed by systemctl (server-local time). */
  lastStart: string | null;
}

export function parseServicePaste(paste: PreparedPaste, _format: DetectedFormat, ctx: PasteContext): Result<ParsedPaste, PasteError> {
  const parts = partition(paste.lines);
  let state: UnitState | null = null;
  let stateFormat = 'systemctl show';
  if (parts.show.some((l) => l.text !== '')) {
    const input = new ParserInput(parts.show);
    const show = parseSystemctlShow(input.text);
    if (!show.ok) return err({ kind: 'service', message: `${show.error.message} (read as \`systemctl show\` output)` });
    const unit = (ctx.service !== null ? findUnit(show.value, ctx.service) : undefined) ?? show.value.units[0];
    if (unit) {
      state = {
        id: unit.id, loadState: unit.loadState, activeState: unit.activeState, subState: unit.subState, result: unit.result,
        unitFileState: unit.unitFileState, nRestarts: unit.nRestarts, lastStart: unit.timestamps.inactiveExit ?? unit.timestamps.execMainStart,
      };
    }
  } else if (parts.status.length > 0) {
    state = parseStatus(parts.status);
    stateFormat = 'systemctl status';
  }
  if (state === null) {
    const text = paste.content.map((l) => l.text).join('\n');
    if (isNoSystemd(text)) {
      const line = paste.content.find((l) => isNoSystemd(l.text));
      return err({ kind: 'service', message: `systemd does not run on this server ("${quoteLine(line?.text ?? '')}"), so systemctl cannot show the service; say how the service is started instead.`, ...(line ? { line: line.no } : {}) });
    }
    const unit = ctx.service ?? 'UNIT';
    return err({
      kind: 'service',
      message: `The paste holds log lines but not the unit's state: paste the output of \`systemctl show ${unit} -p Id,LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts --no-pager\` (or \`systemctl status ${unit}\`) together with the log.`,
    });
  }

  // Only lines since the unit last tried to start count (as over SSH): an old "Address already in
  // use" must not explain today's failure. JSON carries real timestamps, read against systemd's UTC
  // time; plain lines carry the server's wall clock, read against systemctl's wall clock.
  const signatures: ServiceFacts['signatures'] = [];
  let logLines = 0;
  let partial = false;
  if (parts.json.length > 0) {
    const journal = parseJournalJson(new ParserInput(parts.json).text);
    const lastStart = parseSystemdTimestamp(state.lastStart);
    const recent = lastStart === null ? journal.entries : journal.entries.filter((e) => e.realtimeMs === null || e.realtimeMs >= lastStart - 2000);
    signatures.push(...matchSignatures(recent).map((m) => ({ signature: m.signature, line: m.entry.message ?? '' })));
    logLines += journal.entries.length;
    partial ||= journal.partial;
  }
  if (parts.text.length > 0) {
    const lastStartWall = wallClockMs(state.lastStart);
    const lastStartUtc = parseSystemdTimestamp(state.lastStart);
    const messages = parts.text
      .map((l) => logLine(l.text, lastStartWall))
      .filter((l) => {
        const since = l.clock === 'unix' ? lastStartUtc : lastStartWall;
        return l.ms === null || since === null || l.ms >= since - 2000;
      })
      .map((l) => l.message);
    signatures.push(...matchSignatureLines(messages).map((m) => ({ signature: m.signature, line: m.line })));
    logLines += parts.text.length;
  }
  partial ||= parts.hint;

  const service: ServiceFacts = serviceFactsOf(state, ctx.service ?? '', signatures);
  const journalFormat = parts.json.length > 0 ? ' + journalctl -o json' : parts.text.length > 0 ? ' + journalctl' : '';
  const found = [...new Set(signatures.map((s) => s.signature))];
  const summary = [
    `${service.unit}: ${service.activeState}/${service.subState}${service.result && service.result !== 'success' ? ` (Result=${service.result})` : ''}${service.nRestarts ? `, restarted ${service.nRestarts} times` : ''}`,
    `${logLines} log line${logLines === 1 ? '' : 's'}${partial ? " (only this user's: no journal group)" : ''}`,
    found.length > 0 ? `signatures: ${found.join(', ')}` : 'no known error signature',
  ].join('; ');
  return ok({ patch: { kind: 'service', service }, format: `${stateFormat}${journalFormat}`, summary });
}

interface Parts {
  /** Property lines, and blank lines (systemctl separates units with one). */
  show: PasteLine[];
  status: PasteLine[];
  json: PasteLine[];
  text: PasteLine[];
  hint: boolean;
}

function partition(lines: readonly PasteLine[]): Parts {
  const parts: Parts = { show: [], status: [], json: [], text: [], hint: false };
  let inStatus = false;
  for (const l of lines) {
    const t = l.text;
    if (t.trim() === '') {
      inStatus = false;
      parts.show.push(l);
      continue;
    }
    if (inStatus && /^\s/.test(t)) {
      parts.status.push(l);
      continue;
    }
    inStatus = false;
    if (PROPERTY.test(t)) parts.show.push(l);
    else if (/^\s+(?:Loaded|Active):\s/.test(t) && parts.status.length === 0) {
      // The unit line was not copied: the block still starts here.
      inStatus = true;
      parts.status.push(l);
    }
    else if (STATUS_HEADER.test(t) || STATUS_NOT_FOUND.test(t.trim())) {
      // A second status block (several units) is read only for its first unit, as systemctl show's first block would be.
      if (parts.status.length === 0) inStatus = true;
      if (inStatus) parts.status.push(l);
    } else if (t.trimStart().startsWith('{')) parts.json.push(l);
    else if (HINT.test(t)) parts.hint = true;
    else if (!NOTICE.test(t)) parts.text.push(l);
  }
  return parts;
}

/**
 * `systemctl status UNIT`: the unit line, `Loaded:` (load state; unit file state) and `Active:`
 * (active state, sub-state, and `Result:` when it is not success). NRestarts is not shown there.
 */
function parseStatus(lines: readonly PasteLine[]): UnitState {
  const state: UnitState = { id: null, loadState: null, activeState: null, subState: null, result: null, unitFileState: null, nRestarts: null, lastStart: null };
  for (const { text } of lines) {
    const t = text.trim();
    const missing = STATUS_NOT_FOUND.exec(t);
    if (missing) return { ...state, id: missing[1]!, loadState: 'not-found', activeState: 'inactive', subState: 'dead', result: '', unitFileState: '' };
    const header = STATUS_HEADER.exec(text);
    if (header && state.id === null) {
      state.id = header[1]!;
      continue;
    }
    const loaded = /^Loaded:\s+(\S+)(?:\s+\((.*)\))?/.exec(t);
    if (loaded) {
      state.loadState = loaded[1]!;
      const fields = (loaded[2] ?? '').split(';').map((f) => f.trim());
      if (state.loadState === 'masked') state.unitFileState = 'masked';
      else if (fields.length >= 2 && fields[1] !== '' && !fields[1]!.includes(':')) state.unitFileState = fields[1]!;
      continue;
    }
    const active = /^Active:\s+(\S+)(.*)$/.exec(t);
    if (active) {
      state.activeState = active[1]!;
      const words = (active[2] ?? '').split(' since ')[0] ?? '';
      const groups = [...words.matchAll(/\(([^()]*)\)/g)].map((m) => m[1]!.trim());
      const result = groups.find((g) => g.startsWith('Result: '));
      state.result = result ? result.slice('Result: '.length).trim() : 'success';
      state.subState = groups.find((g) => !g.startsWith('Result: ')) ?? (state.activeState === 'failed' ? 'failed' : null);
    }
  }
  return state;
}

/** `Tue 2026-11-24 04:25:53 CET` as a wall-clock time (the zone ignored), in "milliseconds". */
function wallClockMs(text: string | null): number | null {
  const m = /^(?:[A-Za-z]{3} )?(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)?(?: \S+)?$/.exec(text?.trim() ?? '');
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? ms : null;
}

interface LogLine {
  message: string;
  /** Wall-clock (short, iso) or epoch (unix) milliseconds; null when the line has no time. */
  ms: number | null;
  clock: 'wall' | 'unix';
}

/** One plain journal line: its message without `date host ident[pid]: `, and its time when it has one. */
function logLine(text: string, lastStartWall: number | null): LogLine {
  const short = SHORT.exec(text);
  if (short) {
    const month = MONTHS.indexOf(short[1]!);
    // Short lines have no year: take the unit's start year, and the year before for lines that would lie far in its future.
    const year = lastStartWall === null ? 2000 : new Date(lastStartWall).getUTCFullYear();
    let ms: number | null = month < 0 ? null : Date.UTC(year, month, Number(short[2]), Number(short[3]), Number(short[4]), Number(short[5]), fraction(short[6]));
    if (ms !== null && lastStartWall !== null && ms > lastStartWall + HALF_YEAR_MS) ms = Date.UTC(year - 1, month, Number(short[2]), Number(short[3]), Number(short[4]), Number(short[5]), fraction(short[6]));
    return { message: messageOf(short[7]!), ms: lastStartWall === null ? null : ms, clock: 'wall' };
  }
  const iso = ISO.exec(text);
  if (iso) {
    const ms = Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]), Number(iso[4]), Number(iso[5]), Number(iso[6]), fraction(iso[7]));
    return { message: messageOf(iso[8]!), ms: Number.isFinite(ms) ? ms : null, clock: 'wall' };
  }
  const unix = UNIX.exec(text);
  if (unix) return { message: messageOf(unix[3]!), ms: Number(unix[1]) * 1000 + fraction(unix[2]), clock: 'unix' };
  // `journalctl -o cat`, or an application's own log file: the whole line is the message.
  return { message: text.trim(), ms: null, clock: 'wall' };
}

function messageOf(rest: string): string {
  return IDENT.exec(rest)?.[1] ?? rest;
}

/** `.123456` (microseconds, or fewer digits) as whole milliseconds. */
function fraction(digits: string | undefined): number {
  return digits === undefined ? 0 : Math.floor(Number(`0.${digits}`) * 1000);
}
