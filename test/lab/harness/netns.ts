// The lab tier's "remote server": a throw-away network namespace joined to the host by a veth pair
// (LAB.md §1.1). Host side 198.18.0.1/24 + 2001:2::1/64, namespace side 198.18.0.2/24 + 2001:2::2/64.
// Everything runs through spawn with argument arrays (no shell strings), every wait has a deadline,
// and teardown kills only the PIDs this harness started.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export const HOST_V4 = '198.18.0.1';
export const NS_V4 = '198.18.0.2';
export const HOST_V6 = '2001:2::1';
export const NS_V6 = '2001:2::2';

const PYTHON = '/usr/bin/python3';
const EXEC_TIMEOUT_MS = 15_000;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs a program (argument array, never a shell string) with a hard deadline, stdin closed; never
 * rejects. On the deadline the child (and only it, by PID) is killed and `timedOut` is set.
 */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}`, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: timedOut ? `${stderr}[killed after ${timeoutMs} ms]` : signal ? `${stderr}[${signal}]` : stderr, timedOut });
    });
  });
}

/** Like `run`, but a non-zero exit is an Error that names the command and its stderr. */
export async function runOk(file: string, args: readonly string[], options?: RunOptions): Promise<string> {
  const r = await run(file, args, options);
  if (r.code !== 0) throw new Error(`\`${[file, ...args].join(' ')}\` failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. Bounded in time and count. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 5000, everyMs = 20): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown = null;
  for (let i = 0; i < 10_000; i++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= end) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Throws a clear Error when the lab cannot run here: not root, a missing program, or network
 * namespaces unavailable. The lab tier never skips; it fails with this message instead.
 */
export async function preflight(): Promise<void> {
  const ci = process.env.CI ? ' (CI is set: the lab tier must run there, as root)' : '';
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (process.platform !== 'linux') throw new Error(`Lab tier needs Linux network namespaces; this is ${process.platform}${ci}.`);
  if (uid !== 0) throw new Error(`Lab tier needs root to create network namespaces and firewall rules; running as uid ${uid}. Run \`sudo npx vitest run --project lab\`${ci}.`);
  for (const program of ['ip', 'iptables', 'ip6tables', 'iptables-save', 'ip6tables-save', 'sysctl', 'unshare']) {
    const found = await run('sh', ['-c', 'command -v "$1"', 'sh', program]);
    if (found.code !== 0) throw new Error(`Lab tier needs \`${program}\` (Debian: iproute2, iptables, procps, util-linux); it is not on PATH${ci}.`);
  }
  if (!existsSync(PYTHON)) throw new Error(`Lab tier needs ${PYTHON} for its listeners (Debian: python3)${ci}.`);
  const probe = `pwpre${process.pid}`;
  const added = await run('ip', ['netns', 'add', probe]);
  if (added.code !== 0) throw new Error(`Lab tier cannot create a network namespace (\`ip netns add\`: ${added.stderr.trim()})${ci}.`);
  await run('ip', ['netns', 'del', probe]);
  // A lab left behind by a crashed run (or one running now) would own the same addresses.
  const taken = await run('ip', ['-o', 'addr', 'show', 'to', `${HOST_V4}/32`]);
  if (taken.stdout.trim() !== '') {
    const dev = taken.stdout.trim().split(/\s+/)[1] ?? '?';
    throw new Error(`${HOST_V4} is already on interface ${dev}: another lab run is active or a crashed one left it. If it is a leftover, remove it with \`ip link del ${dev}\`.`);
  }
}

export type ListenerMode = 'accept' | 'accept-close';

export interface ListenerOptions {
  address: string;
  port: number;
  mode: ListenerMode;
  /** For accept-close: a line sent before closing (CRLF is appended). */
  banner?: string;
}

export interface StartedListener {
  pid: number;
  address: string;
  port: number;
  stop(): Promise<void>;
}

// argv: mode address port banner. Binds, listens, then serves until killed. Held sockets stay open.
const LISTENER_PY = `
import socket, sys
mode, addr, port, banner = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind((addr, port))
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    if mode == 'accept-close':
        if banner:
            c.sendall(banner.encode() + b'\\r\\n')
        c.close()
    else:
        held.append(c)
`;

export interface Lab {
  ns: string;
  hostIf: string;
  nsIf: string;
  /** Runs a program inside the namespace (`ip netns exec NS ...`); throws on a non-zero exit. */
  exec(cmd: readonly string[], timeoutMs?: number): Promise<string>;
  /** Same, but returns the exit code and output instead of throwing. */
  execResult(cmd: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  startListener(options: ListenerOptions): Promise<StartedListener>;
  /** Kills this lab's listeners (by PID), deletes the namespace and the host veth. Idempotent, never throws. */
  teardown(): Promise<string[]>;
}

let sequence = 0;

/** Hex port as it appears in /proc/net/tcp{,6} local_address, and LISTEN state 0A. */
async function isListening(lab: Lab, port: number): Promise<boolean> {
  const text = await lab.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6']);
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return text.split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    return f[1]?.endsWith(`:${hexPort}`) === true && f[3] === '0A';
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, 'SIGTERM');
  if (await waitExit(child, 2000)) return;
  process.kill(child.pid, 'SIGKILL');
  await waitExit(child, 2000);
}

/** A name unique to this process and call, for namespaces and interfaces (at most 15 characters). */
export function labId(): string {
  return `${process.pid}${(sequence++).toString(36)}`;
}

/**
 * The handle of a namespace this harness made: run programs in it, start listeners, and tear it
 * down (its listeners by PID, the namespace, the host end of its veth).
 */
export function namespaceHandle(ns: string, hostIf: string, nsIf: string): Lab {
  const children = new Set<ChildProcess>();
  let tornDown = false;

  const execResult = (cmd: readonly string[], timeoutMs?: number) => run('ip', ['netns', 'exec', ns, ...cmd], { timeoutMs });
  const lab: Lab = {
    ns,
    hostIf,
    nsIf,
    execResult,
    exec: async (cmd, timeoutMs) => runOk('ip', ['netns', 'exec', ns, ...cmd], { timeoutMs }),
    async startListener(options) {
      const child = spawn('ip', ['netns', 'exec', ns, PYTHON, '-c', LISTENER_PY, options.mode, options.address, String(options.port), options.banner ?? ''], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.add(child);
      let stderr = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (s: string) => (stderr += s));
      await waitFor(`a listener on [${options.address}]:${options.port} in ${ns}`, async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the listener exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
        return (await isListening(lab, options.port)) ? true : undefined;
      });
      return {
        pid: child.pid ?? -1,
        address: options.address,
        port: options.port,
        async stop() {
          await killChild(child);
          children.delete(child);
        },
      };
    },
    async teardown() {
      const problems: string[] = [];
      if (tornDown) return problems;
      tornDown = true;
      for (const child of children) {
        try {
          await killChild(child);
        } catch (error) {
          problems.push(`kill ${child.pid}: ${(error as Error).message}`);
        }
      }
      children.clear();
      const del = await run('ip', ['netns', 'del', ns]);
      if (del.code !== 0 && !/No such file/.test(del.stderr)) problems.push(`ip netns del ${ns}: ${del.stderr.trim()}`);
      // Deleting the namespace destroys its veth end and so the pair; delete the host end in case it lingers.
      // The kernel tears a namespace down in the background: the host end may be going as this runs
      // ("No such device"), which is gone all the same.
      const link = await run('ip', ['link', 'del', hostIf]);
      if (link.code !== 0 && !/Cannot find device|does not exist|No such device/.test(link.stderr)) problems.push(`ip link del ${hostIf}: ${link.stderr.trim()}`);
      return problems;
    },
  };
  return lab;
}

/** Creates the namespace and the veth pair, addresses up and usable at once (IPv6 with nodad). */
export async function createLab(): Promise<Lab> {
  const id = labId();
  const ns = `pw${id}`;
  const hostIf = `pwh${id}`.slice(0, 15);
  const nsIf = `pwn${id}`.slice(0, 15);
  const lab = namespaceHandle(ns, hostIf, nsIf);
  try {
    await runOk('ip', ['netns', 'add', ns]);
    await runOk('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
    // No duplicate address detection on either end (these two interfaces only), so that the
    // link-local addresses too are usable at once, not tentative for a second or more.
    await runOk('sysctl', ['-q', '-w', `net.ipv6.conf.${hostIf}.accept_dad=0`]);
    await runOk('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${nsIf}.accept_dad=0`]);
    await runOk('ip', ['addr', 'add', `${HOST_V4}/24`, 'dev', hostIf]);
    await runOk('ip', ['-6', 'addr', 'add', `${HOST_V6}/64`, 'dev', hostIf, 'nodad']);
    await runOk('ip', ['link', 'set', hostIf, 'up']);
    await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await runOk('ip', ['-n', ns, 'addr', 'add', `${NS_V4}/24`, 'dev', nsIf]);
    await runOk('ip', ['-n', ns, '-6', 'addr', 'add', `${NS_V6}/64`, 'dev', nsIf, 'nodad']);
    await runOk('ip', ['-n', ns, 'link', 'set', nsIf, 'up']);
    // Both ends carrier-up and the v6 addresses usable (not tentative) before any probe.
    await waitFor(`veth ${hostIf} <-> ${nsIf} up`, async () => {
      const host = await runOk('ip', ['-o', 'link', 'show', 'dev', hostIf]);
      const inner = await runOk('ip', ['-n', ns, '-o', 'link', 'show', 'dev', nsIf]);
      const hostTentative = await runOk('ip', ['-6', '-o', 'addr', 'show', 'dev', hostIf, 'tentative']);
      const nsTentative = await runOk('ip', ['-n', ns, '-6', '-o', 'addr', 'show', 'dev', nsIf, 'tentative']);
      return host.includes('LOWER_UP') && inner.includes('LOWER_UP') && hostTentative.trim() === '' && nsTentative.trim() === '' ? true : undefined;
    });
  } catch (error) {
    const problems = await lab.teardown();
    throw new Error(`Could not build the lab namespace ${ns}: ${(error as Error).message}${problems.length ? `; cleanup: ${problems.join('; ')}` : ''}`, { cause: error });
  }
  return lab;
}

/** iptables-save -c counters ([packets:bytes]) of the first rule whose text contains every fragment. */
export async function ruleCounter(lab: Lab, save: 'iptables-save' | 'ip6tables-save', fragments: readonly string[]): Promise<{ packets: number; bytes: number; rule: string }> {
  const text = await lab.exec([save, '-c', '-t', 'filter']);
  for (const line of text.split('\n')) {
    const m = /^\[(\d+):(\d+)\]\s+(.*)$/.exec(line.trim());
    if (m && fragments.every((f) => m[3]!.includes(f))) return { packets: Number(m[1]), bytes: Number(m[2]), rule: m[3]! };
  }
  throw new Error(`No rule containing ${fragments.join(' & ')} in:\n${text}`);
}
