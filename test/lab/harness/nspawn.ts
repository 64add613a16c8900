// The lab tier's real systemd server (LAB.md §3): a Debian bookworm rootfs built once with
// debootstrap and cached as a tarball, unpacked per run, booted with systemd-nspawn. The host's
// PID 1 is not systemd, so nspawn must run with `--register=no --keep-unit` (LAB.md §3.2).
//
// Network: `--network-veth`. nspawn creates the pair itself (host end `ve-<machine>`, container end
// `host0`), gives the container CAP_NET_ADMIN (iptables/ufw work inside) and destroys the pair when
// the container's network namespace goes away. The host end gets 198.18.1.1/24 from this harness;
// systemd-networkd in the container gives host0 198.18.1.2/24 (a file baked into the rootfs).
//
// Everything runs through spawn with argument arrays; every wait has a deadline; teardown kills
// only the PIDs this harness started (nspawn, and container processes if nspawn could not stop them).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { run, runOk, waitFor, type ExecResult } from './netns';

export const SERVER_V4 = '198.18.1.2';
export const HOST_SIDE_V4 = '198.18.1.1';
export const SERVER_HOSTNAME = 'pw-lab-server';

/** Bump when the recipe changes in a way the hashed inputs below do not capture. */
const RECIPE_VERSION = 1;
const SUITE = 'bookworm';
const VARIANT = 'minbase';
export const ROOTFS_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'nginx-light', 'ufw', 'iproute2', 'iptables',
  'nftables', 'procps', 'python3-minimal', 'netcat-openbsd', 'curl', 'firewalld',
  // firewalld needs polkitd, which needs `default-logind | logind`: virtual packages that debootstrap
  // does not resolve. libpam-systemd provides them (as on a stock Debian server: SSH logins get a logind session).
  'libpam-systemd',
] as const;

/** Files written into the cached rootfs (path relative to the rootfs -> content). Part of the cache key. */
const STATIC_FILES: Readonly<Record<string, string>> = {
  'etc/hostname': `${SERVER_HOSTNAME}\n`,
  'etc/hosts': `127.0.0.1\tlocalhost\n127.0.1.1\t${SERVER_HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
  'etc/systemd/network/10-host0.network': [
    '# Portwise lab: the container end of nspawn --network-veth.',
    '[Match]', 'Name=host0', '',
    '[Network]', `Address=${SERVER_V4}/24`, 'LinkLocalAddressing=no', 'IPv6AcceptRA=no', '',
  ].join('\n'),
  'etc/ssh/sshd_config.d/portwise-lab.conf': [
    '# Portwise lab: key-only root login; the host key is generated per run by the harness.',
    'Port 22', 'HostKey /etc/ssh/ssh_host_ed25519_key', 'PermitRootLogin prohibit-password',
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UseDNS no', '',
  ].join('\n'),
  // Debian's default persistent journal stays (per-user files, hence the "not seeing messages" hint for
  // non-root readers); no rate limit, so a crash loop logs every line.
  'etc/systemd/journald.conf.d/portwise-lab.conf': '[Journal]\nRateLimitBurst=0\n',
};
const ENABLE_UNITS = ['systemd-networkd.service'];
// Installed but off at boot: firewalld's postinst enables it, and a running firewalld would reject
// every port but ssh for all scenarios. A scenario starts it (`systemctl start firewalld`) and stops it
// again; disabled, not masked, so that start works. (ufw.service stays enabled: it only loads rules
// when /etc/ufw/ufw.conf says ENABLED=yes, which is off until a scenario runs `ufw enable`.)
const DISABLE_UNITS = ['firewalld.service'];
// No login prompts on the console; nothing waits for "online" (there is no uplink).
const MASK_UNITS = ['systemd-networkd-wait-online.service', 'console-getty.service', 'getty@tty1.service', 'systemd-timesyncd.service', 'apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'fstrim.timer'];

const BUILD_TIMEOUT_MS = 15 * 60_000;
const BOOT_DEADLINE_MS = 60_000;
const SSH_TIMEOUT_MS = 30_000;

export interface RootfsTarball {
  path: string;
  key: string;
  /** True when this call ran debootstrap (no cached tarball). */
  built: boolean;
  buildMs: number | null;
}

export interface ServerTimings {
  /** debootstrap + configure + pack; null when the cached tarball was reused. */
  rootfsBuildMs: number | null;
  unpackMs: number;
  /** From spawning systemd-nspawn to the first successful `ssh true`. */
  bootToSshMs: number;
  /** From spawning systemd-nspawn to `systemctl is-system-running` = running (boot finished). */
  bootToRunningMs: number;
}

export interface NspawnServer {
  address: string;
  machine: string;
  hostIf: string;
  /** The unpacked rootfs (removed by shutdown). */
  rootfs: string;
  nspawnPid: number;
  timings: ServerTimings;
  /** The per-run client private key (OpenSSH ed25519, no passphrase) that root's authorized_keys accepts. */
  clientKeyPath: string;
  /** The known_hosts line pinning this run's host key: `198.18.1.2 ssh-ed25519 AAAA...` (no newline). */
  knownHostsLine: string;
  /** Runs a shell command line as root in the container (LC_ALL=C, no colours, no pager). Never rejects. */
  ssh(command: string, timeoutMs?: number): Promise<ExecResult>;
  /** Same, but a non-zero exit is an Error with stderr. */
  sshOk(command: string, timeoutMs?: number): Promise<string>;
  /** The container console and nspawn's own messages (last 64 KiB). */
  consoleLog(): string;
  /** Powers the container off (then kills nspawn after a deadline) and removes the unpacked dir. Never throws; returns problems. */
  shutdown(): Promise<string[]>;
}

const ci = () => (process.env.CI ? ' (CI is set: the lab tier must run there, as root)' : '');

/**
 * Throws a clear Error when the nspawn tier cannot run here. The lab tier never skips: the suite
 * helper below turns this into a failure of every test in the file.
 */
export async function nspawnPreflight(): Promise<void> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (process.platform !== 'linux') throw new Error(`The nspawn lab tier needs Linux; this is ${process.platform}${ci()}.`);
  if (uid !== 0) throw new Error(`The nspawn lab tier needs root (debootstrap, systemd-nspawn, veth); running as uid ${uid}. Run \`sudo npx vitest run --project lab\`${ci()}.`);
  const programs: Record<string, string> = {
    debootstrap: 'debootstrap', 'systemd-nspawn': 'systemd-container', ssh: 'openssh-client', 'ssh-keygen': 'openssh-client',
    tar: 'tar', zstd: 'zstd', ip: 'iproute2', systemctl: 'systemd',
  };
  const missing = new Set<string>();
  for (const [program, pkg] of Object.entries(programs)) {
    const found = await run('sh', ['-c', 'command -v "$1" || [ -x "/usr/sbin/$1" ]', 'sh', program]);
    if (found.code !== 0) missing.add(pkg);
  }
  if (missing.size > 0) throw new Error(`The nspawn lab tier needs these Debian packages: ${[...missing].join(' ')}. Install them once: apt-get install -y --no-install-recommends ${[...missing].join(' ')}${ci()}.`);
  const taken = await run('ip', ['-o', 'addr', 'show', 'to', `${HOST_SIDE_V4}/32`]);
  if (taken.stdout.trim() !== '') {
    const dev = taken.stdout.trim().split(/\s+/)[1] ?? '?';
    throw new Error(`${HOST_SIDE_V4} is already on interface ${dev}: another nspawn lab is running, or a crashed run left its container. Find it with \`ps -ef | grep systemd-nspawn\`.`);
  }
}

export function cacheDir(): string {
  return process.env.PORTWISE_LAB_CACHE ?? join(homedir(), '.cache', 'portwise-lab');
}

export function rootfsKey(): string {
  const recipe = { RECIPE_VERSION, SUITE, VARIANT, packages: [...ROOTFS_PACKAGES].sort(), files: STATIC_FILES, enable: ENABLE_UNITS, disable: DISABLE_UNITS, mask: MASK_UNITS };
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/** The Debian mirror apt already uses (deb822 or one-line sources), else deb.debian.org; PORTWISE_LAB_MIRROR overrides. */
export function debianMirror(): string {
  if (process.env.PORTWISE_LAB_MIRROR) return process.env.PORTWISE_LAB_MIRROR;
  const candidates = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822 && !/security/.test(deb822[1]!)) return deb822[1]!;
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (line) return line[1]!;
  }
  return 'http://deb.debian.org/debian';
}

const TAR_FLAGS = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--acls'];

/**
 * The cached rootfs tarball for the current recipe, built now if missing (debootstrap, ~2.5–4 min).
 * Built in a temp dir beside the cache and renamed into place, so a crashed build leaves no tarball.
 */
export async function ensureRootfs(log: (line: string) => void = () => {}): Promise<RootfsTarball> {
  const dir = cacheDir();
  const key = rootfsKey();
  const path = join(dir, `debian-${SUITE}-${key}.tar.zst`);
  if (existsSync(path)) return { path, key, built: false, buildMs: null };
  await mkdir(dir, { recursive: true });
  // Build dirs of crashed runs (a live build is younger than its 15 min deadline).
  for (const name of readdirSync(dir)) {
    const old = join(dir, name);
    const age = Date.now() - ((await stat(old).catch(() => null))?.mtimeMs ?? Date.now());
    if (name.startsWith('build-') && age > 2 * 3600_000) await removeTree(old).catch((e: Error) => log(`nspawn lab: ${e.message}`));
  }
  const started = Date.now();
  const work = await mkdtemp(join(dir, 'build-'));
  const rootfs = join(work, 'rootfs');
  try {
    const mirror = debianMirror();
    log(`nspawn lab: building the ${SUITE} rootfs with debootstrap from ${mirror} (first run only, ~3 min) -> ${path}`);
    const boot = await run('debootstrap', [`--variant=${VARIANT}`, `--include=${ROOTFS_PACKAGES.join(',')}`, SUITE, rootfs, mirror], { timeoutMs: BUILD_TIMEOUT_MS });
    if (boot.code !== 0) throw new Error(`debootstrap failed (exit ${boot.code}): ${(boot.stdout + boot.stderr).trim().split('\n').slice(-15).join('\n')}`);
    await configureRootfs(rootfs);
    const partial = join(work, 'rootfs.tar.zst');
    await runOk('tar', ['--zstd', ...TAR_FLAGS, '-C', rootfs, '-cf', partial, '.'], { timeoutMs: 5 * 60_000 });
    await rename(partial, path);
    // Tarballs of older recipes are dead weight (~75 MB each).
    for (const name of readdirSync(dir)) {
      if (name !== basename(path) && /^debian-[a-z]+-[0-9a-f]{16}\.tar\.zst$/.test(name)) await rm(join(dir, name), { force: true });
    }
  } finally {
    // A debootstrap killed at its deadline can leave /proc or /sys mounted in the build dir: then keep the dir.
    await removeTree(work).catch((e: Error) => log(`nspawn lab: ${e.message}`));
  }
  const buildMs = Date.now() - started;
  log(`nspawn lab: rootfs built in ${(buildMs / 1000).toFixed(1)} s`);
  return { path, key, built: true, buildMs };
}

async function configureRootfs(rootfs: string): Promise<void> {
  for (const [rel, content] of Object.entries(STATIC_FILES)) {
    const file = join(rootfs, rel);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, content);
  }
  // `systemctl --root` edits the symlinks offline; it needs no running systemd.
  await runOk('systemctl', ['--root', rootfs, 'enable', ...ENABLE_UNITS]);
  await runOk('systemctl', ['--root', rootfs, 'disable', ...DISABLE_UNITS]);
  await runOk('systemctl', ['--root', rootfs, 'mask', ...MASK_UNITS]);
  // Per-run identity: host keys and machine-id are written by bootServer, never shared between runs.
  for (const name of readdirSync(join(rootfs, 'etc/ssh'))) {
    if (name.startsWith('ssh_host_')) await rm(join(rootfs, 'etc/ssh', name));
  }
  await writeFile(join(rootfs, 'etc/machine-id'), '');
  await rm(join(rootfs, 'var/lib/dbus/machine-id'), { force: true });
  // debootstrap already removed its policy-rc.d; make sure no leftover blocks services at boot.
  await rm(join(rootfs, 'usr/sbin/policy-rc.d'), { force: true });
  for (const sub of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    const d = join(rootfs, sub);
    for (const name of readdirSync(d)) if (name !== 'partial' && name !== 'lock') await rm(join(d, name), { recursive: true, force: true });
  }
}

let sequence = 0;

/** Boots a fresh container from the cached rootfs; resolves once root SSH works. */
export async function bootServer(log: (line: string) => void = () => {}): Promise<NspawnServer> {
  const tarball = await ensureRootfs(log);
  const machine = `pw${process.pid}${(sequence++).toString(36)}`.slice(0, 11);
  const hostIf = `ve-${machine}`;
  const work = await mkdtemp(join(tmpdir(), 'portwise-nspawn-'));
  const rootfs = join(work, 'rootfs');
  const keys = join(work, 'ssh');
  const clientKey = join(keys, 'client_ed25519');
  const knownHosts = join(keys, 'known_hosts');
  let child: ChildProcess | null = null;
  let output = '';
  let closed = false;

  const sshArgs = (command: string): string[] => [
    '-F', '/dev/null', '-T', '-i', clientKey, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR',
    `root@${SERVER_V4}`, `export LC_ALL=C LANGUAGE= SYSTEMD_COLORS=0 SYSTEMD_PAGER= PAGER=cat; ${command}`,
  ];
  const ssh = (command: string, timeoutMs = SSH_TIMEOUT_MS) => run('ssh', sshArgs(command), { timeoutMs });

  const shutdown = async (): Promise<string[]> => {
    const problems: string[] = [];
    if (closed) return problems;
    closed = true;
    if (child && !exited(child)) {
      await ssh('systemctl --no-block poweroff', 10_000);
      if (!(await waitExit(child, 20_000))) {
        problems.push('the container did not power off within 20 s; sent SIGTERM to systemd-nspawn');
        // The container's processes descend from nspawn: note them while nspawn is still alive.
        const tree = child.pid === undefined ? [] : descendants(child.pid);
        signal(child, 'SIGTERM');
        if (!(await waitExit(child, 10_000))) {
          signal(child, 'SIGKILL');
          await waitExit(child, 5000);
        }
        const alive = tree.filter((pid) => existsSync(`/proc/${pid}`));
        if (alive.length > 0) {
          problems.push(`container processes outlived systemd-nspawn (killed): ${alive.join(' ')}`);
          for (const pid of alive) signalPid(pid, 'SIGKILL');
        }
      }
    }
    try {
      await waitFor(`${hostIf} to disappear`, async () => ((await run('ip', ['link', 'show', 'dev', hostIf])).code !== 0 ? true : undefined), 5000, 100);
    } catch {
      const del = await run('ip', ['link', 'del', hostIf]);
      problems.push(`${hostIf} outlived the container${del.code === 0 ? ' (deleted)' : `: ${del.stderr.trim()}`}`);
    }
    const mounts = mountsUnder(work);
    if (mounts.length > 0) problems.push(`mounts left under ${work}, not removing it: ${mounts.join(' ')}`);
    else await removeTree(work).catch((e: Error) => problems.push(`removing ${work}: ${e.message}`));
    // nspawn creates these host-side directories even with --register=no; they are empty once it exits.
    for (const d of [`/run/systemd/nspawn/propagate/${machine}`, `/run/systemd/nspawn/unix-export/${machine}`]) {
      await rmdir(d).catch(() => {});
    }
    return problems;
  };

  try {
    const unpackStarted = Date.now();
    await mkdir(rootfs, { mode: 0o755 });
    await runOk('tar', ['--zstd', ...TAR_FLAGS, '-C', rootfs, '-xf', tarball.path], { timeoutMs: 120_000 });
    const unpackMs = Date.now() - unpackStarted;

    // Per-run identity: client key, host key (pinned in a temp known_hosts), machine-id.
    await mkdir(keys, { mode: 0o700 });
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'portwise-lab-client', '-f', clientKey]);
    const hostKey = join(rootfs, 'etc/ssh/ssh_host_ed25519_key');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${SERVER_HOSTNAME}`, '-f', hostKey]);
    const knownHostsLine = `${SERVER_V4} ${(await readFile(`${hostKey}.pub`, 'utf8')).trim()}`;
    await writeFile(knownHosts, `${knownHostsLine}\n`);
    await mkdir(join(rootfs, 'root/.ssh'), { recursive: true, mode: 0o700 });
    await chmod(join(rootfs, 'root/.ssh'), 0o700);
    await writeFile(join(rootfs, 'root/.ssh/authorized_keys'), await readFile(`${clientKey}.pub`), { mode: 0o600 });
    await writeFile(join(rootfs, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);

    const bootStarted = Date.now();
    const args = [
      '--boot', '--register=no', '--keep-unit', '--network-veth', `--machine=${machine}`, `--directory=${rootfs}`,
      '--link-journal=no', '--resolv-conf=off', '--timezone=off', '--console=read-only',
    ];
    const proc = spawn('systemd-nspawn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const append = (s: string) => {
      output = (output + s).slice(-65_536);
    };
    proc.stdout?.setEncoding('utf8').on('data', append);
    proc.stderr?.setEncoding('utf8').on('data', append);
    proc.on('error', (e) => append(`\n[spawn error: ${e.message}]\n`));
    const alive = () => {
      if (exited(proc)) throw new Error(`systemd-nspawn exited (${proc.exitCode ?? proc.signalCode}):\n${output.slice(-4000)}`);
    };

    await waitFor(`the host end ${hostIf} of the veth`, async () => {
      alive();
      return (await run('ip', ['link', 'show', 'dev', hostIf])).code === 0 ? true : undefined;
    }, 20_000, 50);
    await runOk('ip', ['addr', 'add', `${HOST_SIDE_V4}/24`, 'dev', hostIf]);
    await runOk('ip', ['link', 'set', hostIf, 'up']);

    await waitFor(`sshd on ${SERVER_V4}:22`, async () => {
      alive();
      return (await tcpOpen(SERVER_V4, 22, 1000)) ? true : undefined;
    }, BOOT_DEADLINE_MS, 100);
    await waitFor(`root SSH into ${machine}`, async () => {
      alive();
      const r = await ssh('true', 10_000);
      if (r.code !== 0) throw new Error(r.stderr.trim());
      return true;
    }, 20_000, 200);
    const bootToSshMs = Date.now() - bootStarted;
    // sshd is up before the rest of the boot (nginx, networkd done); scenarios start from a finished boot.
    const state = await ssh('systemctl is-system-running --wait', BOOT_DEADLINE_MS);
    if (state.stdout.trim() !== 'running') {
      const failed = await ssh('systemctl list-units --state=failed --no-legend --plain --no-pager');
      throw new Error(`the container's boot ended "${state.stdout.trim() || state.stderr.trim()}", not "running"; failed units: ${failed.stdout.trim() || '(none listed)'}`);
    }
    const bootToRunningMs = Date.now() - bootStarted;

    return {
      address: SERVER_V4,
      machine,
      hostIf,
      rootfs,
      nspawnPid: proc.pid ?? -1,
      timings: { rootfsBuildMs: tarball.buildMs, unpackMs, bootToSshMs, bootToRunningMs },
      clientKeyPath: clientKey,
      knownHostsLine,
      ssh,
      async sshOk(command, timeoutMs) {
        const r = await ssh(command, timeoutMs);
        if (r.code !== 0) throw new Error(`ssh \`${command}\` failed (exit ${r.code}): ${r.stderr.trim()}`);
        return r.stdout;
      },
      consoleLog: () => output,
      shutdown,
    };
  } catch (error) {
    const problems = await shutdown();
    throw new Error(`Could not boot the nspawn lab server ${machine}: ${(error as Error).message}${problems.length ? `; cleanup: ${problems.join('; ')}` : ''}`, { cause: error });
  }
}

/**
 * One container for the calling test file. Setup failures (preflight, build, boot) make every test
 * of the file FAIL with the reason, as suite.ts does for the netns lab: nothing skips silently.
 * The first run builds the rootfs, hence the long hook timeout.
 */
export function useNspawnServer(hookTimeoutMs = 20 * 60_000): () => NspawnServer {
  let server: NspawnServer | null = null;
  let setupError: Error | null = null;
  beforeAll(async () => {
    try {
      await nspawnPreflight();
      server = await bootServer((line) => console.error(line));
      const t = server.timings;
      console.error(`nspawn lab: rootfs ${t.rootfsBuildMs === null ? 'cached' : `built in ${t.rootfsBuildMs} ms`}, unpacked in ${t.unpackMs} ms, boot to SSH ${t.bootToSshMs} ms, to running ${t.bootToRunningMs} ms`);
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  }, hookTimeoutMs);
  afterAll(async () => {
    if (server === null) return;
    const problems = await server.shutdown();
    if (problems.length > 0) throw new Error(`nspawn lab teardown: ${problems.join('; ')}`);
  }, 60_000);
  return () => {
    if (setupError) throw new Error(`nspawn lab setup failed: ${setupError.message}`, { cause: setupError });
    if (server === null) throw new Error('nspawn lab unavailable: setup did not run');
    return server;
  };
}

/** True when a TCP connect succeeds within timeoutMs (refused, unreachable and timeouts are false). */
export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (value: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** How a TCP connect from the host ends: 'open', the error code (ECONNREFUSED, ...) or 'timeout'. */
export function tcpConnectOutcome(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (value: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => done('open'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid !== undefined && !exited(child)) signalPid(child.pid, sig);
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** All descendants of `root` (children, grandchildren, ...), from /proc/PID/stat. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      // The command name (2nd field) may contain spaces and parentheses: the ppid follows the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // Exited meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0 && found.length < 100_000) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Mount points (in the host's mount namespace) at or below `dir`. */
export function mountsUnder(dir: string): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** rm -rf, but never through a mount point: refuses when anything is mounted below `dir`. */
async function removeTree(dir: string): Promise<void> {
  if (mountsUnder(dir).length > 0) throw new Error(`refusing to remove ${dir}: something is mounted below it`);
  if (!(await stat(dir).catch(() => null))) return;
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
