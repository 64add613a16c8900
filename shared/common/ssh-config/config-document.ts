/**
 * An ssh_config file (and what it includes) as a flat list of directives in the order ssh reads
 * them. Each directive carries the Host/Match blocks it sits in, so the same list answers "what
 * applies to this host?" without re-reading the files. Built by shared/node/store/ssh-config-import.ts.
 */

export interface SourceRef {
  /** Absolute path of the file the line is in. */
  file: string;
  /** 1-based line number. */
  line: number;
}

/**
 * A block header. `within` is the chain of blocks around it: a Host line in a file that an
 * `Include` inside another Host block pulled in applies only where that outer block does too
 * (OpenSSH's SSHCONF_NEVERMATCH and its restore of the active state after an Include).
 */
export type ConfigBlock =
  | { kind: 'host'; patterns: string[]; source: SourceRef; within: ConfigBlock[] }
  | { kind: 'match'; criteria: string; source: SourceRef; within: ConfigBlock[] }
  /** A Host or Match line that could not be read: what follows it, up to the next block, is skipped. */
  | { kind: 'unreadable'; text: string; source: SourceRef; within: ConfigBlock[] };

export interface ConfigDirective {
  /** Lower case: ssh_config keywords are case-insensitive. */
  keyword: string;
  /** As written, for messages. */
  name: string;
  /** The arguments, unquoted (one for most keywords; several for UserKnownHostsFile and the like). */
  args: string[];
  source: SourceRef;
  /** The blocks it applies under, outermost first (empty: before any Host line, so for every host). */
  scopes: ConfigBlock[];
}

export interface SshConfigDocument {
  /** The file the import started from. */
  file: string;
  /** The home directory the files were read under: messages write paths under it as `~/...`. */
  home: string;
  /** Every directive except Host, Match and Include, in reading order. */
  directives: ConfigDirective[];
  /** Every Host and Match line, in reading order. */
  blocks: ConfigBlock[];
  /** Problems found while reading (missing includes, loops, unreadable lines); none is fatal. */
  warnings: string[];
}

export const directiveValue = (d: Pick<ConfigDirective, 'args'>): string => d.args.join(' ');

/** `~/.ssh/config` rather than `/home/alice/.ssh/config`: shorter, and the same on every machine. */
export function displayPath(file: string, home: string): string {
  const base = home.replace(/[\\/]+$/, '');
  if (base !== '' && (file === base || file.startsWith(`${base}/`) || file.startsWith(`${base}\\`))) return `~${file.slice(base.length).replaceAll('\\', '/')}`;
  return file;
}

export const sourceText = (source: SourceRef, home: string): string => `${displayPath(source.file, home)}:${source.line}`;
