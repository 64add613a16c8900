/**
 * The one way to put a value into a remote shell command. Every command the engine runs on a server
 * is a fixed template whose variable parts pass through `shellQuote`; nothing a user types reaches a
 * shell any other way (DESIGN.md, STYLE.md "SSH done right").
 */

/** A value that cannot be passed to a shell at all (it holds a NUL byte). */
export class UnquotableError extends Error {
  constructor(readonly value: string) {
    super('A shell argument cannot contain a NUL byte.');
    this.name = 'UnquotableError';
  }
}

/**
 * POSIX single-quoting: inside '...' every byte is literal except the quote itself, which is written
 * as '\''. Works for sh, dash, bash, BusyBox ash and zsh. An option-looking value (-oProxyCommand=...)
 * stays a plain word: templates put `--` before such arguments where the program accepts it.
 */
export function shellQuote(value: string | number): string {
  const text = String(value);
  if (text.includes('\0')) throw new UnquotableError(text);
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(text) && !text.startsWith('-')) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A command made from a template: literal parts as written, interpolated values quoted. */
export interface ShellCommand {
  readonly text: string;
  /**
   * One program and its words, nothing a shell must read (no `;`, `|`, `||`, redirection,
   * expansion): the runner may start it straight after `timeout` instead of through `sh -c`, one
   * program start fewer per command (about 4 ms each on a small server). Its first word must be a
   * program, not a shell builtin.
   */
  readonly simple?: boolean;
  /**
   * The command ends by itself, soon: it reads kernel state (netlink, /proc) and waits on no daemon,
   * lock or network peer, or it carries its own `timeout`. The runner starts it without a `timeout`
   * of its own, one program start fewer; the channel's deadline still applies. Anything that talks
   * to a daemon (systemctl, journalctl, docker, firewall-cmd) is not bounded.
   */
  readonly bounded?: boolean;
}

/** Literal template text that holds no shell syntax: words and spaces only (values are quoted apart). */
const PLAIN_WORDS = /^[A-Za-z0-9_./:@%+, -]*$/;

/** Words only a shell runs (special builtins, keywords, and builtins with no program of the same name). */
const SHELL_ONLY = new Set(['.', ':', 'alias', 'break', 'case', 'cd', 'command', 'continue', 'do', 'done', 'elif', 'else', 'esac', 'eval', 'exec', 'exit', 'export', 'fi', 'for', 'getopts', 'hash', 'if', 'local', 'read', 'readonly', 'return', 'set', 'shift', 'source', 'then', 'times', 'trap', 'type', 'ulimit', 'umask', 'unalias', 'unset', 'until', 'wait', 'while']);

/** The template is one program and its words: plain literal text, and a program named in it, not a shell builtin. */
function isSimple(strings: TemplateStringsArray): boolean {
  const program = (strings[0] ?? '').trimStart().split(' ')[0] ?? '';
  // The program must be written out in the template, whole: a value in its place, or glued to it
  // (`ca${x}`), could name a builtin.
  if (program === '' || (strings.length > 1 && (strings[0] ?? '').trimStart() === program)) return false;
  return !SHELL_ONLY.has(program) && strings.every((literal) => PLAIN_WORDS.test(literal));
}

/**
 * Tagged template for commands: sh`systemctl show ${unit} -p ActiveState` quotes `unit`.
 * Arrays are spread as separate quoted words.
 */
export function sh(strings: TemplateStringsArray, ...values: readonly (string | number | readonly (string | number)[])[]): ShellCommand {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += Array.isArray(value) ? value.map((v) => shellQuote(v)).join(' ') : shellQuote(value as string | number);
    text += strings[i + 1] ?? '';
  });
  return { text, simple: isSimple(strings) };
}
