import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Report } from '../../../shared/common/schema/report';
import { HOST_V4, HOST_V6, NS_V4, NS_V6, runOk, type Lab } from '../harness/netns';
import { startNamespacedSshd, type NamespacedSshd } from '../harness/netns-sshd';
import { generateKey } from '../harness/sshd';
import { useLab } from '../harness/suite';

// The whole CLI with --ssh against a real sshd in a namespace, with real listeners and real kernel
// firewall rules there: each scenario must end in the catalog cause, citing its evidence.
const CLI = 'out/cli/portwise.cjs';
const UNPRIVILEGED = `pwlab${process.pid % 100000}`;
const lab = useLab();
let sshd: NamespacedSshd;
let home: string;

beforeAll(async () => {
  await runOk('npm', ['run', '--silent', 'build:cli'], { timeoutMs: 120_000 });
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

function cli(args: string[], knownHosts = join(home, 'known_hosts'), user = 'root', server = `${user}@${NS_V4}`): Promise<CliRun> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PORTWISE_HOME: join(home, 'portwise'), LANG: 'C' };
    const child = spawn('node', [CLI, 'diagnose', ...args, '--ssh', server, '--identity', sshd.clientKey.path, '--known-hosts', knownHosts, '--json', '--probes', '2'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, report: parseReport(stdout) });
    });
  });
}

/** The PDF's text, as a reader copying from it would get it. */
async function pdfText(file: string): Promise<string> {
  return runOk('pdftotext', ['-layout', file, '-']);
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
    // The progress on stderr names the hop before the login answers.
    expect(run.stderr).toMatch(new RegExp(`Logging in to target host root@${NS_V4.replaceAll('.', '\\.')}:\\d+…`));
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
        // The same run exported for a ticket, redacted: the "done when" for the four formats
        // (the PDF printed by the Chromium found on PATH, read back as text with pdftotext).
        const exports = ['md', 'html', 'json', 'pdf'].map((ext) => join(home, `report.${ext}`));
        const run = await cli([`${NS_V4}:${port(5)}`, ...exports.flatMap((f) => ['--report', f]), '--redact', 'hosts,ips,users']);
        expect(cause(run), JSON.stringify(run.report?.path, null, 1)).toBe('iptables-reject');
        expect(reason(run)).toContain(`--dport ${port(5)}`);
        expect(reason(run)).toMatch(/counter rose by 3/);
        const rule = run.report!.evidence.find((e) => e.raw?.includes(`--dport ${port(5)} -j REJECT`));
        expect(rule?.rawSha256, 'the decisive output carries the digest of its whole text').toMatch(/^[0-9a-f]{64}$/);
        const unbroken = (text: string) => text.replace(/\s+/g, '');
        for (const file of exports) {
          expect(run.stderr).toContain(`Report written to ${file}`);
          const text = file.endsWith('.pdf') ? await pdfText(file) : await readFile(file, 'utf8');
          // The cause, the decisive evidence with its raw output (the rule), and the decision path.
          // (A PDF line may wrap inside the rule: compared without white space.)
          expect(text, file).toContain('iptables-reject');
          expect(unbroken(text), file).toContain(unbroken(`-A INPUT -p tcp -m tcp --dport ${port(5)} -j REJECT --reject-with tcp-reset`));
          expect(text, file).toMatch(/Decision path|"path"/);
          // None of the lab's names or addresses: the server and this side of the link (both families), the login user.
          for (const original of [NS_V4, HOST_V4, NS_V6, HOST_V6, 'root@', '"user": "root"']) expect(text.includes(original), `${file} holds ${original}`).toBe(false);
        }
        // Also saved to the history (under this test's PORTWISE_HOME), unredacted: it is this computer's own record.
        const history = await readdir(join(home, 'portwise', 'history'));
        expect(history.filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
        expect(Report.parse(JSON.parse(await readFile(exports[2] as string, 'utf8'))).target.host).not.toBe(NS_V4);
        // The report fixture of the report renderers (test/fixtures/report/README.md) is this run's, captured on request.
        if (process.env.PORTWISE_CAPTURE_REPORT_FIXTURE && run.report) await writeFile(process.env.PORTWISE_CAPTURE_REPORT_FIXTURE, `${JSON.stringify(run.report, null, 2)}\n`);
      });
    } finally {
      await listener.stop();
    }
  });

  it('a REJECT in the legacy iptables tables: found there, and those tables are read only when the kernel holds one', async () => {
    const listener = await lab().startListener({ address: '0.0.0.0', port: port(14), mode: 'accept' });
    const reject = ['INPUT', '-p', 'tcp', '--dport', String(port(14)), '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    const legacyReads = (r: CliRun) => r.report!.evidence.filter((e) => e.id.startsWith('server:rules-iptables-legacy')).map((e) => e.id);
    const probed = (r: CliRun) => r.report!.evidence.find((e) => e.id === 'ssh-login')?.raw ?? '';
    try {
      // While only nf_tables holds rules, this namespace has no legacy table: the capability probe
      // says so, and the legacy rule sets are not read at all.
      await withRules(lab(), [['iptables', '-A', ...reject]], async () => {
        const run = await cli([`${NS_V4}:${port(14)}`]);
        if (/ip_tables_names=\S/.test(probed(run))) throw new Error('a legacy table already exists in the lab namespace: this test must run before any other legacy rule');
        expect(probed(run), run.stderr).toMatch(/ip_tables_names=\n/);
        expect(legacyReads(run)).toEqual([]);
        expect(cause(run)).toBe('iptables-reject');
      });
      await lab().exec(['iptables-legacy', '-A', ...reject]);
      try {
        const run = await cli([`${NS_V4}:${port(14)}`]);
        expect(probed(run), run.stderr).toMatch(/ip_tables_names=filter\n/);
        expect(legacyReads(run)).toEqual(['server:rules-iptables-legacy-before', 'server:rules-iptables-legacy-after']);
        expect(cause(run), JSON.stringify(run.report?.path, null, 1)).toBe('iptables-reject');
        expect(reason(run)).toContain(`--dport ${port(14)}`);
        expect(reason(run)).toContain('iptables-legacy');
      } finally {
        await lab().exec(['iptables-legacy', '-F', 'INPUT']);
      }
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

  it('through a jump host in its own namespace, reaching the server on an inner network', async () => {
    // workstation --198.18.2.0/24--> jump namespace --198.18.3.0/24--> the server's namespace: the
    // bastion alone reaches the server's inner address, as in a real DMZ.
    const id = `${process.pid % 100000}`;
    const jumpNs = `pwj${id}`;
    const links = { host: `pwjh${id}`, jumpOut: `pwjo${id}`, jumpIn: `pwji${id}`, server: `pwjs${id}` };
    await runOk('ip', ['netns', 'add', jumpNs]);
    let jump: NamespacedSshd | null = null;
    let inner: NamespacedSshd | null = null;
    try {
      await runOk('ip', ['link', 'add', links.host, 'type', 'veth', 'peer', 'name', links.jumpOut]);
      await runOk('ip', ['link', 'set', links.jumpOut, 'netns', jumpNs]);
      await runOk('ip', ['addr', 'add', '198.18.2.1/24', 'dev', links.host]);
      await runOk('ip', ['link', 'set', links.host, 'up']);
      await runOk('ip', ['link', 'add', links.jumpIn, 'netns', jumpNs, 'type', 'veth', 'peer', 'name', links.server, 'netns', lab().ns]);
      for (const [dev, addr] of [[links.jumpOut, '198.18.2.2/24'], [links.jumpIn, '198.18.3.1/24']] as const) {
        await runOk('ip', ['-n', jumpNs, 'addr', 'add', addr, 'dev', dev]);
        await runOk('ip', ['-n', jumpNs, 'link', 'set', dev, 'up']);
      }
      await runOk('ip', ['-n', jumpNs, 'link', 'set', 'lo', 'up']);
      await runOk('ip', ['-n', lab().ns, 'addr', 'add', '198.18.3.2/24', 'dev', links.server]);
      await runOk('ip', ['-n', lab().ns, 'link', 'set', links.server, 'up']);
      jump = await startNamespacedSshd({ ns: jumpNs }, { address: '198.18.2.2', extraAuthorizedKeys: [sshd.clientKey.publicLine] });
      inner = await startNamespacedSshd(lab(), { address: '198.18.3.2', extraAuthorizedKeys: [sshd.clientKey.publicLine] });
      const knownHosts = join(home, 'known_hosts_jump');
      await writeFile(knownHosts, `${jump.knownHosts}${inner.knownHosts}`);
      const run = await cli([`${NS_V4}:${port(13)}`, '--jump', 'root@198.18.2.2'], knownHosts, 'root', 'root@198.18.3.2');
      expect(cause(run), run.stderr).toBe('service-not-running');
      const login = run.report!.evidence.find((e) => e.id === 'ssh-login');
      expect(login?.facts.check === 'ssh-login' && login.facts.hops.map((h) => h.hop)).toEqual(['root@198.18.2.2:22', 'root@198.18.3.2:22']);
      expect(jump.log()).toMatch(/Accepted publickey for root/);
      expect(inner.log()).toMatch(/Accepted publickey for root from 198\.18\.3\.1/);
      // The server's own view of the probed address: it holds it (T11), though SSH came in elsewhere.
      expect(run.report!.path.find((s) => s.node === 'T11')?.reason).toContain('local 198.18.0.2');
    } finally {
      await inner?.stop();
      await jump?.stop();
      await runOk('ip', ['netns', 'del', jumpNs]).catch(() => undefined);
      await runOk('ip', ['link', 'del', links.host]).catch(() => undefined);
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
