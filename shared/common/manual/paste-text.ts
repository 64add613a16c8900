/**
 * Pasted text as it arrives from a terminal, a chat window or a ticket: CRLF line ends, colour
 * codes, non-breaking spaces, the shell prompt and the command itself copied along, and error
 * lines of the shell or the tool mixed into the output. This module cleans that up without
 * losing track of the line numbers the person sees, so every parser error can name its line.
 */

/** One line of the paste, with its 1-based number in the text as pasted. */
export interface PasteLine {
  text: string;
  no: number;
}

export type FailureKind = 'not-found' | 'missing-file' | 'needs-privilege' | 'usage' | 'daemon-down' | 'no-systemd';

/** A line in which the shell or the tool reports that the command did not run as asked. */
export interface FailureLine extends PasteLine {
  failure: FailureKind;
}

export interface PreparedPaste {
  /** Every line after clean-up; echoed prompt/command lines are blank, so numbers stay put. */
  lines: PasteLine[];
  /** The non-blank lines. */
  content: PasteLine[];
  /** Content lines that are shell or tool failures (see failureOf). */
  failures: FailureLine[];
}

const ESC = String.fromCharCode(27);
const BEL = String.fromCharCode(7);
// CSI (colours, cursor moves) and OSC (window titles, hyperlinks) sequences.
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]|${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)`, 'g');

// The commands a person may have copied together with the output (manual mode asks for these).
const TOOL = String.raw`(?:ss|netstat|cat|ip|hostname|systemctl|journalctl|ip6?tables(?:-nft|-legacy)?(?:-save)?|nft|ufw|firewall-cmd|docker|podman|busybox)`;
const PROMPT = String.raw`(?:\[[^\]]{0,80}\]\s?[$#%>]|[^\s$#%>]{0,80}[$#%>])`;
const SUDO = String.raw`(?:sudo(?:\s+-\S+)*\s+)?(?:(?:env\s+)?(?:[A-Z_]+=\S*\s+)+)?`;
/** `user@host:~$ sudo ss -tlnp | grep 5432`, `[root@db ~]# iptables-save -c`. */
const PROMPTED_COMMAND = new RegExp(`^\\s*${PROMPT}\\s*${SUDO}${TOOL}(?:\\s|$)`);
/**
 * The command without a prompt. It must carry an option, a path or a known subcommand, so that
 * output lines that start with a tool's name (firewalld's `docker` zone) are never taken for it.
 */
const BARE_COMMAND = new RegExp(`^\\s*${SUDO}${TOOL}\\s+(?:-|/|(?:status|show|ps|inspect|addr|address|list|list-all)\\b)`);
const PROMPT_ONLY = new RegExp(`^\\s*${PROMPT}\\s*$`);

const FAILURES: readonly { failure: FailureKind; pattern: RegExp }[] = [
  {
    failure: 'not-found',
    pattern: /command not found|^Command '[^']*' not found|^\S+: \d+: \S+: not found$|^-?\w*sh: \S+: not found$|is not recognized as an internal or external command|executable file not found in \$PATH/,
  },
  {
    failure: 'needs-privilege',
    pattern:
      /you must be root|You need to be root|must be run as root|need to be root|Operation not permitted|but you should be root|you would have to be root|permission denied while trying to connect to the Docker daemon socket|a password is required|is not in the sudoers file|Authorization failed|Not authorized|^\S+: .*Permission denied$/i,
  },
  { failure: 'missing-file', pattern: /^\S+: .*No such file or directory$/ },
  { failure: 'usage', pattern: /invalid option|unrecognized option|unknown option|^Usage: |multi-call binary/ },
  { failure: 'daemon-down', pattern: /Cannot connect to the Docker daemon|^FirewallD is not running$|^not running$/ },
  { failure: 'no-systemd', pattern: /System has not been booted with systemd|^Failed to connect to bus/ },
];

/** What went wrong, if the line is a shell or tool failure. JSON and rule lines never are. */
export function failureOf(text: string): FailureKind | null {
  const line = text.trim();
  if (line === '' || /^[{[]/.test(line) || /^-[APN] /.test(line)) return null;
  return FAILURES.find((f) => f.pattern.test(line))?.failure ?? null;
}

/** Normalises the text and blanks echoed prompt and command lines; never throws. */
export function preparePaste(text: string): PreparedPaste {
  const clean = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').replace(ANSI, '').replace(/[\u00a0\u2007\u202f]/g, ' ');
  const lines = clean.split('\n').map((raw, i): PasteLine => {
    // JSON lines (nft -j, docker, journal) may hold `$` or `#` anywhere: never a prompt.
    const echoed = !/^\s*[{[]/.test(raw) && (PROMPTED_COMMAND.test(raw) || BARE_COMMAND.test(raw) || PROMPT_ONLY.test(raw));
    return { text: echoed ? '' : raw, no: i + 1 };
  });
  const content = lines.filter((l) => l.text.trim() !== '');
  const failures: FailureLine[] = [];
  for (const l of content) {
    const failure = failureOf(l.text);
    if (failure) failures.push({ ...l, failure });
  }
  return { lines, content, failures };
}

/** The lines without failure lines (blanked, so numbers stay put). */
export function withoutFailures(paste: PreparedPaste): PasteLine[] {
  const failed = new Set(paste.failures.map((f) => f.no));
  return paste.lines.map((l) => (failed.has(l.no) ? { text: '', no: l.no } : l));
}

/** The `no` of a line made up for a parser (a header or a table line the paste did not have). */
export const SYNTHETIC = 0;

/**
 * Text for one of the parsers, made of some synthetic lines (a header the paste lacked) and paste
 * lines, and the way back from the parser's line numbers to the paste's.
 */
export class ParserInput {
  readonly text: string;
  private readonly origin: (number | null)[];

  constructor(lines: readonly PasteLine[], synthetic: readonly string[] = []) {
    this.text = [...synthetic, ...lines.map((l) => l.text)].join('\n');
    this.origin = [...synthetic.map(() => null), ...lines.map((l) => l.no)];
  }

  /** The paste's line number for the parser's 1-based line `n`; undefined for synthetic or unknown lines. */
  pasteLine(n: number | undefined): number | undefined {
    if (n === undefined) return undefined;
    const origin = this.origin[n - 1];
    // Line 0 marks a line made up for the parser (see SYNTHETIC).
    return origin === null || origin === undefined || origin === SYNTHETIC ? undefined : origin;
  }

  /** A parser message with its `Line N` rewritten to the paste's numbering. */
  message(message: string, n: number | undefined): string {
    const mapped = this.pasteLine(n);
    return message.replace(/\bLine \d+\b/, mapped === undefined ? 'A line' : `Line ${mapped}`);
  }
}

/** A line shortened for a message. */
export function quoteLine(text: string, max = 120): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** `{ line }` for a PasteError, or nothing when the line is not known. */
export function atLine(no: number | undefined): { line?: number } {
  return no === undefined ? {} : { line: no };
}
