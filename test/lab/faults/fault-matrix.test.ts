// The fault matrix (issue 9 §4): real diagnoses against a real sshd in a lab namespace, each with
// one fault injected while it runs. Every case must end in typed evidence with a clear message, the
// diagnosis must still finish where it can (the other commands still give evidence), and nothing
// may be left as an unhandled rejection (failOnUnhandled, on top of vitest's own run-level check).
//
// One namespace. One sshd serves most cases: port 22 (root, and an unprivileged user who may also
// try a password) and 2222 with `MaxSessions 1`. A second sshd on 2223 closes idle channels
// (`ChannelTimeout`), and a third on 2224 runs in a private mount namespace where overlays hide ss
// and iptables/nft. Every login has a folder of shims first on its PATH (sshd's SetEnv; the login
// shell's stock ~/.bashrc returns early for a non-interactive shell and leaves PATH alone): a test
// writes the shims it needs (a program that hangs, floods, or prints invalid UTF-8) and they are
// removed after it.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSED_EARLY, defaultShellPool, shellTransport } from '../../../shared/node/remote/shell-transport';
import { collectRemote, RAW_CAP } from '../../../shared/node/remote/collect';
import { RemoteRunner, defaultRunnerOptions } from '../../../shared/node/remote/runner';
import { CAPABILITY_PROBE, parseCapabilities } from '../../../shared/common/parsers/capabilities';
import type { Evidence } from '../../../shared/common/schema/report';
import { connectChain } from '../../../shared/node/ssh/connect';
import type { DiagnosisEvent } from '../../../shared/common/schema/events';
import { NS_V4, runOk, waitFor } from '../harness/netns';
import { shimPath, startNamespacedSshd, type NamespacedSshd } from '../harness/netns-sshd';
import { generateKey, type KeyPair } from '../harness/sshd';
import { useLab } from '../harness/suite';
import { diagnose, failOnUnhandled, promptPort, statuses, useShims, type FaultDiagnosis } from './fault-lab';

const UNPRIVILEGED = `pwflt${process.pid % 100000}`;
const MAX_SESSIONS_PORT = 2222;
const CHANNEL_TIMEOUT_PORT = 2223;
const HIDDEN_TOOLS_PORT = 2224;
/** Refused ports in the namespace (nothing listens): one per case, so no case sees another's state. */
const port = (n: number) => 8300 + n;

const lab = useLab();
let base: string;
let sshd: NamespacedSshd;
let hidden: NamespacedSshd;
let closing: NamespacedSshd;
let wrongKey: KeyPair;
const shims = useShims(join(tmpdir(), `portwise-fault-shims-${process.pid}`));
failOnUnhandled();

/** Set when the servers could not be set up: every test then fails with it (the lab tier never skips). */
let setupError: Error | null = null;
function ready(): void {
  if (setupError) throw new Error(`fault lab setup failed: ${setupError.message}`, { cause: setupError });
}

beforeAll(async () => {
  try {
    await setUp();
  } catch (error) {
    setupError = error instanceof Error ? error : new Error(String(error));
  }
}, 120_000);

async function setUp(): Promise<void> {
  base = await mkdtemp(join(tmpdir(), 'portwise-faults-'));
  await chmod(base, 0o755);
  await mkdir(shims.dir, { recursive: true, mode: 0o755 });
  // '*' as the password hash: no password can log in, but the account is not "locked" ('!').
  await runOk('useradd', ['--no-create-home', '--shell', '/bin/sh', '--password', '*', UNPRIVILEGED]);
  const l = lab();
  const env = { PATH: shimPath(shims.dir) };
  sshd = await startNamespacedSshd(l, {
    address: NS_V4,
    users: ['root', UNPRIVILEGED],
    env,
    extraConfig: [
      `ListenAddress ${NS_V4}:${MAX_SESSIONS_PORT}`,
      `Match LocalPort ${MAX_SESSIONS_PORT}`,
      'MaxSessions 1',
      `Match User ${UNPRIVILEGED}`,
      'PasswordAuthentication yes',
    ],
  });
  // ss, iptables*, ip6tables*, xtables* and nft removed from /usr/bin and /usr/sbin for this sshd's
  // sessions only: whiteouts in an overlay's upper lower layer (the host keeps its programs).
  const whiteouts = join(base, 'whiteouts');
  hidden = await startNamespacedSshd(l, {
    address: NS_V4,
    port: HIDDEN_TOOLS_PORT,
    mountSetup: [
      `W=${whiteouts}`,
      'mkdir -p "$W/bin" "$W/sbin"',
      'mknod "$W/bin/ss" c 0 0',
      'for t in /usr/sbin/iptables* /usr/sbin/ip6tables* /usr/sbin/xtables* /usr/sbin/nft; do mknod "$W/sbin/${t##*/}" c 0 0; done',
      'mount -t overlay pw-hide-bin -o "lowerdir=$W/bin:/usr/bin" /usr/bin',
      'mount -t overlay pw-hide-sbin -o "lowerdir=$W/sbin:/usr/sbin" /usr/sbin',
    ].join('\n'),
  });
  // The server closes a session channel that carried no data for 2 s (OpenSSH 9.2's ChannelTimeout;
  // global: 9.2 ignores it in a Match block).
  closing = await startNamespacedSshd(l, { address: NS_V4, port: CHANNEL_TIMEOUT_PORT, env, extraConfig: ['ChannelTimeout session:*=2'] });
  wrongKey = await generateKey(base, 'not_authorized');
  const pin = (p: number, server: NamespacedSshd) => `${p === 22 ? NS_V4 : `[${NS_V4}]:${p}`} ${server.hostKey.type} ${server.hostKey.blob.toString('base64')}\n`;
  await writeFile(join(base, 'known_hosts'), [pin(22, sshd), pin(MAX_SESSIONS_PORT, sshd), pin(CHANNEL_TIMEOUT_PORT, closing), pin(HIDDEN_TOOLS_PORT, hidden)].join(''));
}

afterAll(async () => {
  // Sessions whose link was cut outlive the listener (nothing tells them the peer is gone): ours go first.
  for (const server of [sshd, hidden, closing]) if (server) killAll(server.descendants());
  await sshd?.stop();
  await hidden?.stop();
  await closing?.stop();
  await runOk('userdel', [UNPRIVILEGED]).catch(() => undefined);
  await rm(shims.dir, { recursive: true, force: true });
  if (base) await rm(base, { recursive: true, force: true });
});

function run(n: number, more: Partial<FaultDiagnosis> = {}) {
  ready();
  return diagnose({
    target: `${NS_V4}:${port(n)}`,
    user: 'root',
    sshHost: NS_V4,
    sshPort: 22,
    identityFile: sshd.clientKey.path,
    knownHostsFile: join(base, 'known_hosts'),
    home: base,
    ...more,
  });
}

/** Polls until `cond` holds (bounded), for faults injected at a moment of the run. */
const until = (what: string, cond: () => boolean, ms = 15_000) => waitFor(what, async () => (cond() ? true : undefined), ms, 20);

/** Sends SIGKILL to the given PIDs (ours: children of the sshd this file started). */
function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const commName = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

describe('fault matrix', () => {
  it('sshd killed mid-diagnosis: the running and the later commands are typed errors, and the diagnosis ends', async () => {
    const flag = join(shims.dir, 'systemctl.started');
    await shims.add('systemctl', `touch ${flag}; exec sleep 20`);
    const events: DiagnosisEvent[] = [];
    const running = run(1, { service: 'pwfault.service', onEvent: (e) => events.push(e) });
    await until('the slow systemctl to start on the server', () => existsSync(flag));
    // The session's sshd processes (privileged monitor and the user's child), not the listener.
    const killed = sshd.descendants().filter((pid) => commName(pid) === 'sshd');
    expect(killed.length).toBeGreaterThan(0);
    killAll(killed);
    const r = await running;
    // Whatever the session's shells left (the sleeping shim) goes too.
    killAll(sshd.descendants());
    expect(r.evidence('ssh-login').status).toBe('ok');
    const state = r.evidence('server:service-state');
    expect(state.status, statuses(r)).toBe('error');
    expect(state.summary).toMatch(/^the SSH channel closed before the command finished/);
    expect(state.facts.check === 'remote-command' && state.facts.stderr).toContain(CLOSED_EARLY);
    // The commands after the loss: still evidence, each saying the connection is gone.
    const after = r.server().filter((e) => e.id.startsWith('server:rules-') || e.id.startsWith('server:kernel-counters'));
    expect(after.length, statuses(r)).toBeGreaterThan(0);
    for (const e of after) {
      expect(e.status, statuses(r)).toBe('error');
      expect(e.summary, e.id).toMatch(/^target host root@[\d.]+:22: the SSH connection is closed\./);
      expect(e.facts.check === 'remote-command' && e.facts.stderr, e.id).toBe(`target host root@${NS_V4}:22: the SSH connection is closed.`);
    }
    // No kernel counters were read after the loss: none are claimed.
    const facts = r.evidence('server-facts').facts;
    expect(facts.check === 'server-facts' && facts.remote.kernelAnswers).toBeNull();
    expect(r.report.diagnosis.cause).toBeTruthy();
    // The live progress showed the lost commands as failed, with the reason.
    expect(events.some((e) => e.type === 'activity' && e.activity.id === 'service-state' && e.activity.state === 'failed')).toBe(true);
  });

  it('auth failure (a key the server does not accept): typed auth-failed, what was tried, and the local verdict still ends', async () => {
    const r = await run(3, { identityFile: wrongKey.path });
    const login = r.evidence('ssh-login');
    expect(login.status).toBe('error');
    expect(r.report.sshFailure?.kind).toBe('auth-failed');
    expect(login.summary).toMatch(/authentication failed/);
    expect(login.summary).toContain(`publickey ${wrongKey.path}`);
    expect(r.report.sshFailure?.serverMethods).toEqual(['publickey']);
    expect(r.server()).toEqual([]);
    // The workstation's own evidence still decides: the port refused.
    expect(r.report.outcome).toBe('refused');
    expect(r.report.diagnosis.cause).toBeTruthy();
  });

  it('auth failure (a wrong password): typed auth-failed naming the password method, and the password is in no report', async () => {
    const r = await run(4, { user: UNPRIVILEGED, identityFile: wrongKey.path, password: 'not-the-password' });
    expect(r.report.sshFailure?.kind).toBe('auth-failed');
    expect(r.report.sshFailure?.methodsTried).toEqual(expect.arrayContaining(['password']));
    expect(r.evidence('ssh-login').summary).toMatch(/authentication failed.*Tried: .*password/);
    expect(r.evidence('ssh-login').summary).not.toContain('not-the-password');
    expect(JSON.stringify(r.report)).not.toContain('not-the-password');
  });

  it('a remote command that hangs past its deadline: timeout evidence, and the other commands still run', async () => {
    await shims.add('systemctl', 'exec sleep 60');
    const r = await run(5, { service: 'pwfault.service' });
    expect(r.evidence('server:service-state').status, statuses(r)).toBe('timeout');
    // Said first, so that what little arrived is not read as a finding.
    expect(r.evidence('server:service-state').summary).toMatch(/^timed out after 1\d\.\d s/);
    expect(r.evidence('server:service-log').status).toBe('ok');
    expect(r.evidence('server:listeners-ss4').status).toBe('ok');
    expect(r.server().filter((e) => e.id.startsWith('server:rules-')).every((e) => e.status === 'ok')).toBe(true);
    // The server-side `timeout` answered (exit 124) before the channel's own deadline.
    expect(r.evidence('server:service-state').facts).toMatchObject({ check: 'remote-command', exitCode: 124 });
    expect(r.ms).toBeLessThan(25_000);
    expect(r.report.diagnosis.cause).toBe('service-not-running');
  });

  it('100 MB of output from one command: capped, digested whole, memory bounded, and the run goes on', async () => {
    const size = 100 * 1024 * 1024;
    // Only the IPv4 listing floods; the IPv6 one is the real ss.
    await shims.add('ss', `case "$1" in *4) head -c ${size} /dev/zero | tr '\\0' x;; *) exec /usr/bin/ss "$@";; esac`);
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers);
    }, 25);
    const r = await run(6).finally(() => clearInterval(sampler));
    const flood = r.evidence('server:listeners-ss4');
    expect(flood.facts, statuses(r)).toMatchObject({ check: 'remote-command', truncated: true, exitCode: 0 });
    expect(flood.rawBytes, 'the digest covers every byte, past the cap').toBe(size);
    expect(flood.raw!.length).toBeLessThanOrEqual(RAW_CAP + 64);
    expect(flood.raw).toContain(`cut at ${RAW_CAP} bytes`);
    // Below the 100 MB that came through (the runner keeps 1 MiB per stream; the rest is ssh2's
    // chunks in flight and garbage not yet collected, about 40 MB here).
    expect(peak, `peak growth ${Math.round(peak / 1e6)} MB`).toBeLessThan(80 * 1024 * 1024);
    // Typed: the listing is an error (it is not an ss table), and the other commands ran.
    // Typed: the command ran (exit 0), and what it printed is not an ss table, which the listener
    // facts say (with the parser's words) instead of "no listener".
    expect(flood.status).toBe('ok');
    expect(flood.summary).toMatch(/^Line 1: not an ss socket line/);
    const facts = r.evidence('server-facts').facts;
    expect(facts.check === 'server-facts' && facts.remote.listeners).toMatchObject({ status: 'error', source: 'ss', listeners: [], reason: expect.stringMatching(/not an ss socket line/) });
    expect(r.evidence('server:route-get-1').status).toBe('ok');
    expect(r.server().filter((e) => e.id.startsWith('server:rules-')).every((e) => e.status === 'ok'), statuses(r)).toBe(true);
  });

  it('non-UTF-8 bytes in ss and journal output: typed evidence, and the shown text is valid Unicode', async () => {
    const p = port(7);
    await shims.add('ss', `/usr/bin/ss "$@"; case "$1" in *4) printf 'LISTEN 0 128 127.0.0.1:${p} 0.0.0.0:* users:(("\\377\\376bad\\300name",pid=4242,fd=3)) ino:1 sk:1 cgroup:/ <->\\n';; esac`);
    await shims.add('journalctl', `printf '{"MESSAGE":"bind() to 0.0.0.0:${p} failed (98: Address already in use) \\377\\376","__REALTIME_TIMESTAMP":"1700000000000000"}\\n\\377\\376\\n'`);
    const r = await run(7, { service: 'pwfault.service' });
    const ss = r.evidence('server:listeners-ss4');
    expect(ss.status, statuses(r)).toBe('ok');
    expect(ss.raw).toContain('\ufffd');
    expect(ss.raw).not.toMatch(/[\ud800-\udfff]/);
    const facts = r.evidence('server-facts').facts;
    expect(facts.check === 'server-facts' && facts.remote.listeners.listeners.map((l) => l.address)).toContain('127.0.0.1');
    const log = r.evidence('server:service-log');
    expect(log.status).toBe('ok');
    expect(log.summary).toMatch(/port-in-use/);
    // The report survives a JSON round trip unchanged: no lone surrogate, nothing a renderer must guess at.
    expect(JSON.parse(JSON.stringify(r.report))).toEqual(r.report);
    expect(r.report.diagnosis.cause).toBe('bind-loopback-only');
  });

  it('ss and iptables missing: listeners from netstat, and the firewall is said to be unreadable, never "no firewall"', async () => {
    const l = lab();
    const p = port(8);
    // A listener that the workstation cannot reach: a REJECT rule, which this server has no tool to read.
    const listener = await l.startListener({ address: '0.0.0.0', port: p, mode: 'accept' });
    await l.exec(['iptables', '-A', 'INPUT', '-i', l.nsIf, '-p', 'tcp', '--dport', String(p), '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    try {
      const r = await run(8, { sshPort: HIDDEN_TOOLS_PORT, identityFile: hidden.clientKey.path });
      expect(r.evidence('ssh-login').status, r.evidence('ssh-login').summary).toBe('ok');
      // The fault was real: the capability probe found neither ss nor any rule-set tool.
      expect(r.evidence('ssh-login').raw).not.toMatch(/^tool=(ss|iptables|iptables-save|iptables-nft-save|nft)$/m);
      expect(r.server().some((e) => e.id.startsWith('server:listeners-ss') || e.id.startsWith('server:rules-'))).toBe(false);
      const netstat = r.evidence('server:listeners-netstat');
      expect(netstat.status, statuses(r)).toBe('ok');
      expect(netstat.summary).toBe(`1 listener(s) on port ${p}`);
      const facts = r.evidence('server-facts').facts;
      if (facts.check !== 'server-facts') throw new Error('no server facts');
      expect(facts.remote.listeners).toMatchObject({ status: 'ok', source: 'netstat -tln' });
      expect(facts.remote.firewall.snapshots).toEqual([]);
      expect(r.report.diagnosis.cause, JSON.stringify(r.report.path, null, 1)).toBe('host-firewall-suspected');
      expect(r.report.diagnosis.reason).toContain('the firewall rules could not be read (no firewall tool found');
    } finally {
      await l.exec(['iptables', '-F', 'INPUT']);
      await listener.stop();
    }
  });

  it('a non-root user without sudo: the rule sets say they need root, and why', async () => {
    const r = await run(9, { user: UNPRIVILEGED, sudo: true });
    expect(r.evidence('ssh-login').summary).toMatch(/as uid [1-9]/);
    expect(r.evidence('ssh-login').summary).not.toMatch(/sudo -n works/);
    const rules = r.server().filter((e) => e.id.startsWith('server:rules-'));
    expect(rules.length, statuses(r)).toBeGreaterThan(0);
    for (const e of rules) {
      expect(e.status, e.id).toBe('needs-privilege');
      expect(e.facts.check === 'remote-command' && e.facts.stderr, e.id).toMatch(/Permission denied|must be root|Operation not permitted/);
    }
    const facts = r.evidence('server-facts').facts;
    if (facts.check !== 'server-facts') throw new Error('no server facts');
    expect(facts.remote.firewall.unreadable.map((u) => u.status)).toEqual(rules.map(() => 'needs-privilege'));
    expect(facts.remote.firewall.unreadable.every((u) => u.reason.length > 0)).toBe(true);
    expect(r.evidence('server:listeners-ss4').status).toBe('ok');
    expect(r.report.diagnosis.cause).toBeTruthy();
  });

  it('MaxSessions 1 on the server: one shell serves every command, nothing fails', async () => {
    const offset = sshd.log().length;
    // As on a server whose shells start fast: the pool asks for more shells than the first one.
    const cheap = defaultShellPool.cheapShellMs;
    defaultShellPool.cheapShellMs = 60_000;
    const r = await run(10, { sshPort: MAX_SESSIONS_PORT }).finally(() => {
      defaultShellPool.cheapShellMs = cheap;
    });
    expect(r.server().length).toBeGreaterThan(5);
    expect(r.server().filter((e) => e.status !== 'ok' && !e.id.startsWith('server:containers')), statuses(r)).toEqual([]);
    expect(r.report.diagnosis.cause).toBe('service-not-running');
    // The fault was real: sshd refused a second session on the connection.
    expect(sshd.log().slice(offset)).toMatch(/no more sessions/);
  });

  it('a server that closes the channel early (ChannelTimeout): the cut command says so, later commands get a new shell', async () => {
    // `ip` is silent for 4 s: the server closes its channel after 2 s without data.
    await shims.add('ip', 'sleep 4; exec /usr/bin/ip "$@"');
    const r = await run(11, { sshPort: CHANNEL_TIMEOUT_PORT, identityFile: closing.clientKey.path });
    expect(r.evidence('ssh-login').status, r.evidence('ssh-login').summary).toBe('ok');
    const cut = r.evidence('server:route-get-1');
    expect(cut.status, statuses(r)).toBe('error');
    expect(cut.facts.check === 'remote-command' && cut.facts.stderr).toContain(CLOSED_EARLY);
    expect(r.server().filter((e) => e.id.startsWith('server:rules-')).every((e) => e.status === 'ok'), statuses(r)).toBe(true);
    expect(r.report.diagnosis.cause).toBeTruthy();
    // The fault was real: sshd closed the idle channel.
    expect(closing.log()).toMatch(/closing after 2 seconds of inactivity/);
  });

  it('the link cut while a command runs (veth down): it ends at its deadline as a timeout, and the diagnosis ends', async () => {
    const l = lab();
    // The second read of the kernel counters (after the probes, the collector's last command) hangs:
    // the link is cut while it runs.
    const count = join(shims.dir, 'count');
    const flag = join(shims.dir, 'second-read');
    await shims.add('cat', `case "$*" in /proc/net/snmp*) echo x >> ${count}; if [ "$(wc -l < ${count})" -ge 2 ]; then touch ${flag}; exec sleep 30; fi;; esac; exec /usr/bin/cat "$@"`);
    try {
      const running = run(12);
      // (A run that ends before the fault could be injected fails here, with its evidence.)
      await Promise.race([until('the second counters read', () => existsSync(flag), 30_000), running.then((r) => Promise.reject(new Error(`the run ended first:\n${statuses(r)}`)))]);
      await runOk('ip', ['link', 'set', l.hostIf, 'down']);
      const r = await running;
      const after = r.evidence('server:kernel-counters-after');
      expect(after.status, statuses(r)).toBe('timeout');
      expect(after.facts).toMatchObject({ check: 'remote-command', exitCode: null });
      expect(r.evidence('server:kernel-counters-before').status).toBe('ok');
      // Bounded by the command's deadline (10 s, plus 3 s for the server's own `timeout` to answer).
      expect(r.ms).toBeLessThan(25_000);
      const facts = r.evidence('server-facts').facts;
      expect(facts.check === 'server-facts' && facts.remote.kernelAnswers).toBeNull();
      expect(r.report.diagnosis.cause).toBe('service-not-running');
    } finally {
      await runOk('ip', ['link', 'set', l.hostIf, 'up']);
      killAll(sshd.descendants());
    }
  });

  it('the link cut early, with a short keepalive: timed-out commands, then every later one a typed error; the collector ends', async () => {
    // The session as openRemote builds it, with deadlines short enough for the lab, in the order
    // the product's have them: a command's deadline (1.5 s here, 10 s + 3 s there) passes before
    // the keepalive gives up (2 s x 2 here, 5 s x 3 there). So the running commands time out,
    // the next ones wait for new shells on a dead link, and then the connection ends under them.
    ready();
    const l = lab();
    const flag = join(shims.dir, 'ss.started');
    await shims.add('ss', `touch ${flag}; exec sleep 30`);
    const chain = await connectChain({
      hops: [{ host: NS_V4, port: 22, user: 'root', identityFiles: [sshd.clientKey.path], agent: false, password: false, keyboardInteractive: false }],
      prompt: promptPort(),
      env: {},
      hostKeyPolicy: 'refuse',
      knownHostsFiles: [join(base, 'known_hosts')],
      ownKnownHostsFile: join(base, 'own_known_hosts'),
      keepaliveIntervalMs: 2000,
      keepaliveCountMax: 2,
    });
    const transport = shellTransport(chain.client, `root@${NS_V4}`);
    try {
      const probe = await new RemoteRunner(transport).run({ id: 'capabilities', command: { text: CAPABILITY_PROBE }, wantsRoot: false });
      const capabilities = parseCapabilities(probe.result.stdout);
      if (!capabilities.ok) throw new Error(`${capabilities.error.message} ${JSON.stringify(probe.result)}`);
      const runner = new RemoteRunner(transport, { ...defaultRunnerOptions, concurrency: 3, serverTimeout: false, defaultTimeoutMs: 1500 });
      const session = { server: `root@${NS_V4}`, chain, runner, capabilities: capabilities.value, probeOutput: '', probeDigest: null, close: async () => undefined };
      const evidence: Evidence[] = [];
      const collecting = collectRemote(session, {
        port: port(13),
        failing: [{ address: NS_V4, family: 4, sources: ['literal'], loopback: false, localInterface: null }],
        service: null,
        reprobe: async () => undefined,
        onEvidence: (e) => evidence.push(e),
      });
      await until('ss to start on the server', () => existsSync(flag));
      await runOk('ip', ['link', 'set', l.hostIf, 'down']);
      const started = Date.now();
      const facts = await collecting;
      const byId = (id: string) => evidence.find((e) => e.id === `server:${id}`);
      const all = evidence.map((e) => `${e.id}=${e.status}: ${e.facts.check === 'remote-command' ? e.facts.stderr : ''}`).join('\n');
      expect(byId('listeners-ss4')?.status, all).toBe('timeout');
      // Later commands found the connection gone: typed errors that say so, none left hanging.
      const gone = evidence.filter((e) => e.status === 'error' && e.facts.check === 'remote-command' && /the SSH connection is closed/.test(e.facts.stderr));
      expect(gone.length, all).toBeGreaterThan(3);
      expect(gone.map((e) => e.id)).toEqual(expect.arrayContaining(['server:kernel-counters-before']));
      expect(facts.firewall.snapshots).toEqual([]);
      expect(facts.firewall.unreadable.length).toBeGreaterThan(0);
      expect(facts.firewall.unreadable.every((u) => u.status === 'error' && /the SSH connection is closed/.test(u.reason)), JSON.stringify(facts.firewall.unreadable)).toBe(true);
      expect(facts.kernelAnswers).toBeNull();
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      transport.close();
      await chain.close();
      await runOk('ip', ['link', 'set', l.hostIf, 'up']);
      killAll(sshd.descendants());
    }
  });
});
