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
  return { text };
}
