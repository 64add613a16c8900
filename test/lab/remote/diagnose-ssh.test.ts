import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Report } from '../../../shared/common/schema/report';
import { NS_V4, runOk, type Lab } from '../harness/netns';
import { startNamespacedSshd, type NamespacedSshd } from '../harness/netns-sshd';
import { generateKey, startSshd } from '../harness/sshd';
import { useLab } from '../harness/suite';

// The whole CLI with --ssh against a real sshd in a namespace, with real listeners and real kernel
// firewall rules there: each scenario must end in the catalog cause, citing its evidence.
const CLI = 'out/cli/portwise.js';
const UNPRIVILEGED = `pwlab${process.pid % 100000}`;
const lab = useLab();
let sshd: NamespacedSshd;
let home: string;

beforeAll(async () => {
  await runOk('npx', ['vite', 'build', '--config', 'vite.cli.config.ts', '--logLevel', 'error'], { timeoutMs: 120_000 });
  // An unprivileged account for the "no root" scenario; removed again in afterAll.
  // '*' as the password hash: no password login, but not "locked" ('!'), which sshd would refuse.
  await runOk('useradd', ['--no-create-home', '--shell', '/bin/sh', '--password', '*', UNPRIVILEGED]);
  sshd = await startNamespacedSshd(lab(), { address: NS_V4, users: ['root', UNPRIVILEGED] });
  home = await mkdtemp(join(tmpdir(), 'portwise-home-'));
  await writeFile(join(home, 'known_hosts'), sshd.knownHosts);
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
  await runOk('userdel', [UNPRIVILEGED]).catch(() => undefined);
  if (home) await rm(home, { recursive: true, force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: Report | null;
}

function cli(args: string[], knownHosts = join(home, 'known_hosts'), user = 'root'): Promise<CliRun> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PORTWISE_HOME: join(home, 'portwise'), LANG: 'C' };
    const child = spawn('node', [CLI, 'diagnose', ...args, '--ssh', `${user}@${NS_V4}`, '--identity', sshd.clientKey.path, '--known-hosts', knownHosts, '--json', '--probes', '2'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, report: parseReport(stdout) });
    });
  });
}

function parseReport(stdout: string): Report | null {
  try {
    return Report.parse(JSON.parse(stdout));
  } catch {
    return null;
  }
}

const port = (n: number) => 8100 + n;
const cause = (r: CliRun) => r.report?.diagnosis.cause;
const reason = (r: CliRun) => r.report?.diagnosis.reason ?? '';

async function withRules(l: Lab, rules: string[][], body: () => Promise<void>): Promise<void> {
  for (const r of rules) await l.exec(r);
  try {
    await body();
  } finally {
    await l.exec(['iptables', '-F', 'INPUT']);
    await l.exec(['iptables', '-t', 'nat', '-F', 'PREROUTING']);
    await l.execResult(['nft', 'delete', 'table', 'inet', 'pwlab']);
  }
}

describe('diagnose --ssh in the netns lab', () => {
  it('no listener: service-not-running, from the server listener table', async () => {
    const run = await cli([`${NS_V4}:${port(1)}`]);
    expect(run.report, run.stderr).not.toBeNull();
    expect(cause(run)).toBe('service-not-running');
    expect(run.report!.path.map((s) => s.node)).toEqual(expect.arrayContaining(['T10', 'T11', 'T13', 'T14']));
    expect(run.code).toBe(0);
  });

  it('loopback-only listener: bind-loopback-only', async () => {
    const listener = await lab().startListener({ address: '127.0.0.1', port: port(2), mode: 'accept' });
    try {
      const run = await cli([`${NS_V4}:${port(2)}`]);
      expect(cause(run), run.stderr).toBe('bind-loopback-only');
      expect(reason(run)).toContain('127.0.0.1');
    } finally {
      await listener.stop();
    }
  });

  it('a listener on a secondary address: bind-wrong-interface-ip', async () => {
    await lab().exec(['ip', 'addr', 'add', '198.18.0.3/24', 'dev', lab().nsIf]);
    const listener = await lab().startListener({ address: '198.18.0.3', port: port(3), mode: 'accept' });
    try {
      const run = await cli([`${NS_V4}:${port(3)}`]);
      expect(cause(run), run.stderr).toBe('bind-wrong-interface-ip');
      expect(reason(run)).toContain('198.18.0.3');
    } finally {
      await listener.stop();
      await lab().exec(['ip', 'addr', 'del', '198.18.0.3/24', 'dev', lab().nsIf]);
    }
  });

  it('a v6-only wildcard listener refuses IPv4: v6only-listener-ipv4-refused', async () => {
    const listener = await lab().startListener({ address: '::', port: port(4), mode: 'accept' });
    try {
      const run = await cli([`${NS_V4}:${port(4)}`]);
      expect(cause(run), run.stderr).toBe('v6only-listener-ipv4-refused');
    } finally {
      await listener.stop();
    }
  });

  it('an iptables REJECT: iptables-reject, naming the rule and its counter delta', async () => {
    const listener = await lab().startListener({ address: '0.0.0.0', port: port(5), mode: 'accept' });
    try {
      await withRules(lab(), [['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(port(5)), '-j', 'REJECT', '--reject-with', 'tcp-reset']], async () => {
        const run = await cli([`${NS_V4}:${port(5)}`]);
        expect(cause(run), JSON.stringify(run.report?.path, null, 1)).toBe('iptables-reject');
        expect(reason(run)).toContain(`--dport ${port(5)}`);
        expect(reason(run)).toMatch(/counter rose by 3/);
      });
    } finally {
      await listener.stop();
    }
  });

  it('an nft reject: nftables-reject, naming the rule', async () => {
    const listener = await lab().startListener({ address: '0.0.0.0', port: port(6), mode: 'accept' });
    try {
      await withRules(
        lab(),
        [
          ['nft', 'add', 'table', 'inet', 'pwlab'],
          ['nft', 'add', 'chain', 'inet', 'pwlab', 'input', '{ type filter hook input priority 0; policy accept; }'],
          ['nft', 'add', 'rule', 'inet', 'pwlab', 'input', 'tcp', 'dport', String(port(6)), 'counter', 'reject', 'with', 'tcp', 'reset'],
        ],
        async () => {
          const run = await cli([`${NS_V4}:${port(6)}`]);
          expect(cause(run), JSON.stringify(run.report?.path, null, 1)).toBe('nftables-reject');
          expect(reason(run)).toContain('pwlab');
          expect(reason(run)).toMatch(/counter rose by 3/);
        },
      );
    } finally {
      await listener.stop();
    }
  });

  it('a DROP: firewall-drop, naming the rule (a timeout, not a refusal)', async () => {
    const listener = await lab().startListener({ address: '0.0.0.0', port: port(7), mode: 'accept' });
    try {
      await withRules(lab(), [['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(port(7)), '-j', 'DROP']], async () => {
        const run = await cli([`${NS_V4}:${port(7)}`, '--timeout', '700']);
        expect(run.report?.outcome).toBe('timeout');
        expect(cause(run), run.stderr).toBe('firewall-drop');
        expect(reason(run)).toContain('DROP');
      });
    } finally {
      await listener.stop();
    }
  });

  it('a DNAT to a backend that does not exist: dnat-dead-backend', async () => {
    await withRules(lab(), [['iptables', '-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--dport', String(port(8)), '-j', 'DNAT', '--to-destination', `198.18.0.99:${port(8)}`]], async () => {
      const run = await cli([`${NS_V4}:${port(8)}`, '--timeout', '5000']);
      expect(cause(run), run.stderr).toBe('dnat-dead-backend');
      expect(reason(run)).toContain('198.18.0.99');
    });
  });

  it('as a user without root, unreadable rules make host-firewall-suspected (never "no firewall")', async () => {
    const listener = await lab().startListener({ address: '0.0.0.0', port: port(12), mode: 'accept' });
    try {
      await withRules(lab(), [['iptables', '-A', 'INPUT', '-i', lab().nsIf, '-p', 'tcp', '--dport', String(port(12)), '-j', 'REJECT']], async () => {
        const run = await cli([`${NS_V4}:${port(12)}`], join(home, 'known_hosts'), UNPRIVILEGED);
        expect(cause(run), `${run.stderr}\n${JSON.stringify(run.report?.path, null, 1)}`).toBe('host-firewall-suspected');
        const rules = run.report!.evidence.filter((e) => e.id.startsWith('server:rules-'));
        expect(rules.length).toBeGreaterThan(0);
        expect(rules.every((e) => e.status === 'needs-privilege' || e.status === 'unsupported')).toBe(true);
      });
    } finally {
      await listener.stop();
    }
  });

  it('through a jump host: the chain is used and the verdict is the target\'s', async () => {
    const jump = await startSshd({ authorizedKeys: [sshd.clientKey.publicLine] });
    try {
      const knownHosts = join(home, 'known_hosts_jump');
      await writeFile(knownHosts, `${sshd.knownHosts}${jump.knownHostsLine()}\n`);
      const run = await cli([`${NS_V4}:${port(13)}`, '--jump', `${jump.user}@127.0.0.1:${jump.port}`], knownHosts);
      expect(cause(run), run.stderr).toBe('service-not-running');
      const login = run.report!.evidence.find((e) => e.id === 'ssh-login');
      expect(login?.facts.check === 'ssh-login' && login.facts.hops.map((h) => h.hop)).toEqual([`${jump.user}@127.0.0.1:${jump.port}`, `root@${NS_V4}:22`]);
      expect(jump.log()).toMatch(new RegExp(`server_request_direct_tcpip: .*target ${NS_V4.replaceAll('.', '\\.')} port 22`));
    } finally {
      await jump.stop();
    }
  });

  it('a hostile service name is data: it reaches systemctl as one word and nothing runs', async () => {
    const canary = join(home, 'pwned');
    const run = await cli([`${NS_V4}:${port(9)}`, '--service', `x;touch ${canary}`]);
    expect(run.report, run.stderr).not.toBeNull();
    expect(existsSync(canary)).toBe(false);
    const serviceEvidence = run.report!.evidence.find((e) => e.id === 'server:service-state');
    if (serviceEvidence) expect(serviceEvidence.command).toContain(`'x;touch ${canary}'`);
  });

  it('a changed host key: exit 4 before any authentication, both fingerprints shown', async () => {
    const other = join(home, 'known_hosts_changed');
    const bogus = await generateKey(home, 'bogus_host_key');
    await writeFile(other, `${NS_V4} ${bogus.type} ${bogus.blob.toString('base64')}\n`);
    const before = sshd.log().length;
    const run = await cli([`${NS_V4}:${port(10)}`], other);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/SHA256:/);
    expect(run.report?.sshFailure?.kind).toBe('host-key-changed');
    expect(sshd.log().slice(before)).not.toMatch(/Accepted publickey|Failed publickey|userauth/i);
  });

  it('an unknown host key without --accept-new-host-key: exit 4 with the fingerprint to check', async () => {
    const empty = join(home, 'known_hosts_empty');
    await writeFile(empty, '');
    const run = await cli([`${NS_V4}:${port(11)}`], empty);
    expect(run.code).toBe(4);
    expect(run.report?.sshFailure?.kind).toBe('host-key-unknown');
    expect(run.stderr).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
  });
});
