import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk, waitFor, type Lab } from './netns';
import { generateKey, privateSshdConfig, serverHome, SSHD, sshdPreflight, type KeyPair } from './sshd';

/** A real OpenSSH server inside a lab namespace: the "remote server" the CLI logs in to. */
/** The PATH Debian's sshd gives root, with a folder of shims in front (for the `env` option below). */
export const shimPath = (dir: string) => `${dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

export interface NamespacedSshd {
  address: string;
  port: number;
  dir: string;
  hostKey: KeyPair;
  clientKey: KeyPair;
  /** known_hosts text pinning this server's key. */
  knownHosts: string;
  /** The listening sshd's PID (sessions are its children). */
  pid: number;
  /** The PIDs of every process below the listener: the sessions' sshd processes and what they run. */
  descendants(): number[];
  log(): string;
  stop(): Promise<void>;
}

export interface NamespacedSshdOptions {
  address: string;
  port?: number;
  /** Users allowed to log in with the client key (their authorized keys point at our file). */
  users?: readonly string[];
  /** More public key lines to accept (e.g. another server's client key, for a jump chain). */
  extraAuthorizedKeys?: readonly string[];
  /** More variables for the logins' environment (e.g. a PATH with a folder of shims first). */
  env?: Readonly<Record<string, string>>;
  /** Extra sshd_config lines (e.g. more `Port`s and `Match LocalPort` blocks). */
  extraConfig?: readonly string[];
  /**
   * A shell script run in a private mount namespace before sshd starts there (e.g. an overlay that
   * hides programs): sshd and its sessions see those mounts, the host does not.
   */
  mountSetup?: string;
}

/** Every process below `pid`, from /proc's children lists (children first found, then theirs). */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  for (let i = 0; i < queue.length && found.length < 10_000; i++) {
    let children: number[] = [];
    try {
      const tasks = readdirSync(`/proc/${queue[i]}/task`);
      children = tasks.flatMap((t) => readFileSync(`/proc/${queue[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // The process ended meanwhile.
    }
    for (const c of children) {
      found.push(c);
      queue.push(c);
    }
  }
  return found;
}

export async function startNamespacedSshd(lab: Pick<Lab, 'ns'>, options: NamespacedSshdOptions): Promise<NamespacedSshd> {
  // Its own preflight, not another file's: alone on a fresh machine (`npm run bench`), no earlier
  // test has made sshd's privilege-separation folder.
  await sshdPreflight();
  const port = options.port ?? 22;
  const dir = await mkdtemp(join(tmpdir(), 'portwise-nsd-'));
  await chmod(dir, 0o755);
  const hostKey = await generateKey(dir, 'host_ed25519');
  const clientKey = await generateKey(dir, 'client_ed25519');
  await writeFile(join(dir, 'authorized_keys'), `${[clientKey.publicLine, ...(options.extraAuthorizedKeys ?? [])].join('\n')}\n`, { mode: 0o644 });
  const config = privateSshdConfig({ port, listen: options.address, hostKeys: [hostKey], dir, users: options.users ?? ['root'], logLevel: 'VERBOSE', home: await serverHome(dir), env: options.env ?? {}, extra: options.extraConfig ?? [] });
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, `${config.join('\n')}\n`, { mode: 0o600 });
  await runOk(SSHD, ['-t', '-f', configPath]);
  const logPath = join(dir, 'sshd.log');
  const sshdArgs = [SSHD, '-D', '-E', logPath, '-f', configPath];
  // `unshare` and `sh` exec in place, so the child's PID is sshd's either way.
  const command = options.mountSetup === undefined ? sshdArgs : ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `set -e\n${options.mountSetup}\nexec "$@"`, 'sh', ...sshdArgs];
  const child: ChildProcess = spawn('ip', ['netns', 'exec', lab.ns, ...command], { stdio: 'ignore' });
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  await waitFor(`sshd on ${options.address}:${port} in ${lab.ns}`, async () => {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log()}`);
    return /Server listening on/.test(log()) ? true : undefined;
  }, 10_000, 25);
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return {
    address: options.address,
    port,
    dir,
    hostKey,
    clientKey,
    knownHosts: `${port === 22 ? options.address : `${host}:${port}`} ${hostKey.type} ${hostKey.blob.toString('base64')}\n`,
    pid: child.pid ?? -1,
    descendants: () => (child.pid === undefined ? [] : descendantsOf(child.pid)),
    log,
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
      await waitFor('sshd to stop', async () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 5000).catch(() => child.kill('SIGKILL'));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
