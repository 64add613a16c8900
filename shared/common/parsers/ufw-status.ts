import { err, ok, type Result } from '../result';
import { parsePortList } from './iptables-save';

/**
 * Decodes `ufw status`, `ufw status verbose` and `ufw status numbered` (catalog C3, §4.7). Pure.
 * Rule lines are `TO  ACTION [DIR]  FROM`; the columns are padded to 26 characters but long values
 * overflow them, so the line is split on the action word instead. Non-verbose output omits `IN`
 * for incoming rules (direction null there). Needs LC_ALL=C: the words are translated otherwise.
 */

export type UfwAction = 'ALLOW' | 'DENY' | 'REJECT' | 'LIMIT';
export type UfwDirection = 'IN' | 'OUT' | 'FWD';

export interface UfwRule {
  /** 1-based number from `ufw status numbered`, else null. */
  number: number | null;
  /** The To column without `(v6)` and ` on IFACE`: `8082/tcp`, `Anywhere`, `198.18.12.2 8084/tcp`, `OpenSSH`, `22/tcp (OpenSSH)`. */
  to: string;
  action: UfwAction;
  /** null when the listing omits it (non-verbose, incoming). */
  direction: UfwDirection | null;
  /** The From column without `(v6)` and ` on IFACE`: `Anywhere`, `203.0.113.7`, `198.18.12.0/24`. */
  from: string;
  v6: boolean;
  /** Destination ports; null when the rule covers every port (To is an address or Anywhere) or names an app profile only. */
  ports: [number, number][] | null;
  proto: 'tcp' | 'udp' | null;
  /** Interface after `on` in the To column (`8091/tcp on eth0`), else null. */
  toInterface: string | null;
  /** Interface after `on` in the From column (route rules), else null. */
  fromInterface: string | null;
  /** The line as printed, trimmed. */
  text: string;
}

export interface UfwStatus {
  active: boolean;
  defaults: { incoming: string | null; outgoing: string | null; routed: string | null };
  /** `on (medium)` -> { on: true, level: 'medium' }; null when not printed (non-verbose). */
  logging: { on: boolean; level: string | null } | null;
  rules: UfwRule[];
}

export interface UfwStatusError {
  code: 'needs-privilege' | 'not-ufw-status' | 'bad-line';
  message: string;
  line?: number;
}

// A rule line is split with three small expressions instead of one: with two lazy `(.*?)` columns
// between `\s+` runs, a single expression backtracked for seconds on a long line of spaces.
const NUMBER = /^\[\s*(\d+)\]\s+/;
const ACTION_FIRST = /^(?:ALLOW|DENY|REJECT|LIMIT)(?=\s)/;
// One white-space character before and after, never a run: the search stays linear.
const ACTION = /\s(ALLOW|DENY|REJECT|LIMIT)(?:\s(IN|OUT|FWD)(?=\s))?(?=\s)/;
const MARKER = /\s\((out|fwd|in)\)$/;

export function parseUfwStatus(text: string): Result<UfwStatus, UfwStatusError> {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const status: UfwStatus = { active: false, defaults: { incoming: null, outgoing: null, routed: null }, logging: null, rules: [] };
  let sawStatus = false;
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    if (/You need to be root/i.test(line) || /Permission denied/i.test(line)) {
      return err({ code: 'needs-privilege', message: `ufw status needs root: "${line.slice(0, 160)}"`, line: lineNo });
    }
    const st = /^Status:\s*(active|inactive)$/i.exec(line);
    if (st) {
      status.active = (st[1] ?? '').toLowerCase() === 'active';
      sawStatus = true;
      continue;
    }
    if (!sawStatus) {
      return err({ code: 'not-ufw-status', message: `This is not ufw status output (no "Status:" line first): "${line.slice(0, 120)}"`, line: lineNo });
    }
    const logging = /^Logging:\s*(on|off)(?:\s*\(([^)]*)\))?$/i.exec(line);
    if (logging) {
      status.logging = { on: (logging[1] ?? '').toLowerCase() === 'on', level: logging[2] ?? null };
      continue;
    }
    if (/^Default:/i.test(line)) {
      // The look-behind starts a match only at a word's first character: linear on a long word.
      for (const m of line.matchAll(/(?<![\w-])([\w-]+)\s*\((incoming|outgoing|routed)\)/gi)) {
        const which = (m[2] ?? '').toLowerCase() as 'incoming' | 'outgoing' | 'routed';
        status.defaults[which] = m[1] ?? null;
      }
      continue;
    }
    if (/^New profiles:/i.test(line)) continue;
    if (/^To\s+Action\s+From$/.test(line)) {
      inTable = true;
      continue;
    }
    if (/^--\s+------\s+----$/.test(line)) continue;
    if (!inTable) {
      return err({ code: 'bad-line', message: `Line ${lineNo} is not part of ufw status output: "${line.slice(0, 120)}"`, line: lineNo });
    }
    const rule = parseRule(line);
    if (rule === null) return err({ code: 'bad-line', message: `Line ${lineNo} is not a ufw rule (TO ACTION [DIR] FROM): "${line.slice(0, 120)}"`, line: lineNo });
    status.rules.push(rule);
  }
  if (!sawStatus) return err({ code: 'not-ufw-status', message: 'The text has no "Status:" line.' });
  return ok(status);
}

/** `[ N] TO ACTION [DIR] FROM [(out)]` (the line trimmed); null when no action word stands between two columns. */
function splitRule(line: string, numbered = true): { num: string | undefined; toRaw: string; action: string; dir: string | undefined; fromRaw: string; suffix: string | undefined } | null {
  const n = numbered ? NUMBER.exec(line) : null;
  const body = n ? line.slice(n[0].length) : line;
  const a = ACTION.exec(body);
  if (!a) {
    if (n === null) return null;
    // `[ 1]  ALLOW x`: an empty To column, which the single expression read (and refused) before
    // trying the line without its number.
    if (n[0].length - n[0].trimEnd().length >= 2 && ACTION_FIRST.test(body)) return null;
    return splitRule(line, false);
  }
  const rest = body.slice(a.index + a[0].length);
  // A marker with nothing before it (`REJECT (out)`) is the From column itself, as the single
  // expression this replaced read it.
  const found = MARKER.exec(rest);
  const marker = found !== null && rest.slice(0, found.index).trim() !== '' ? found : null;
  return { num: n?.[1], toRaw: body.slice(0, a.index), action: a[1] ?? '', dir: a[2], fromRaw: marker ? rest.slice(0, marker.index) : rest, suffix: marker?.[1] };
}

function parseRule(line: string): UfwRule | null {
  const m = splitRule(line);
  if (!m) return null;
  const { num, toRaw, action, dir, fromRaw, suffix } = m;
  const to = splitSide(toRaw);
  const from = splitSide(fromRaw);
  if (to.value === '' || from.value === '') return null;
  // `ufw status numbered` prints OUT/FWD rules with a trailing "(out)"/"(fwd)" marker.
  const direction = (dir as UfwDirection | undefined) ?? (suffix === 'out' ? 'OUT' : suffix === 'fwd' ? 'FWD' : null);
  const { ports, proto } = portsOf(to.value);
  return {
    number: num !== undefined ? Number(num) : null,
    to: to.value,
    action: action as UfwAction,
    direction,
    from: from.value,
    v6: to.v6 || from.v6 || isV6Address(firstWord(to.value)) || isV6Address(firstWord(from.value)),
    ports,
    proto,
    toInterface: to.iface,
    fromInterface: from.iface,
    text: line,
  };
}

function splitSide(raw: string): { value: string; v6: boolean; iface: string | null } {
  let value = raw.trim();
  let iface: string | null = null;
  // The look-behind starts the match at the first white space before `on`: linear on long runs.
  const on = /(?<!\s)\s+on\s+(\S+)$/.exec(value);
  if (on) {
    value = value.slice(0, on.index);
    iface = on[1] ?? null;
  }
  // "Anywhere (v6)", "8082/tcp (v6)", and for app profiles "22/tcp (OpenSSH (v6))".
  const app = /^(.*\S)\s+\(([^()]+) \(v6\)\)$/.exec(value);
  const v6 = app !== null || /\s\(v6\)$/.test(value) || value === '(v6)';
  value = app ? `${app[1]} (${app[2]})` : value.endsWith('(v6)') ? value.slice(0, -'(v6)'.length).trim() : value;
  // "8091/tcp (v6) on eth0": (v6) sits before "on".
  return { value, v6, iface };
}

/** Ports and protocol from the To column: `8082/tcp`, `9000:9010/tcp`, `80,443/tcp`, `53`, `198.18.12.2 8084/tcp`, `22/tcp (OpenSSH)`. */
function portsOf(to: string): { ports: [number, number][] | null; proto: 'tcp' | 'udp' | null } {
  const words = withoutTrailingGroup(to).split(/\s+/);
  const last = words[words.length - 1] ?? '';
  const m = /^([\d:,]+)(?:\/(tcp|udp))?$/.exec(last);
  if (!m) {
    const protoOnly = /\/(tcp|udp)$/.exec(last);
    return { ports: null, proto: protoOnly ? (protoOnly[1] as 'tcp' | 'udp') : null };
  }
  return { ports: parsePortList(m[1] ?? ''), proto: (m[2] as 'tcp' | 'udp' | undefined) ?? null };
}

function firstWord(s: string): string {
  return s.split(/\s+/)[0] ?? '';
}

function isV6Address(s: string): boolean {
  return /^[0-9a-fA-F:]+(\/\d+)?$/.test(s) && s.includes(':') && !/^\d+:\d+$/.test(s);
}

/**
 * `text` without a last `(...)` group and the white space before it (`22/tcp (OpenSSH)` -> `22/tcp`),
 * as `text.replace(/\s*\([^)]*\)$/, '')` would give, found with indexOf: that expression took
 * quadratic time on a long run of spaces or of `(`.
 */
export function withoutTrailingGroup(text: string): string {
  if (!text.endsWith(')')) return text;
  const open = text.indexOf('(', text.lastIndexOf(')', text.length - 2) + 1);
  return open < 0 ? text : text.slice(0, open).trimEnd();
}
