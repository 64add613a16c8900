/**
 * Redaction of a finished report before it is exported (Markdown, HTML, JSON and PDF are all
 * rendered from the redacted Report). Pure: `planRedaction` finds what to replace and shows it (the
 * preview), `applyRedaction` applies exactly that plan, so a UI can show the preview first.
 *
 * What is replaced, and by what:
 * - secrets, always: PEM private key blocks, the values of `password=`, `passwd=`, `passphrase=`,
 *   `secret=`, `token=`, `api_key=`/`apikey=` (also `KEY: value` and JSON `"key":"value"`),
 *   `Authorization: Bearer|Basic ...` and bare `Bearer ...` tokens, `user:password@` in URLs (the whole
 *   user info), AWS access key ids. Each becomes `[redacted-secret-N]`. A secret of 6 characters or
 *   more is also replaced wherever else it occurs; a shorter one only where its context shows it is one.
 * - `ips`: every IPv4 and IPv6 literal in any string, with the structured address fields first.
 *   Aliases come from the documentation ranges (192.0.2.0/24, then 198.51.100.0/24, 203.0.113.0/24;
 *   2001:db8::1, 2001:db8::2, ...), skipping any address already in the report. Loopback (127/8, ::1),
 *   the wildcards (0.0.0.0, ::), the broadcast address and netmasks are kept: they identify nobody,
 *   and the diagnosis turns on them (a service bound to 127.0.0.1 only is a cause of its own). An
 *   IPv4-mapped IPv6 address (::ffff:a.b.c.d) keeps its prefix and has its IPv4 part replaced, so it
 *   reads as the same address as its IPv4 form. Different spellings of one IPv6 address map to one
 *   alias. A 4-octet number whose octets are all 0-255 is an address (`1.8.9` or `1.2.3.456` is not).
 * - `hosts`: host names from the structured fields (target, DNS name, SSH destinations and hops,
 *   proxy URLs) and from `user@host` (in SSH commands), dotted `host:port` and URL shapes in
 *   command-like fields (commands, `where`, servers). Once known, a name is replaced everywhere,
 *   case-insensitively, at label boundaries: `ro` never matches inside `from` or `error`, a name
 *   inside a longer one is replaced as a label (`db.corp.example` holds `corp.example`), and a longer
 *   name wins over its suffix (`db.example.com` is one alias, not `db.` + the alias of `example.com`).
 *   Aliases are `host-N.example.invalid` (`host-N` alone if an original is `example` or `invalid`).
 *   `localhost` is kept, like loopback addresses. A single-label name (`db`) is replaced wherever
 *   that word stands alone: more than needed, never less.
 * - `users`: SSH login users (destinations, hops, the failed hop and chain) and `user@host` users of
 *   command-like fields, `root` included (a lab or a server logged in as root must not say so). A user
 *   name is a common word, so it is replaced only where the text says it is a user: `NAME@host`,
 *   `User NAME`, `User=NAME`, `"user":"NAME"`, `-l NAME`, `-u NAME`, `--user NAME`, `uid=0(NAME)`,
 *   sshd's `for NAME from`, a home directory (`/home/NAME`, `/Users/NAME`), and a field named `user`
 *   (hop labels); a user wins over a host of the same name there (`ro@ro` is user1@host-1...). Elsewhere
 *   it is kept: `root` in `/root` and `/root/.ssh` (system paths, replaced whole when `paths` is chosen
 *   too), in prose (`you must be root`) and in `ls -l` columns; numeric uids (`uid 0`) are kept.
 *   Aliases are `user1`, `user2`, ...
 * - `paths`: the SSH layer's file paths, whatever their directory (known_hosts files, the identity
 *   file, `publickey /path` in the methods tried), and any path under a home or temporary directory
 *   (/home, /Users, /root, ~, /tmp, /var/tmp, /var/folders, /private/..., /run/user, /dev/shm,
 *   C:\Users) in any text. Other system paths in text (/etc/hosts, /proc/net/tcp,
 *   /etc/ssh/sshd_config) are kept: they identify nobody and say what was read. The
 *   whole path is replaced (a directory or file name can hold a person's or a project's name), by
 *   `/redacted/path-N`, with a well-known SSH file name kept as the basename
 *   (`/redacted/path-1/known_hosts`) so the report still says which kind of file it was.
 *
 * Every alias skips text already in the report (`user10` there rules out user1 and user10), so an
 * alias is never confused with what the report says, and each alias's count in the redacted report
 * is its replacement's count. All originals are replaced in one pass per string (overlaps resolved:
 * a secret first, then the longest match), so an alias is never rewritten by a later replacement,
 * and applying a plan to its own output changes nothing (unless an original is a word of the alias
 * vocabulary, such as a password `secret`).
 *
 * What is never rewritten: enum and identifier fields (schema, status, check, cause and node ids,
 * fingerprints and public host keys, ...) so the redacted report still parses; object keys (node ids
 * in `answers`). The plan holds the originals (it is the preview shown to the person): it is never
 * exported itself.
 *
 * Every pattern is linear in its input (no nested or unbounded ambiguous quantifiers; IPv6 literals
 * and the plan's originals are found without regular expressions), checked on 100 kB adversarial
 * lines by the tests.
 */
import { formatIpv6Groups, isIpv4, isLoopbackAddress, normaliseIpv6 } from '../net/address';
import { err, ok, type Result } from '../result';
import type { Report } from '../schema/report';
import { parseSshDestination } from '../schema/ssh-destination';
import { shown } from '../schema/target';

export type RedactClass = 'hosts' | 'ips' | 'users' | 'paths';

export const REDACT_CLASSES: readonly RedactClass[] = ['hosts', 'ips', 'users', 'paths'];

/** What to redact besides secrets (secrets are always redacted). */
export interface RedactOptions {
  classes: ReadonlySet<RedactClass>;
}

export type RedactKind = RedactClass | 'secret';

/** One original and its alias; `count` is how often it is replaced in the report. */
export interface Replacement {
  kind: RedactKind;
  original: string;
  alias: string;
  count: number;
}

/** The preview shown to the person: every replacement, sorted by kind then first appearance. */
export interface RedactionPlan {
  replacements: Replacement[];
}

const KIND_ORDER: readonly RedactKind[] = ['secret', 'hosts', 'ips', 'users', 'paths'];

/** `--redact hosts,ips,users`: a comma-separated list of classes, or `all`; `secrets` is accepted (always on). */
export function parseRedactClasses(text: string): Result<ReadonlySet<RedactClass>, { message: string }> {
  const words = text
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '');
  if (words.length === 0) return err({ message: 'Name what to redact: hosts, ips, users, paths (comma-separated), or all.' });
  const classes = new Set<RedactClass>();
  for (const word of words) {
    if (word === 'all') REDACT_CLASSES.forEach((c) => classes.add(c));
    else if (word === 'secrets' || word === 'secret') continue;
    else if ((REDACT_CLASSES as readonly string[]).includes(word)) classes.add(word as RedactClass);
    else return err({ message: `"${shown(word)}" is not something to redact: use hosts, ips, users, paths (comma-separated), or all. Secrets are always redacted.` });
  }
  return ok(classes);
}

// ---------------------------------------------------------------------------------------------
// Walking the report's strings

/** Fields whose values come from Portwise's own vocabulary (enums, ids, keys): never rewritten. */
const PROTECTED_KEYS = new Set([
  'schema',
  'hostKind',
  'symptom',
  'outcome',
  'confidence',
  'by',
  'platform',
  'status',
  'origin',
  'check',
  'role',
  'action',
  'state',
  'signature',
  'family',
  'source',
  'keyType',
  'fingerprint',
  'key',
  'cause',
  'node',
  'next',
  'to',
  'leadsTo',
  'automatic',
  'choice',
  'id',
  'errorKind',
  'kind',
  'os',
  'rawSha256',
]);
/** Whole subtrees that are never rewritten. */
const PROTECTED_TREES = new Set(['tool']);
/** `sources` of a resolved address is an enum; `sources` of a firewall rule holds addresses. */
const ADDRESS_SOURCES = new Set(['literal', 'hosts-file', 'dns', 'system']);
/** Fields that hold commands or SSH destinations: scanned for `user@host` and `host:port`. */
const COMMAND_KEYS = new Set(['command', 'where', 'server', 'hop', 'input']);

function isProtected(key: string | null, value: string): boolean {
  if (key === null) return false;
  return PROTECTED_KEYS.has(key) || (key === 'sources' && ADDRESS_SOURCES.has(value));
}

/** A copy of `value` with every string that may be rewritten passed through `fn` (with its field name). */
function mapStrings(value: unknown, key: string | null, fn: (text: string, key: string | null) => string): unknown {
  if (typeof value === 'string') return isProtected(key, value) ? value : fn(value, key);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, key, fn));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = PROTECTED_TREES.has(k) ? v : mapStrings(v, k, fn);
    return out;
  }
  return value;
}

interface Slot {
  text: string;
  key: string | null;
}

function slotsOf(value: unknown): Slot[] {
  const slots: Slot[] = [];
  mapStrings(value, null, (text, key) => {
    slots.push({ text, key });
    return text;
  });
  return slots;
}

// ---------------------------------------------------------------------------------------------
// Scanners. Every pattern is linear: bounded quantifiers, or classes that cannot overlap what follows.

interface Found {
  start: number;
  end: number;
  /** The normalised original (canonical IPv6, lower-case host). */
  value: string;
}

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`(?<![0-9A-Za-z_.])(?:${OCTET}\\.){3}${OCTET}(?![0-9A-Za-z_]|\\.[0-9])`, 'g');
const NOT_BOUNDARY = /[G-Zg-z_]/;

function* ipv4s(text: string): Generator<Found> {
  for (const m of text.matchAll(IPV4)) yield { start: m.index, end: m.index + m[0].length, value: m[0] };
}

/** Hex digits, `:` and `.`: what an IPv6 literal is made of. */
function isV6Char(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}

/** IPv6 literals: each maximal run of their characters around a `:` is validated (no regex, so no backtracking). */
function* ipv6s(text: string): Generator<Found> {
  for (let colon = text.indexOf(':'); colon >= 0; ) {
    let start = colon;
    while (start > 0 && isV6Char(text.charCodeAt(start - 1))) start--;
    let end = colon + 1;
    let colons = 1;
    while (end < text.length && isV6Char(text.charCodeAt(end))) if (text.charCodeAt(end++) === 58) colons++;
    colon = text.indexOf(':', end);
    if (colons < 2 || end - start > 60) continue;
    const before = text[start - 1];
    const after = text[end];
    if ((before !== undefined && NOT_BOUNDARY.test(before)) || (after !== undefined && NOT_BOUNDARY.test(after))) continue;
    const run = text.slice(start, end).replace(/\.+$/, '');
    // A dotted tail is an IPv4-mapped address (its IPv4 part is found by ipv4s) or not an address.
    if (run.includes('.')) continue;
    const found = ipv6In(run);
    if (found) yield { start, end: start + found.length, value: found.value };
  }
}

/** The IPv6 address a run starts with: the whole run, or the run without a trailing `:port` or `:`. */
function ipv6In(run: string): { length: number; value: string } | null {
  const lastColon = run.lastIndexOf(':');
  const tail = run.slice(lastColon + 1);
  const withoutPort = run.slice(0, lastColon);
  const stripped = /^[0-9]{1,5}$/.test(tail) ? normaliseIpv6(withoutPort) : null;
  // netstat writes `:::22` and `::1:631`: an address, then the port.
  if (stripped !== null && (stripped === '::' || stripped === '::1')) return { length: withoutPort.length, value: stripped };
  const whole = normaliseIpv6(run);
  if (whole !== null) return { length: run.length, value: whole };
  if (stripped !== null) return { length: withoutPort.length, value: stripped };
  if (tail === '') {
    const v = normaliseIpv6(withoutPort);
    if (v !== null) return { length: withoutPort.length, value: v };
  }
  return null;
}

/** Addresses kept as they are: they carry the diagnosis's meaning and identify nobody. */
function keptIp(address: string): boolean {
  if (address === '::' || address === '::1' || isLoopbackAddress(address)) return true;
  if (!isIpv4(address)) return false;
  const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const inverse = 0xffffffff - n;
  // 0.0.0.0, 255.255.255.255 and netmasks (ones then zeros, from 255.0.0.0 up).
  return n === 0 || (n >= 0xff000000 && (inverse & (inverse + 1)) === 0);
}

const USER_AT_HOST = /(?<![\w.$@-])([A-Za-z_][A-Za-z0-9_.-]{0,31}\$?)@(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9_][A-Za-z0-9_.-]{0,252})/g;
/**
 * The host of a URL in a command (`curl http://db.internal:8080/`). URLs are looked for from their
 * `://` (the scheme is checked behind it): a scheme-first pattern would be tried at every word.
 */
const URL_HOST = /:\/\/(?<=\b[a-z][a-z0-9+.-]{0,30}:\/\/)(?:[^\s@/?#]{0,256}@)?(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9_][A-Za-z0-9_.-]{0,252})/gi;
const HOST_PORT = /(?<![\w.@:/-])([A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.[A-Za-z][A-Za-z0-9-]{0,62}):([0-9]{1,5})(?![\w.:])/g;

const PATH_ROOTS = '(?:~|/(?:home|Users|root|tmp|var/tmp|var/folders|private/var/folders|private/tmp|run/user|dev/shm))';
const UNIX_PATH = new RegExp(`(?<![\\w.~/-])${PATH_ROOTS}(?:/[\\w.@%+=~-]+)+`, 'g');
const WINDOWS_PATH = /(?<![\w.])[A-Za-z]:\\Users(?:\\[^\\\s"'<>|:*?,;]+)+/g;
/** Any absolute path at the start of a structured value (`publickey /path/to/key`). */
const ANY_PATH = /^(?:~\/|\/|[A-Za-z]:\\)\S+/;

const PATH_ROOT = /^(?:~|\/(?:home|Users|root|tmp|var\/tmp|var\/folders|private\/var\/folders|private\/tmp|run\/user|dev\/shm)|[A-Za-z]:\\Users)/;

function* paths(text: string): Generator<Found> {
  for (const re of [UNIX_PATH, WINDOWS_PATH]) {
    for (const m of text.matchAll(re)) {
      const path = m[0].replace(/[.,]+$/, '').replace(/[/\\]+$/, '');
      // Something under the root, not the root itself (`/tmp`, `~`): nothing personal in that.
      const root = PATH_ROOT.exec(path)?.[0] ?? '';
      if (path.length > root.length + 1) yield { start: m.index, end: m.index + path.length, value: path };
    }
  }
}

// Secrets -----------------------------------------------------------------------------------------

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const KEY_VALUE =
  /(?:password|passwd|passphrase|secret|token|api[_-]?key)[A-Za-z0-9_-]{0,40}["']?[ \t]{0,8}[=:][ \t]{0,8}(?!\[redacted-)(?:"([^"\r\n]{1,512})"|'([^'\r\n]{1,512})'|([^\s"'&;,<>()[\]{}]+))/gi;
const AUTHORIZATION = /\b(?:proxy-)?authorization["']?[ \t]{0,8}[:=][ \t]{0,8}["']?(?:(?:bearer|basic|token|negotiate)[ \t]{1,8})?(?!\[redacted-)([^\s"',;]+)/gi;
const BEARER = /\bbearer[ \t]{1,8}(?!\[redacted-)([A-Za-z0-9._~+/=-]{8,})/gi;
const URL_USERINFO = /:\/\/(?<=\b[a-z][a-z0-9+.-]{0,30}:\/\/)([^\s/?#@:"'<>[\]]{1,256}:[^\s/?#@"'<>]{1,256})@/gi;
const AWS_KEY = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g;
/** Values that only look like secrets: placeholders and masks. */
const NOT_A_SECRET = /^(?:\*+|x+|null|true|false|none|undefined|redacted)$/i;
/** A secret this long is replaced wherever it occurs; a shorter one only in its context. */
const LITERAL_SECRET_MIN = 6;

function secrets(text: string): Found[] {
  const found: Found[] = [];
  const begin = new RegExp(PEM_BEGIN);
  const end = new RegExp(PEM_END);
  for (let b = begin.exec(text); b !== null; b = begin.exec(text)) {
    end.lastIndex = b.index + b[0].length;
    const e = end.exec(text);
    // A key cut short (raw output is capped) is still a key: to the end of the text.
    const stop = e ? e.index + e[0].length : text.length;
    found.push({ start: b.index, end: stop, value: text.slice(b.index, stop) });
    begin.lastIndex = stop;
  }
  for (const re of [KEY_VALUE, AUTHORIZATION, BEARER, URL_USERINFO]) {
    for (const m of text.matchAll(re)) {
      const groups = m.slice(1);
      const g = groups.findIndex((v) => v !== undefined);
      const value = groups[g];
      if (value === undefined || NOT_A_SECRET.test(value)) continue;
      // The value ends the match, but for a closing quote (quoted values) or the `@` of a URL.
      const closing = (re === KEY_VALUE && g < 2) || re === URL_USERINFO ? 1 : 0;
      const start = m.index + m[0].length - closing - value.length;
      found.push({ start, end: start + value.length, value });
    }
  }
  for (const m of text.matchAll(AWS_KEY)) found.push({ start: m.index, end: m.index + m[0].length, value: m[0] });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Matching the originals of a plan

type Originals = Map<RedactKind, Set<string>>;

interface Span {
  start: number;
  end: number;
  kind: RedactKind;
  original: string;
}

/**
 * Every occurrence of any of many strings, in one pass over the text (Aho-Corasick): the plan's
 * originals can be many, and one alternation of them all would be slow or too large for a regex.
 */
class Literals {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  /** The pattern ending at a node, or -1. */
  private readonly ends: number[] = [-1];
  /** The nearest node down the failure links where a pattern ends (0: none). */
  private readonly dict: number[] = [0];
  /** Long patterns (a key block, a long path) are few: each is looked for on its own. */
  private readonly long: number[] = [];

  constructor(readonly patterns: readonly string[]) {
    patterns.forEach((pattern, index) => {
      if (pattern === '') return;
      if (pattern.length > LONG_LITERAL) {
        this.long.push(index);
        return;
      }
      let node = 0;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        let to = this.next[node]?.get(c);
        if (to === undefined) {
          to = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.ends.push(-1);
          this.dict.push(0);
          this.next[node]?.set(c, to);
        }
        node = to;
      }
      this.ends[node] = index;
    });
    const queue: number[] = [...(this.next[0]?.values() ?? [])];
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q] as number;
      for (const [c, child] of this.next[node] ?? []) {
        let f = this.fail[node] ?? 0;
        while (f !== 0 && !this.next[f]?.has(c)) f = this.fail[f] ?? 0;
        const target = this.next[f]?.get(c) ?? 0;
        this.fail[child] = target === child ? 0 : target;
        const fc = this.fail[child] ?? 0;
        this.dict[child] = (this.ends[fc] ?? -1) >= 0 ? fc : (this.dict[fc] ?? 0);
        queue.push(child);
      }
    }
  }

  get empty(): boolean {
    return this.next.length === 1 && this.long.length === 0;
  }

  /** Calls `found` for each occurrence (overlapping ones too). */
  find(text: string, found: (start: number, end: number, pattern: string) => void): void {
    for (const index of this.long) {
      const pattern = this.patterns[index] ?? '';
      for (let at = text.indexOf(pattern); at >= 0; at = text.indexOf(pattern, at + 1)) found(at, at + pattern.length, pattern);
    }
    if (this.next.length === 1) return;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      while (state !== 0 && !this.next[state]?.has(c)) state = this.fail[state] ?? 0;
      state = this.next[state]?.get(c) ?? 0;
      for (let s = (this.ends[state] ?? -1) >= 0 ? state : (this.dict[state] ?? 0); s !== 0; s = this.dict[s] ?? 0) {
        const pattern = this.patterns[this.ends[s] ?? -1] ?? '';
        found(i + 1 - pattern.length, i + 1, pattern);
      }
    }
  }
}

/** Longer originals are searched for one by one (indexOf), not through the automaton. */
const LONG_LITERAL = 256;

/** Lower-cases ASCII letters only, so offsets stay those of the text. */
const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Text before a user name that says it is one (checked on the 24 characters before). */
const USER_BEFORE = [
  /(?:^|[^\w])(?:user(?:name)?|login|logname)["']?(?:[ \t]{0,4}[=:][ \t]{0,4}|[ \t]{1,4})["']?$/i,
  /(?:^|\s)(?:-l|-u|--user(?:=|[ \t]+))[ \t]*$/,
  /(?:^|[^\w])(?:\/home\/|\/Users\/|\\Users\\)$/,
];

function userContext(text: string, start: number, end: number): boolean {
  const after = text.charCodeAt(end);
  const before = text.charCodeAt(start - 1);
  if (after === 64 && /[\w[]/.test(text.charAt(end + 1))) return true; // NAME@host
  if (after === 41 && before === 40 && /\d/.test(text.charAt(start - 2))) return true; // uid=0(NAME)
  // The other contexts end in a space, `=`, `:`, a quote or a path separator.
  if (!' \t=:"\'/\\'.includes(text.charAt(start - 1)) || start === 0) return false;
  const lead = text.slice(Math.max(0, start - 24), start);
  if (text.startsWith(' from', end) && /(?:^|[^\w])for (?:invalid user )?$/.test(lead)) return true;
  return USER_BEFORE.some((re) => re.test(lead));
}

/** Finds, in one string, where the originals of a plan occur: non-overlapping, in order. */
class Matcher {
  private readonly hosts: Literals;
  private readonly users: Literals;
  private readonly paths: Literals;
  private readonly literalSecrets: Literals;

  constructor(private readonly originals: Originals) {
    this.hosts = new Literals([...this.set('hosts')]);
    this.users = new Literals([...this.set('users')]);
    this.paths = new Literals([...this.set('paths')]);
    this.literalSecrets = new Literals([...this.set('secret')].filter((s) => s.length >= LITERAL_SECRET_MIN));
  }

  private set(kind: RedactKind): ReadonlySet<string> {
    return this.originals.get(kind) ?? new Set();
  }

  /** `known`: the secrets of this text, when they were already looked for. */
  spans(text: string, key: string | null, known?: readonly Found[]): Span[] {
    // Secrets first; then, among the rest, the longest match wins.
    const first: Span[] = [];
    const rest: Span[] = [];
    const secretSet = this.set('secret');
    if (secretSet.size > 0) {
      for (const f of known ?? secrets(text)) if (secretSet.has(f.value)) first.push({ start: f.start, end: f.end, kind: 'secret', original: f.value });
      this.literalSecrets.find(text, (start, end, original) => first.push({ start, end, kind: 'secret', original }));
    }
    const ipSet = this.set('ips');
    if (ipSet.size > 0) {
      for (const f of ipv4s(text)) if (ipSet.has(f.value)) rest.push({ ...f, kind: 'ips', original: f.value });
      for (const f of ipv6s(text)) if (ipSet.has(f.value)) rest.push({ ...f, kind: 'ips', original: f.value });
    }
    // A user where the text says so goes before a host of the same name (`ro@ro`): users first, and the sort is stable.
    if (!this.users.empty) {
      this.users.find(text, (start, end, original) => {
        const before = text.charCodeAt(start - 1);
        const after = text.charCodeAt(end);
        if (isLabelChar(before) || before === 46 || before === 36 || isLabelChar(after) || after === 36) return;
        const whole = key === 'user' && start === 0 && end === text.length;
        if (whole || userContext(text, start, end)) rest.push({ start, end, kind: 'users', original });
      });
    }
    if (!this.hosts.empty) {
      // Host names at label boundaries, whatever their case.
      this.hosts.find(asciiLower(text), (start, end, original) => {
        if (!isLabelChar(text.charCodeAt(start - 1)) && !isLabelChar(text.charCodeAt(end))) rest.push({ start, end, kind: 'hosts', original });
      });
    }
    if (!this.paths.empty) {
      this.paths.find(text, (start, end, original) => {
        if (PATH_BEFORE.test(text.charAt(start - 1)) || PATH_AFTER.test(text.slice(end, end + 2))) return;
        rest.push({ start, end, kind: 'paths', original });
      });
    }
    return resolveOverlaps(first, rest);
  }
}

/** Letters, digits, `_` and `-`: inside a host label or a user name (NaN, out of the text, is not). */
function isLabelChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

const PATH_BEFORE = /^[\w.~/-]$/;
const PATH_AFTER = /^(?:[\w@%+=~-]|\.\w)/;

/**
 * The spans to replace, none overlapping: a secret wins over anything it overlaps, then the longest
 * match (so `db.example.com` is one name, not `db.` and `example.com`), then the leftmost; on a full
 * tie, the first found (a user before a host of the same name).
 */
function resolveOverlaps(first: Span[], rest: Span[]): Span[] {
  const all = first.length === 0 ? rest : rest.length === 0 ? first : first.concat(rest);
  if (all.length <= 1) return all;
  const byStart = [...all].sort((a, b) => a.start - b.start || b.end - a.end);
  let reach = 0;
  let overlapping = false;
  for (const span of byStart) {
    if (span.start < reach) {
      overlapping = true;
      break;
    }
    reach = span.end;
  }
  if (!overlapping) return byStart;
  const rank = (s: Span) => (s.kind === 'secret' ? 0 : 1);
  all.sort((a, b) => rank(a) - rank(b) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  let end = 0;
  for (const span of all) end = Math.max(end, span.end);
  const covered = new Uint8Array(end);
  const taken: Span[] = [];
  next: for (const span of all) {
    for (let i = span.start; i < span.end; i++) if (covered[i] === 1) continue next;
    covered.fill(1, span.start, span.end);
    taken.push(span);
  }
  return taken.sort((a, b) => a.start - b.start);
}

function replaceSpans(text: string, spans: readonly Span[], alias: (s: Span) => string | undefined): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    const to = alias(span);
    if (to === undefined) continue;
    out += text.slice(at, span.start) + to;
    at = span.end;
  }
  return out + text.slice(at);
}

// ---------------------------------------------------------------------------------------------
// Finding the originals

class Collector {
  readonly originals: Originals = new Map();

  constructor(private readonly options: RedactOptions) {}

  add(kind: RedactKind, value: string): void {
    if (kind !== 'secret' && !this.options.classes.has(kind)) return;
    let set = this.originals.get(kind);
    if (!set) this.originals.set(kind, (set = new Set()));
    set.add(value);
  }

  /** A host field: an address goes to `ips`, a name to `hosts` (loopback, wildcards and localhost are kept). */
  private readonly seenHosts = new Set<string>();

  hostOrIp(text: string | null | undefined): void {
    if (!text || this.seenHosts.has(text)) return;
    this.seenHosts.add(text);
    const host = text.trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
    if (isIpv4(host)) {
      if (!keptIp(host)) this.add('ips', host);
      return;
    }
    const v6 = normaliseIpv6(host);
    if (v6 !== null) {
      // An IPv4-mapped address: its IPv4 part is the address.
      const mapped = /^::ffff:([0-9.]+)$/.exec(v6)?.[1];
      if (mapped !== undefined) this.hostOrIp(mapped);
      else if (!keptIp(v6)) this.add('ips', v6);
      return;
    }
    const name = host.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost') || name === '*') return;
    if (/^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?$/.test(name) && /[a-z_-]/.test(name)) this.add('hosts', name);
  }

  user(name: string | null | undefined): void {
    if (name) this.add('users', name);
  }

  /** `user@host[:port]`, as `where` and servers hold them. */
  destination(text: string | null | undefined): void {
    if (!text || text === 'workstation' || text === 'pasted by a person') return;
    const d = parseSshDestination(text);
    if (!d.ok) return;
    this.user(d.value.user);
    this.hostOrIp(d.value.host);
  }

  hop(label: { user: string; host: string } | null | undefined): void {
    if (!label) return;
    this.user(label.user);
    this.hostOrIp(label.host);
  }

  path(text: string | null | undefined): void {
    const path = text ? ANY_PATH.exec(text)?.[0] : undefined;
    if (path) this.add('paths', path);
  }

  url(text: string | null | undefined): void {
    if (!text) return;
    const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(text.trim());
    this.hostOrIp(m?.[1]);
  }
}

function collectStructured(report: Report, c: Collector): void {
  c.hostOrIp(report.target.host);
  const proxy = report.workstation.proxy;
  if (proxy) {
    proxy.variables.forEach((v) => c.url(v.value));
    c.url(proxy.proxyForTarget);
  }
  for (const v of report.verifications ?? []) [...v.before, ...v.after].forEach((a) => c.hostOrIp(a.address));
  for (const e of report.evidence) {
    c.destination(e.where);
    const f = e.facts;
    switch (f.check) {
      case 'dns':
        c.hostOrIp(f.resolution.name);
        if (f.resolution.status === 'resolved') {
          f.resolution.addresses.forEach((a) => c.hostOrIp(a.address));
          f.resolution.dnsOnlyAddresses.forEach((a) => c.hostOrIp(a));
        }
        break;
      case 'tcp-probe':
        f.attempts.forEach((a) => c.hostOrIp(a.address));
        break;
      case 'baseline':
        c.hostOrIp(f.attempt.address);
        break;
      case 'local-listeners':
        if (f.table.status === 'ok') f.table.listeners.forEach((l) => c.hostOrIp(l.address));
        break;
      case 'proxy-env':
        f.proxy.variables.forEach((v) => c.url(v.value));
        c.url(f.proxy.proxyForTarget);
        break;
      case 'ssh-login':
        c.destination(f.server);
        f.hops.forEach((h) => c.destination(h.hop));
        collectSshDetail(f, c);
        break;
      case 'server-facts': {
        const r = f.remote;
        c.destination(r.server);
        r.ownership.forEach((o) => c.hostOrIp(o.address));
        r.listeners.listeners.forEach((l) => c.hostOrIp(l.address));
        r.selfProbes.forEach((p) => c.hostOrIp(p.address));
        r.containers?.containers.forEach((ct) => ct.ports.forEach((p) => c.hostOrIp(p.hostIp)));
        break;
      }
      case 'remote-command':
      case 'pasted':
        break;
    }
  }
  if (report.sshFailure) collectSshDetail(report.sshFailure, c);
}

function collectSshDetail(
  d: { failedHop?: { user: string; host: string } | null; chain?: { hop: { user: string; host: string } }[] | null; known?: { file: string }[] | null; keyPath?: string | null; methodsTried?: string[] | null },
  c: Collector,
): void {
  c.hop(d.failedHop);
  d.chain?.forEach((h) => c.hop(h.hop));
  d.known?.forEach((k) => c.path(k.file));
  c.path(d.keyPath);
  d.methodsTried?.forEach((m) => c.path(m.slice(m.indexOf(' ') + 1)));
}

function collectScanned(slots: readonly Slot[], found: readonly (readonly Found[])[], c: Collector): void {
  slots.forEach(({ text, key }, i) => {
    for (const f of found[i] ?? []) c.add('secret', f.value);
    for (const f of ipv4s(text)) if (!keptIp(f.value)) c.add('ips', f.value);
    for (const f of ipv6s(text)) if (!keptIp(f.value)) c.add('ips', f.value);
    for (const f of paths(text)) c.add('paths', f.value);
    if (key === null || !COMMAND_KEYS.has(key)) return;
    // `user@host` only where it is an SSH destination (not `getty@tty1.service` in a command, nor the
    // user info of a URL target, which is a secret).
    if (key !== 'input' && (key !== 'command' || /\b(?:ssh|scp|sftp)\b/.test(text))) {
      for (const m of text.matchAll(USER_AT_HOST)) {
        c.user(m[1]);
        c.hostOrIp(m[2]?.replace(/[.-]+$/, ''));
      }
    }
    for (const m of text.matchAll(HOST_PORT)) c.hostOrIp(m[1]);
    for (const m of text.matchAll(URL_HOST)) c.hostOrIp(m[1]);
  });
}

// ---------------------------------------------------------------------------------------------
// Aliases

/** SSH file names that say which kind of file a path was, and nothing about whose. */
const WELL_KNOWN_FILES = new Set([
  'known_hosts',
  'known_hosts2',
  'ssh_known_hosts',
  'authorized_keys',
  'config',
  'ssh_config',
  'sshd_config',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'id_ecdsa_sk',
  'id_ed25519_sk',
]);

/** The alias numbered `n` of one original (host names without a domain when an original is a label of it). */
function aliasOf(kind: RedactKind, original: string, n: number, hostDomain: string): string {
  switch (kind) {
    case 'ips':
      return original.includes(':') ? formatIpv6Groups([0x2001, 0xdb8, 0, 0, 0, 0, Math.floor(n / 0x10000) % 0x10000, n % 0x10000]) : ipv4Alias(n);
    case 'hosts':
      return `host-${n}${hostDomain}`;
    case 'users':
      return `user${n}`;
    case 'paths': {
      const base = original.split(/[/\\]/).at(-1) ?? '';
      return WELL_KNOWN_FILES.has(base) || WELL_KNOWN_FILES.has(base.replace(/\.pub$/, '')) ? `/redacted/path-${n}/${base}` : `/redacted/path-${n}`;
    }
    case 'secret':
      return `[redacted-secret-${n}]`;
  }
}

/**
 * The aliases the report's own text rules out: any number already written after an alias's prefix,
 * and any prefix of it (`user10` in the report rules out user1 and user10, so that no alias is part
 * of text already there), and likewise for addresses of the ranges aliases come from.
 */
class TakenAliases {
  private readonly numbers = new Map<RedactKind, Set<string>>();
  private readonly addresses = new Set<string>();

  constructor(lowerJson: string, reportIps: ReadonlySet<string>) {
    const prefixes: [RedactKind, RegExp][] = [
      ['hosts', /host-([0-9]{1,7})/g],
      ['users', /user([0-9]{1,7})/g],
      ['paths', /path-([0-9]{1,7})/g],
      ['secret', /secret-([0-9]{1,7})/g],
    ];
    for (const [kind, re] of prefixes) {
      const taken = new Set<string>();
      for (const m of lowerJson.matchAll(re)) for (let i = 1; i <= (m[1] ?? '').length; i++) taken.add((m[1] ?? '').slice(0, i));
      this.numbers.set(kind, taken);
    }
    for (const ip of reportIps) {
      // 192.0.2.123 rules out 192.0.2.1 and 192.0.2.12 too; 2001:db8::1ab rules out 2001:db8::1 and ::1a.
      const last = /[0-9a-f]+$/.exec(ip)?.[0] ?? '';
      for (let cut = 0; cut < last.length; cut++) this.addresses.add(ip.slice(0, ip.length - cut));
    }
  }

  has(kind: RedactKind, n: number, alias: string): boolean {
    return kind === 'ips' ? this.addresses.has(alias) : (this.numbers.get(kind)?.has(String(n)) ?? false);
  }
}

/** 192.0.2.1-254, 198.51.100.1-254, 203.0.113.1-254 (RFC 5737), then the reserved 240.0.0.0/4. */
function ipv4Alias(n: number): string {
  const ranges = ['192.0.2', '198.51.100', '203.0.113'];
  const range = ranges[Math.floor((n - 1) / 254)];
  if (range !== undefined) return `${range}.${((n - 1) % 254) + 1}`;
  const k = n - 254 * ranges.length;
  return `240.${Math.floor(k / 65536) % 256}.${Math.floor(k / 256) % 256}.${k % 256}`;
}

// ---------------------------------------------------------------------------------------------
// The plan and its application

const keyOf = (kind: RedactKind, original: string) => `${kind}\u0000${original}`;

/** Lists every replacement the options call for, with how often it occurs: the preview. */
export function planRedaction(report: Report, options: RedactOptions): RedactionPlan {
  return planSharedRedaction([report], { destinations: [], strings: null }, options);
}

/**
 * Strings a shared plan covers besides its reports (a fleet's server labels, destinations and
 * failures): `destinations` are read as `user@host:port`, like an evidence's `where`; every string
 * in `strings` is scanned under its field name, like a report's.
 */
export interface LooseStrings {
  destinations: readonly string[];
  strings: unknown;
}

/**
 * One plan for several reports and the strings around them (a fleet): an original gets one alias
 * everywhere, and no alias is a text already in any of them.
 */
export function planSharedRedaction(reports: readonly Report[], loose: LooseStrings, options: RedactOptions): RedactionPlan {
  const slots = [...reports.flatMap((report) => slotsOf(report)), ...loose.destinations.map((text) => ({ text, key: 'where' })), ...slotsOf(loose.strings)];
  const collector = new Collector(options);
  for (const report of reports) collectStructured(report, collector);
  for (const destination of loose.destinations) collector.destination(destination);
  const found = slots.map((slot) => secrets(slot.text));
  collectScanned(slots, found, collector);
  const matcher = new Matcher(collector.originals);

  const seen = new Map<string, { kind: RedactKind; original: string; count: number; first: number }>();
  let position = 0;
  slots.forEach((slot, i) => {
    for (const span of matcher.spans(slot.text, slot.key, found[i])) {
      const k = keyOf(span.kind, span.original);
      const entry = seen.get(k);
      if (entry) entry.count++;
      else seen.set(k, { kind: span.kind, original: span.original, count: 1, first: position + span.start });
    }
    position += slot.text.length + 1;
  });

  // Aliases never collide with text already in the report.
  const reportIps = new Set<string>();
  for (const slot of slots) for (const f of [...ipv4s(slot.text), ...ipv6s(slot.text)]) reportIps.add(f.value);
  const taken = new TakenAliases(JSON.stringify(reports.length === 1 && loose.destinations.length === 0 && loose.strings === null ? reports[0] : [reports, loose]).toLowerCase(), reportIps);
  // A host named `example` or `invalid` would be found again inside host-1.example.invalid.
  const hostDomain = matcher.spans('example.invalid', null).some((s) => s.kind === 'hosts') ? '' : '.example.invalid';

  const entries = [...seen.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.first - b.first);
  const counters = new Map<string, number>();
  const replacements = entries.map(({ kind, original, count }) => {
    // IPv4 and IPv6 aliases are numbered apart.
    const family = kind === 'ips' && original.includes(':') ? 'ips6' : kind;
    let n = counters.get(family) ?? 0;
    let alias: string;
    do alias = aliasOf(kind, original, ++n, hostDomain);
    while (taken.has(kind, n, alias));
    counters.set(family, n);
    return { kind, original, alias, count };
  });
  return { replacements };
}

/** How many distinct originals of each kind the plan replaces (what an export tells the person). */
export function replacedCounts(plan: RedactionPlan): Partial<Record<RedactKind, number>> {
  const counts: Partial<Record<RedactKind, number>> = {};
  for (const r of plan.replacements) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return counts;
}

/** The report with exactly the plan's replacements made (a replacement removed from the plan is not made). */
export function applyRedaction(report: Report, plan: RedactionPlan): Report {
  const redacted = applyRedactionTo(report, plan);
  // The digest of an output that was changed would let a reader confirm a guess at what was replaced
  // (a short output holding one host name): it goes with the original text.
  redacted.evidence = redacted.evidence.map((e, i) => (e.rawSha256 && e.raw !== report.evidence[i]?.raw ? { ...e, rawSha256: null } : e));
  return redacted;
}

/** Any value's strings with the plan's replacements made, field by field as in a report (a fleet's labels and failures). */
export function applyRedactionTo<T>(value: T, plan: RedactionPlan): T {
  const originals: Originals = new Map();
  const aliases = new Map<string, string>();
  for (const r of plan.replacements) {
    const original = r.kind === 'hosts' ? r.original.toLowerCase() : r.kind === 'ips' ? (normaliseIpv6(r.original) ?? r.original) : r.original;
    let set = originals.get(r.kind);
    if (!set) originals.set(r.kind, (set = new Set()));
    set.add(original);
    aliases.set(keyOf(r.kind, original), r.alias);
  }
  const matcher = new Matcher(originals);
  return mapStrings(value, null, (text, key) => replaceSpans(text, matcher.spans(text, key), (s) => aliases.get(keyOf(s.kind, s.original)))) as T;
}
