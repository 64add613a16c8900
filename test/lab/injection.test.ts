import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_PROPERTIES, serverCommands } from '../../shared/common/remote/commands';
import { Report } from '../../shared/common/schema/report';
import { parseSshDestination } from '../../shared/common/schema/ssh-destination';
import { parseTarget } from '../../shared/common/schema/target';
import { payloadName, payloads, sample, type Payload } from '../fixtures/injection/corpus';
import { NS_V4, run, runOk, type ExecResult } from './harness/netns';
import { shimPath, startNamespacedSshd, type NamespacedSshd } from './harness/netns-sshd';
import { useLab } from './harness/suite';

// Real diagnoses over a real sshd in the lab namespace, with payloads of the injection corpus in the
// fields that reach the server (the service name) and in every other CLI argument that reaches SSH.
// The server shares this machine's file system (only the network is namespaced), so one canary
// folder is both "on the server" and "here": it must stay empty after every run. On the server,
// `systemctl` and `journalctl` are shims first in the login's PATH that record their argv before
// running the real program: the payload must arrive there as one argument, unchanged.

const CLI = join(import.meta.dirname, '../../out/cli/portwise.cjs');
/** No listener on it in the namespace: the diagnosis reads the service's state and log. */
const PORT = 8191;
const lab = useLab();
const root = mkdtempSync(join(tmpdir(), 'pw-lab-injection-'));
const canaryDir = join(root, 'canary');
const shims = join(root, 'shims');
const calls = join(root, 'calls');
const home = join(root, 'home');
const corpus = payloads(join(canaryDir, 'canary'));
let sshd: NamespacedSshd;

beforeAll(async () => {
  for (const dir of [canaryDir, shims, calls, home]) mkdirSync(dir, { recursive: true });
  chmodSync(root, 0o755);
  for (const tool of ['systemctl', 'journalctl']) {
    writeFileSync(join(shims, tool), `#!/bin/sh\nprintf '%s\\0' "$@" > "${calls}/$$.${tool}"\nexec /usr/bin/${tool} "$@"\n`, { mode: 0o755 });
  }
  // The CLI from the sources under test (as cli-diagnose.test.ts does).
  await runOk('npm', ['run', '--silent', 'build:cli'], { cwd: join(import.meta.dirname, '../..'), timeoutMs: 180_000 });
  sshd = await startNamespacedSshd(lab(), { address: NS_V4, users: ['root'], env: { PATH: shimPath(shims) } });
  writeFileSync(join(home, 'known_hosts'), sshd.knownHosts);
}, 240_000);

afterAll(async () => {
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

// Runs go side by side (describe.concurrent): each shim call is its own file (`<pid>.<tool>`), and a
// test looks for its own payload's argv among them, which no other payload's call can equal.
function cli(args: readonly string[]): Promise<ExecResult> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PORTWISE_HOME: join(home, 'portwise'), LANG: 'C.UTF-8' };
  return run(process.execPath, [CLI, ...args], { env, timeoutMs: 45_000 });
}

const sshArgs = () => ['--identity', sshd.clientKey.path, '--known-hosts', join(home, 'known_hosts'), '--json', '--probes', '1', '--timeout', '500'];

/** What the shims on the server recorded, per tool. */
function serverCalls(tool: 'systemctl' | 'journalctl'): string[][] {
  return readdirSync(calls)
    .filter((f) => f.endsWith(`.${tool}`))
    .map((f) => readFileSync(join(calls, f), 'utf8').split('\0').slice(0, -1));
}

/** A run ends in a report (exit 0 or 3), or in a clear refusal (2) or SSH failure (4): never an internal error. */
function expectTypedEnd(r: ExecResult, what: string): Report | null {
  expect(r.timedOut, what).toBe(false);
  expect([0, 2, 3, 4], `${what}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  if (r.code === 0 || r.code === 3) return Report.parse(JSON.parse(r.stdout));
  expect(r.stderr.trim().length, what).toBeGreaterThan(10);
  return null;
}

function expectNoCanary(what: string): void {
  expect(readdirSync(canaryDir), what).toEqual([]);
}

const servicePayloads = sample(corpus, 2);

describe.concurrent('the service name, over SSH, in a real diagnosis', () => {
  it('uses a representative subset of the corpus', () => {
    expect(servicePayloads.length).toBeGreaterThanOrEqual(25);
    expect(servicePayloads.length).toBeLessThanOrEqual(40);
  });

  for (const p of servicePayloads) {
    it(payloadName(p), async () => {
      const r = await cli(['diagnose', `${NS_V4}:${PORT}`, '--ssh', `root@${NS_V4}`, ...sshArgs(), `--service=${p.value}`]);
      expectNoCanary(payloadName(p));
      const report = expectTypedEnd(r, payloadName(p));
      if (report === null) {
        // Refused before anything ran: only what no unit name can hold (control characters, > 256).
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/--service takes a unit name/);
        // eslint-disable-next-line no-control-regex -- control characters are what the CLI refuses
        expect(p.value.length > 256 || /[\u0000-\u001f\u007f]/.test(p.value)).toBe(true);
        return;
      }
      const state = report.evidence.find((e) => e.id === 'server:service-state');
      expect(state?.command).toBe(serverCommands.serviceState(p.value).text);
      expect(report.evidence.find((e) => e.id === 'server:service-log')?.command).toBe(serverCommands.serviceLog(p.value).text);
      // On the server: one argument each, unchanged, after `--` or as -u's value.
      expect(serverCalls('systemctl')).toContainEqual(['show', '-p', SERVICE_PROPERTIES, '--no-pager', '--', p.value]);
      expect(serverCalls('journalctl')).toContainEqual(['-u', p.value, '-n', '100', '-o', 'json', '--no-pager', '-q']);
    });
  }
});

/** The other arguments that reach SSH. A payload the parser would accept as a host is never sent to the network. */
function otherRuns(p: Payload): { what: string; args: string[] }[] {
  const runs: { what: string; args: string[] }[] = [];
  if (!parseTarget(p.value).ok) runs.push({ what: 'target', args: ['diagnose', p.value, '--ssh', `root@${NS_V4}`, ...sshArgs()] });
  if (!parseSshDestination(`${p.value}@${NS_V4}`).ok) runs.push({ what: '--ssh user', args: ['diagnose', `${NS_V4}:${PORT}`, `--ssh=${p.value}@${NS_V4}`, ...sshArgs()] });
  if (!parseSshDestination(p.value).ok) runs.push({ what: '--jump', args: ['diagnose', `${NS_V4}:${PORT}`, '--ssh', `root@${NS_V4}`, `--jump=${p.value}`, ...sshArgs()] });
  // Paths are data: a file that is not there is an SSH-side error, not a command.
  runs.push({ what: '--identity and --known-hosts', args: ['diagnose', `${NS_V4}:${PORT}`, '--ssh', `root@${NS_V4}`, ...sshArgs(), `--identity=${p.value}`, `--known-hosts=${p.value}`] });
  return runs;
}

describe.concurrent('the other SSH arguments of the CLI', () => {
  for (const p of sample(corpus, 1)) {
    it(payloadName(p), async () => {
      for (const { what, args } of otherRuns(p)) {
        const r = await cli(args);
        expectNoCanary(`${what}: ${payloadName(p)}`);
        expectTypedEnd(r, `${what}: ${payloadName(p)}`);
        if (what !== '--identity and --known-hosts') expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      }
    });
  }
});

describe('the canary check itself', () => {
  it('a command that does run the payload is seen', async () => {
    // The same login, with the payload pasted into a shell on purpose (not through Portwise).
    const r = await run('ssh', ['-F', '/dev/null', '-i', sshd.clientKey.path, '-o', `UserKnownHostsFile=${join(home, 'known_hosts')}`, '-o', 'BatchMode=yes', `root@${NS_V4}`, `systemctl show ;touch ${join(canaryDir, 'canary')}`], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).not.toBe(255);
    expect(readdirSync(canaryDir)).toEqual(['canary']);
    rmSync(join(canaryDir, 'canary'));
  });
});
