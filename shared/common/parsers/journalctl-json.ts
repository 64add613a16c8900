import type { z } from 'zod';
import type { LogSignature } from '../schema/remote';

/**
 * Parses `journalctl ... -o json --no-pager` (catalog §2.1 "Recent logs", §4.9): one JSON object per
 * line. Field values are strings; a value that is not printable UTF-8 is an array of byte integers;
 * a field present several times is an array of such values; a value over 4096 bytes is null unless
 * `--all` was given. Pure: the caller runs the command and passes its output (stderr may be
 * appended: the "not seeing messages" hint is recognised and reported as `partial`).
 */

/** A decoded field value; null when journalctl left it out as too large (no `--all`). */
export type JournalValue = string | null;
export type JournalField = JournalValue | JournalValue[];

export interface JournalEntry {
  /** Every field, byte arrays decoded as UTF-8 (invalid bytes become U+FFFD); repeated fields are arrays. */
  fields: Record<string, JournalField>;
  /** MESSAGE (the first one, if repeated). */
  message: string | null;
  /** __REALTIME_TIMESTAMP (µs since the epoch, a string) as milliseconds. */
  realtimeMs: number | null;
  /** _SYSTEMD_UNIT: the unit whose process wrote the entry (systemd's own lines carry init.scope). */
  unit: string | null;
  /** UNIT: the unit an entry from systemd itself is about (`Failed to start nginx.service`). */
  subjectUnit: string | null;
  identifier: string | null;
  pid: number | null;
  /** 0 (emerg) .. 7 (debug). */
  priority: number | null;
  /** _TRANSPORT: journal, syslog, stdout, kernel, audit, driver. */
  transport: string | null;
  /** 1-based line number in the input. */
  line: number;
}

export interface JournalParse {
  entries: JournalEntry[];
  /** Lines that are neither a JSON object nor a known journalctl notice. */
  malformed: number;
  /** journalctl said it shows only the caller's own messages (no adm / systemd-journal group). */
  partial: boolean;
  /** `No journal files were found.`: nothing to read, which is not the same as no matching entries. */
  noJournal: boolean;
}

const HINT = /^Hint: You are currently not seeing messages from /;
// The hint's continuation lines (systemd 232..255 wording), and the separators `-q` would remove.
const NOTICE = /^(?:\s+(?:Users in (?:groups?|the) |Pass -q to turn off|turn off this notice)|-- (?:No entries|Boot [0-9a-f]+|Reboot) --|-- Journal begins |-- Logs begin )/;
const NO_JOURNAL = /^No journal files were (?:found|opened due to insufficient permissions)\.$/;

export function parseJournalJson(text: string): JournalParse {
  const result: JournalParse = { entries: [], malformed: 0, partial: false, noJournal: false };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (line.startsWith('{')) {
      const entry = parseEntry(line, i + 1);
      if (entry) result.entries.push(entry);
      else result.malformed++;
      continue;
    }
    if (HINT.test(line)) result.partial = true;
    else if (NO_JOURNAL.test(line.trim())) result.noJournal = true;
    else if (!NOTICE.test(line)) result.malformed++;
  }
  return result;
}

function parseEntry(line: string, lineNumber: number): JournalEntry | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const fields: Record<string, JournalField> = Object.create(null) as Record<string, JournalField>;
  for (const [key, raw] of Object.entries(parsed as Record<string, unknown>)) {
    const value = decodeField(raw);
    if (value === undefined) return null;
    fields[key] = value;
  }
  const first = (key: string): string | null => {
    const v = fields[key];
    return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
  };
  const realtime = first('__REALTIME_TIMESTAMP');
  return {
    fields,
    message: first('MESSAGE'),
    realtimeMs: realtime !== null && /^[0-9]{1,17}$/.test(realtime) ? Math.floor(Number(realtime) / 1000) : null,
    unit: first('_SYSTEMD_UNIT'),
    subjectUnit: first('UNIT'),
    identifier: first('SYSLOG_IDENTIFIER'),
    pid: smallInt(first('_PID')),
    priority: smallInt(first('PRIORITY')),
    transport: first('_TRANSPORT'),
    line: lineNumber,
  };
}

/** One value: string, null, or bytes. undefined = not a journal value. */
function decodeValue(raw: unknown): JournalValue | undefined {
  if (typeof raw === 'string' || raw === null) return raw;
  if (Array.isArray(raw) && raw.every((b) => typeof b === 'number')) return decodeBytes(raw as number[]);
  return undefined;
}

/** A field: one value, or (repeated field) an array of values, each a string, null or a byte array. */
function decodeField(raw: unknown): JournalField | undefined {
  const single = decodeValue(raw);
  if (single !== undefined) return single;
  if (!Array.isArray(raw)) return undefined;
  const values: JournalValue[] = [];
  for (const item of raw) {
    const v = decodeValue(item);
    if (v === undefined) return undefined;
    values.push(v);
  }
  return values;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function decodeBytes(bytes: readonly number[]): string {
  // Anything that is not a byte becomes 0xFF, which the decoder turns into U+FFFD like other invalid input.
  const data = Uint8Array.from(bytes, (b) => (Number.isInteger(b) && b >= 0 && b <= 255 ? b : 0xff));
  return utf8.decode(data);
}

function smallInt(value: string | null): number | null {
  return value !== null && /^[0-9]{1,15}$/.test(value) ? Number(value) : null;
}

/** The catalog signatures a log line can carry: the same members as LogSignature in schema/remote.ts. */
export type JournalSignature = z.infer<typeof LogSignature>;

export interface SignatureMatch {
  signature: JournalSignature;
  entry: JournalEntry;
}

/**
 * Catalog Appendix B rows as they appear in a Linux journal (or a pasted log): B2/B3/B7/B8/B9,
 * B10 (SELinux AVC or AppArmor denying bind), D5 (a proxy whose upstream refuses) and B11
 * (MySQL/MariaDB with networking switched off). Windows socket error numbers (10048, 10049) are
 * left out: in a journal they would match PIDs and ports. Literal alternations only (no nested
 * quantifiers), each tested on its own, so a huge line is scanned in linear time. A Record, so a
 * new LogSignature member does not compile until it has a pattern here.
 */
const SIGNATURES: Readonly<Record<JournalSignature, (message: string) => boolean>> = {
  'port-in-use': (m) => /Address already in use|\(98: |port is already allocated|EADDRINUSE/i.test(m),
  'address-unavailable': (m) => /Cannot assign requested address|\(99: |EADDRNOTAVAIL/i.test(m),
  'permission-denied': (m) => /\(13: Permission denied\)|listen EACCES|cannot expose privileged port/i.test(m),
  // SELinux: `avc:  denied  { name_bind } for pid=... comm="nginx" src=8081`; AppArmor prints one
  // `apparmor="DENIED" operation="bind"` record whose fields may come in any order.
  'mac-denied': (m) => /avc:\s+denied\s+\{ name_bind \}/i.test(m) || (/apparmor="DENIED"/i.test(m) && /operation="bind"/i.test(m)),
  'oom-kill': (m) => /Out of memory: Killed process|oom-kill:|killed by the OOM killer|Failed with result 'oom-kill'/i.test(m),
  'start-limit': (m) => /Start request repeated too quickly|start-limit-hit/i.test(m),
  'upstream-refused': (m) => /connect\(\) failed \(111: Connection refused\) while connecting to upstream|no live upstreams|has no server available/i.test(m),
  'networking-disabled': (m) => /skip[-_]networking/i.test(m),
};

const SIGNATURE_NAMES = Object.keys(SIGNATURES) as JournalSignature[];

/** The signatures one log message carries, in the order of the table above. */
export function signaturesOf(message: string): JournalSignature[] {
  return SIGNATURE_NAMES.filter((name) => SIGNATURES[name](message));
}

/** Every (entry, signature) pair whose MESSAGE (any of them, if repeated) matches, in entry order. */
export function matchSignatures(entries: readonly JournalEntry[]): SignatureMatch[] {
  const matches: SignatureMatch[] = [];
  for (const entry of entries) {
    const raw = entry.fields.MESSAGE;
    const messages = (Array.isArray(raw) ? raw : [raw ?? null]).filter((m): m is string => typeof m === 'string');
    for (const signature of SIGNATURE_NAMES) {
      if (messages.some((m) => SIGNATURES[signature](m))) matches.push({ signature, entry });
    }
  }
  return matches;
}

export interface LineSignatureMatch {
  signature: JournalSignature;
  line: string;
  /** 0-based position of the line in the input array. */
  index: number;
}

/**
 * The same signatures over plain log lines (a pasted `journalctl -u UNIT` without `-o json`, or an
 * application's own log file): every (line, signature) pair, in line order. Pass the messages
 * without the `Nov 24 04:25:44 host nginx[166]: ` prefix when the result should equal matchSignatures'.
 */
export function matchSignatureLines(lines: readonly string[]): LineSignatureMatch[] {
  const matches: LineSignatureMatch[] = [];
  lines.forEach((line, index) => {
    for (const signature of signaturesOf(line)) matches.push({ signature, line, index });
  });
  return matches;
}
