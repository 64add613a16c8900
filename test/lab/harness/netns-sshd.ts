import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk, waitFor, type Lab } from './netns';
import { generateKey, privateSshdConfig, serverHome, SSHD, type KeyPair } from './sshd';

/** A real OpenSSH server inside a lab namespace: the "remote server" the CLI logs in to. */
export interface NamespacedSshd {
  address: string;
  port: number;
  dir: string;
  hostKey: KeyPair;
  clientKey: KeyPair;
  /** known_hosts text pinning this server's key. */
  knownHosts: string;
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
}

export async function startNamespacedSshd(lab: Pick<Lab, 'ns'>, options: NamespacedSshdOptions): Promise<NamespacedSshd> {
  const port = options.port ?? 22;
  const dir = await mkdtemp(join(tmpdir(), 'portwise-nsd-'));
  await chmod(dir, 0o755);
  const hostKey = await generateKey(dir, 'host_ed25519');
  const clientKey = await generateKey(dir, 'client_ed25519');
  await writeFile(join(dir, 'authorized_keys'), `${[clientKey.publicLine, ...(options.extraAuthorizedKeys ?? [])].join('\n')}\n`, { mode: 0o644 });
  const config = privateSshdConfig({ port, listen: options.address, hostKeys: [hostKey], dir, users: options.users ?? ['root'], logLevel: 'VERBOSE', home: await serverHome(dir) });
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, `${config.join('\n')}\n`, { mode: 0o600 });
  await runOk(SSHD, ['-t', '-f', configPath]);
  const logPath = join(dir, 'sshd.log');
  const child: ChildProcess = spawn('ip', ['netns', 'exec', lab.ns, SSHD, '-D', '-E', logPath, '-f', configPath], { stdio: 'ignore' });
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
    log,
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
      await waitFor('sshd to stop', async () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 5000).catch(() => child.kill('SIGKILL'));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
