import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { causeSummary } from '../../shared/common/causes/catalog';
import { Report } from '../../shared/common/schema/report';
import { NS_V4, run, runOk, type ExecResult } from './harness/netns';
import { useLab } from './harness/suite';

// The built `portwise` command end to end, against the lab namespace and (for localhost) loopback.
const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'out/cli/portwise.cjs');
const CLOSED = 8080;
const DROPPED = 8083;
const PROHIBITED = 8086;
/** A PostgreSQL-like service bound to 127.0.0.1 only, on the PostgreSQL port. */
const LOOPBACK_ONLY = 5432;

const lab = useLab(async (l) => {
  // Build the CLI from the sources under test, once (about 1 s).
  await runOk('npm', ['run', '--silent', 'build:cli'], { cwd: root, timeoutMs: 60_000 });
  // Listeners behind the rules: the answer can only come from the firewall.
  await l.startListener({ address: '0.0.0.0', port: DROPPED, mode: 'accept' });
  await l.startListener({ address: '0.0.0.0', port: PROHIBITED, mode: 'accept' });
  await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(DROPPED), '-j', 'DROP']);
  await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(PROHIBITED), '-j', 'REJECT', '--reject-with', 'icmp-host-prohibited']);
  await l.startListener({ address: '127.0.0.1', port: LOOPBACK_ONLY, mode: 'accept' });
});

/** Every diagnosis is saved in the history: into this private folder, never the user's own. */
const home = mkdtempSync(path.join(tmpdir(), 'pw-lab-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A small, fixed environment: no proxy variables or colour settings leak in from the caller. */
const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PORTWISE_HOME: home });
const diagnoseArgs = (target: string) => [cli, 'diagnose', target, '--json', '--probes', '2', '--timeout', '800'];

function parseReport(r: ExecResult): Report {
  try {
    return Report.parse(JSON.parse(r.stdout));
  } catch (error) {
    throw new Error(`Not a valid Report (exit ${r.code}): ${(error as Error).message}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`, { cause: error });
  }
}

async function diagnose(target: string, ...extra: string[]): Promise<{ r: ExecResult; report: Report }> {
  lab();
  const r = await run(process.execPath, [...diagnoseArgs(target), ...extra], { env: baseEnv(), cwd: root, timeoutMs: 20_000 });
  return { r, report: parseReport(r) };
}

const listen = (server: net.Server, port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const onError = () => resolve(false);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(true);
    });
  });
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** Listens on 127.0.0.1 on a port that is free on ::1 too, so ::1 is refused by the kernel itself. */
async function listenOnV4LoopbackOnly(server: net.Server): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!(await listen(server, 0, '127.0.0.1'))) throw new Error('cannot listen on 127.0.0.1');
    const port = (server.address() as net.AddressInfo).port;
    const other = net.createServer();
    const freeOnV6 = await listen(other, port, '::1');
    if (freeOnV6) await close(other);
    if (freeOnV6) return port;
    await close(server);
  }
  throw new Error('no port free on both 127.0.0.1 and ::1 after 5 tries');
}

const attemptsOf = (report: Report) => report.evidence.flatMap((e) => (e.facts.check === 'tcp-probe' ? e.facts.attempts : []));

describe('portwise diagnose --json against the lab', () => {
  it('(a) nothing listens on the remote port: outcome refused, inconclusive, exit 3, asks for the listener table', async () => {
    const { r, report } = await diagnose(`${NS_V4}:${CLOSED}`);
    expect(r.code, r.stderr).toBe(3);
    expect(report.outcome).toBe('refused');
    expect(report.diagnosis.cause).toBe('inconclusive');
    expect(report.path.map((s) => s.node)).toEqual(['T0', 'T1', 'T2', 'T3', 'T6', 'T7', 'T9', 'T10', 'T60']);
    expect(report.diagnosis.missing.some((m) => /listener table/i.test(m))).toBe(true);
    // Manual mode: the walk stopped at the interview, which names the exact command to paste from.
    expect(report.pending).toMatchObject({ node: 'T60', paste: { kind: 'listeners' } });
    expect(report.pending?.paste?.commands).toContainEqual({ os: 'linux', command: `sudo ss -tlnpe 'sport = :${CLOSED}'` });
    const attempts = attemptsOf(report);
    expect(attempts).toHaveLength(2);
    expect(attempts.every((a) => a.status === 'refused' && a.errno === 'ECONNREFUSED')).toBe(true);
  });

  it('(b) DROP: outcome timeout, cause timeout-filtered, exit 0', async () => {
    const { r, report } = await diagnose(`${NS_V4}:${DROPPED}`);
    expect(r.code, r.stderr).toBe(0);
    expect(report.outcome).toBe('timeout');
    expect(report.diagnosis.cause).toBe('timeout-filtered');
    expect(report.path.at(-1)).toMatchObject({ node: 'T40', next: 'timeout-filtered' });
    expect(attemptsOf(report).every((a) => a.errno === 'ETIMEDOUT' && a.ms >= 750)).toBe(true);
  });

  it('(c) REJECT icmp-host-prohibited: outcome unreachable, through T20, exit 3', async () => {
    const { r, report } = await diagnose(`${NS_V4}:${PROHIBITED}`);
    expect(r.code, r.stderr).toBe(3);
    expect(report.outcome).toBe('unreachable');
    expect(report.diagnosis.cause).toBe('inconclusive');
    expect(report.path.map((s) => s.node)).toContain('T20');
    expect(report.path.at(-1)).toMatchObject({ node: 'T20', next: 'inconclusive' });
    // Fast answer: the firewall branch, not the "host down" one.
    expect(report.diagnosis.candidates.map((c) => c.id)).toContain('firewalld-reject');
    expect(attemptsOf(report).every((a) => a.status === 'unreachable' && a.errno === 'EHOSTUNREACH')).toBe(true);
  });
});

describe('portwise diagnose without SSH, answered by pasting from the server (manual mode)', () => {
  it('(f) 127.0.0.1:5432 only: the pasted `ss -tlnp` ends at bind-loopback-only, with the PostgreSQL fix', async () => {
    const first = await diagnose(`${NS_V4}:${LOOPBACK_ONLY}`);
    expect(first.r.code, first.r.stderr).toBe(3);
    const pending = first.report.pending;
    const command = pending?.paste?.commands.find((c) => c.os === 'linux')?.command;
    expect(command).toBe(`sudo ss -tlnpe 'sport = :${LOOPBACK_ONLY}'`);
    // The person runs the shown command on the server (here: root inside the lab's namespace, where
    // there is no sudo) and pastes its real output into an answers file, at the step that asked.
    const output = await lab().exec(['sh', '-c', command!.replace(/^sudo /, '')]);
    expect(output).toContain(`127.0.0.1:${LOOPBACK_ONLY}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-lab-answers-'));
    try {
      const answers = path.join(dir, 'answers.json');
      writeFileSync(answers, JSON.stringify({ [pending!.node]: { paste: output } }));
      const { r, report } = await diagnose(`${NS_V4}:${LOOPBACK_ONLY}`, '--answers', answers);
      expect(r.code, r.stderr).toBe(0);
      expect(report.diagnosis.cause).toBe('bind-loopback-only');
      expect(report.path.map((s) => s.node)).toEqual(['T0', 'T1', 'T2', 'T3', 'T6', 'T7', 'T9', 'T10', 'T11', 'T13']);
      expect(report.diagnosis.reason).toContain(`127.0.0.1:${LOOPBACK_ONLY} only`);
      expect(report.diagnosis.service).toEqual({ id: 'postgresql', name: 'PostgreSQL' });
      const fix = JSON.stringify(report.diagnosis.remediation);
      expect(fix).toContain('listen_addresses');
      expect(fix).toContain('postgresql.conf');
      // The evidence says where it came from: pasted by a person, with the raw text kept.
      const pasted = report.evidence.find((e) => e.id === `pasted:${pending!.node}`);
      expect(pasted).toMatchObject({ origin: 'pasted', where: 'pasted by a person', raw: output });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('portwise diagnose localhost (private /etc/hosts in a mount namespace)', () => {
  it('(d) localhost -> ::1 and 127.0.0.1, service on 127.0.0.1 only: localhost-resolution-mismatch, exit 0', async () => {
    lab();
    const hostsBefore = readFileSync('/etc/hosts', 'utf8');
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-lab-hosts-'));
    const hostsFile = path.join(dir, 'hosts');
    writeFileSync(hostsFile, '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n');
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    try {
      const port = await listenOnV4LoopbackOnly(server);
      // The bind mount exists only in the child's private mount namespace ($0 = the hosts file).
      const r = await run(
        'unshare',
        ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, process.execPath, ...diagnoseArgs(`localhost:${port}`)],
        { env: baseEnv(), cwd: root, timeoutMs: 20_000 },
      );
      const report = parseReport(r);
      expect(r.code, r.stderr).toBe(0);

      // getaddrinfo inside the mount saw the private file: both loopbacks, from the hosts file.
      const dns = report.evidence.find((e) => e.facts.check === 'dns');
      expect(dns?.facts.check === 'dns' && dns.facts.resolution.status === 'resolved').toBe(true);
      if (dns?.facts.check !== 'dns' || dns.facts.resolution.status !== 'resolved') return;
      const addresses = dns.facts.resolution.addresses;
      expect(addresses.map((a) => a.address).sort()).toEqual(['127.0.0.1', '::1']);
      expect(addresses.every((a) => a.loopback && a.sources.includes('hosts-file'))).toBe(true);

      expect(report.diagnosis.cause).toBe('localhost-resolution-mismatch');
      expect(report.path.at(-1)).toMatchObject({ node: 'T4', next: 'localhost-resolution-mismatch' });
      const attempts = attemptsOf(report);
      const v6 = attempts.filter((a) => a.address === '::1');
      const v4 = attempts.filter((a) => a.address === '127.0.0.1');
      expect(v6).toHaveLength(2);
      expect(v4).toHaveLength(2);
      expect(v6.every((a) => a.status === 'refused' && a.errno === 'ECONNREFUSED')).toBe(true);
      expect(v4.every((a) => a.status === 'connected')).toBe(true);
      const listeners = report.evidence.find((e) => e.facts.check === 'local-listeners');
      expect(listeners?.summary).toBe(`Listening on port ${port}: 127.0.0.1.`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
    // The host's own /etc/hosts was never touched.
    expect(readFileSync('/etc/hosts', 'utf8')).toBe(hostsBefore);
  });
});

describe('portwise diagnose, human output', () => {
  // Under a real pseudo-terminal (stdout.isTTY true), so NO_COLOR is what turns colour off.
  const PTY_PY = 'import os, pty, sys\nsys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';
  const onPty = (env: NodeJS.ProcessEnv) =>
    run('/usr/bin/python3', ['-c', PTY_PY, process.execPath, cli, 'diagnose', `${NS_V4}:${CLOSED}`, '--probes', '2', '--timeout', '800'], { env, cwd: root, timeoutMs: 20_000 });

  it('(e) NO_COLOR=1 on a terminal: no ESC anywhere, the diagnosis title is named', async () => {
    lab();
    const title = causeSummary('inconclusive').title;
    const plain = await onPty({ ...baseEnv(), TERM: 'xterm', NO_COLOR: '1' });
    expect(plain.code, plain.stderr).toBe(3);
    expect(plain.stdout).not.toContain('\u001b');
    expect(plain.stdout).toContain(`Diagnosis: ${title}`);
    expect(plain.stdout).toContain(`${NS_V4}:${CLOSED}`);
    // Control: the same run without NO_COLOR is coloured, so the check above can fail.
    const coloured = await onPty({ ...baseEnv(), TERM: 'xterm' });
    expect(coloured.code, coloured.stderr).toBe(3);
    expect(coloured.stdout).toContain('\u001b[');
  });
});
