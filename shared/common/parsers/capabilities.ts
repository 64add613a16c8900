import { err, ok, type Result } from '../result';

/** What the server offers, learned by one probe at the start of the session. */
export interface Capabilities {
  kernel: string;
  kernelRelease: string;
  osId: string | null;
  osVersion: string | null;
  uid: number;
  user: string | null;
  /** Tools found on PATH (or in /sbin, /usr/sbin). */
  tools: ReadonlySet<string>;
  /** `sudo -n true` succeeded: root commands may be retried with `sudo -n` where allowed. */
  sudo: boolean;
  systemd: boolean;
  /** /bin/sh is BusyBox (minimal Linux: no ss, maybe no systemd). */
  busybox: boolean;
  /** The probe ran in bash, so /dev/tcp self-probes work. */
  bashDevTcp: boolean;
  /** What plain `iptables` is on this server: the nf_tables or the legacy backend (null: no iptables). */
  iptablesBackend: 'nf_tables' | 'legacy' | null;
  /**
   * Whether the kernel's legacy iptables (x_tables) holds any table in the login's network namespace,
   * for IPv4 and IPv6: false when /proc/net/ip{,6}_tables_names is absent (the module is not loaded)
   * or empty, so no legacy rule can exist there; null when it could not be read (it is root's only).
   */
  legacyTables: { v4: boolean | null; v6: boolean | null };
}

/** The tools the command catalog may choose between. */
export const probedTools = [
  'ss', 'netstat', 'ip', 'iptables', 'iptables-save', 'iptables-legacy-save', 'iptables-nft-save', 'ip6tables-save',
  'ip6tables-legacy-save', 'ip6tables-nft-save', 'nft', 'ufw', 'firewall-cmd', 'fail2ban-client', 'systemctl', 'journalctl',
  'docker', 'nstat', 'timeout', 'bash', 'nc', 'curl', 'sudo', 'getent', 'logread',
] as const;

/**
 * The capability probe: a fixed script (no user input in it) that prints `key=value` lines between
 * markers, so shell noise from profiles cannot be mistaken for an answer.
 *
 * It runs before every other command of a login, so it starts as few programs as it can (each is a
 * few milliseconds of the server's CPU): the kernel's name and release are read from /proc by the
 * shell itself (uname where /proc has no answer), and one `id` gives both the uid and the user name.
 */
export const CAPABILITY_PROBE = [
  "echo '@@portwise-caps'",
  'if read -r kernel 2>/dev/null </proc/sys/kernel/ostype && read -r release 2>/dev/null </proc/sys/kernel/osrelease; then :; else kernel=$(uname -s 2>/dev/null); release=$(uname -r 2>/dev/null); fi',
  'echo "kernel=$kernel"',
  'echo "release=$release"',
  // `id` prints "uid=1000(alice) gid=...", or "uid=1000 gid=..." for a uid without a name.
  'ids=$(id 2>/dev/null); uid=${ids#uid=}; uid=${uid%%[!0-9]*}; user=',
  'case "$ids" in "uid=$uid("*) user=${ids#*"("}; user=${user%%")"*};; esac',
  'echo "uid=$uid"',
  'echo "user=$user"',
  "if [ -r /etc/os-release ]; then . /etc/os-release 2>/dev/null; echo \"os_id=$ID\"; echo \"os_version=$VERSION_ID\"; fi",
  `for t in ${probedTools.join(' ')}; do if command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || [ -x "/sbin/$t" ]; then echo "tool=$t"; fi; done`,
  // One line ("iptables v1.8.9 (nf_tables)"); only its backend word is read.
  'echo "iptables_version=$(iptables -V 2>/dev/null)"',
  // Which legacy iptables tables exist here (read by the shell): none means no legacy rule set to read.
  'for f in ip_tables ip6_tables; do if [ ! -e "/proc/net/${f}_names" ]; then echo "${f}_names="; elif [ -r "/proc/net/${f}_names" ]; then n=; read -r n 2>/dev/null <"/proc/net/${f}_names"; echo "${f}_names=$n"; fi; done',
  'if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then echo sudo=yes; else echo sudo=no; fi',
  'if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi',
  'case "$(readlink -f /bin/sh 2>/dev/null)" in *busybox*) echo busybox=yes;; *) echo busybox=no;; esac',
  "echo '@@portwise-caps-end'",
].join('\n');

export interface CapabilityParseError {
  code: 'no-markers' | 'no-uid';
  message: string;
}

export function parseCapabilities(text: string): Result<Capabilities, CapabilityParseError> {
  const start = text.indexOf('@@portwise-caps\n');
  const end = text.indexOf('@@portwise-caps-end');
  if (start < 0 || end < start) return err({ code: 'no-markers', message: 'The capability probe printed no result block (the remote shell may not be POSIX sh).' });
  const values = new Map<string, string>();
  const tools = new Set<string>();
  for (const line of text.slice(start, end).split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'tool') tools.add(value);
    else values.set(key, value);
  }
  const uid = Number(values.get('uid'));
  if (!/^[0-9]+$/.test(values.get('uid') ?? '')) return err({ code: 'no-uid', message: 'The capability probe could not tell the remote user id.' });
  const opt = (k: string) => (values.get(k) ? (values.get(k) ?? null) : null);
  return ok({
    kernel: values.get('kernel') ?? '',
    kernelRelease: values.get('release') ?? '',
    osId: opt('os_id'),
    osVersion: opt('os_version'),
    uid,
    user: opt('user'),
    tools,
    sudo: values.get('sudo') === 'yes',
    systemd: values.get('systemd') === 'yes',
    busybox: values.get('busybox') === 'yes',
    bashDevTcp: tools.has('bash'),
    iptablesBackend: /nf_tables/.test(values.get('iptables_version') ?? '') ? 'nf_tables' : /legacy/.test(values.get('iptables_version') ?? '') ? 'legacy' : null,
    legacyTables: { v4: tablesPresent(values, 'ip_tables_names'), v6: tablesPresent(values, 'ip6_tables_names') },
  });
}

/** `ip_tables_names=` (empty: no table) -> false; a table name -> true; no line (unreadable, or an older probe) -> null. */
function tablesPresent(values: ReadonlyMap<string, string>, key: string): boolean | null {
  const value = values.get(key);
  return value === undefined ? null : value !== '';
}
