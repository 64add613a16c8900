// The whole CLI against the nspawn lab's real systemd server (test/lab/harness/nspawn.ts): each
// scenario breaks the server the way it breaks in production (a failed unit, a port conflict, a
// crash loop, ufw, firewalld, a native nft table), then runs `portwise diagnose HOST:PORT --ssh root@HOST
// --service UNIT` from the host and checks the catalog cause, the evidence its reason cites and the
// exit code. Every scenario starts from the same baseline (see `baseline`), so the order does not matter.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Report } from '../../../shared/common/schema/report';
import { SERVER_V4, useNspawnServer, type NspawnServer } from '../harness/nspawn';
import { run, waitFor, type ExecResult } from '../harness/netns';

const CLI = 'out/cli/portwise.cjs';
const CLI_DEADLINE_MS = 60_000;
const SCENARIO_TIMEOUT_MS = 90_000;

// The build runs while the container boots (its hook is registered first; awaited below).
let building: Promise<ExecResult> | null = null;
beforeAll(() => {
  building = run('npm', ['run', '--silent', 'build:cli'], { timeoutMs: 120_000 });
});

const server = useNspawnServer();

let home: string | null = null;
let setupError: Error | null = null;

beforeAll(async () => {
  try {
    const built = await building!;
    if (built.code !== 0) throw new Error(`building the CLI failed (exit ${built.code}): ${built.stderr.trim()}`);
    const s = server();
    home = await mkdtemp(join(tmpdir(), 'portwise-home-'));
    await writeFile(join(home, 'known_hosts'), `${s.knownHostsLine}\n`);
  } catch (error) {
    setupError = error instanceof Error ? error : new Error(String(error));
  }
}, 180_000);

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

/** The server, once the CLI is built too: setup failures fail every test (the lab tier never skips). */
function lab(): NspawnServer {
  const s = server();
  if (setupError) throw new Error(`diagnose lab setup failed: ${setupError.message}`, { cause: setupError });
  if (home === null) throw new Error('diagnose lab unavailable: setup did not run');
  return s;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  report: Report | null;
  ms: number;
}

async function diagnose(port: number, service: string, extra: string[] = []): Promise<CliRun> {
  const s = lab();
  const h = home!;
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: h, PORTWISE_HOME: join(h, 'portwise'), LANG: 'C' };
  const args = [
    CLI, 'diagnose', `${SERVER_V4}:${port}`, '--ssh', `root@${SERVER_V4}`, '--identity', s.clientKeyPath,
    '--known-hosts', join(h, 'known_hosts'), '--json', '--probes', '2', '--service', service, ...extra,
  ];
  const started = Date.now();
  const r = await run('node', args, { env, timeoutMs: CLI_DEADLINE_MS });
  const ms = Date.now() - started;
  const report = parseReport(r.stdout);
  console.error(`diagnose ${SERVER_V4}:${port} --service ${service}: exit ${r.code} in ${ms} ms; ${report ? `${report.diagnosis.cause} via ${report.path.map((p) => p.node).join(' ')}: ${report.diagnosis.reason}` : 'no report'}`);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, report, ms };
}

function parseReport(stdout: string): Report | null {
  try {
    return Report.parse(JSON.parse(stdout));
  } catch {
    return null;
  }
}

/** What an assertion prints when it fails: the path the tree took, and the CLI's stderr. */
const why = (r: CliRun) => `path: ${JSON.stringify(r.report?.path ?? null)}\nstderr: ${r.stderr.slice(-2000)}`;
const reasonOf = (r: CliRun) => r.report?.diagnosis.reason ?? '';

/**
 * The state every scenario starts from: firewalld stopped (installed, disabled at boot; stopping it
 * removes its nft tables), ufw reset (inactive, no rules), no pwlab nft table, no lab
 * units, nginx with its stock config running on :80, and an empty journal. The journal matters:
 * the service log is read as the unit's last 100 lines whatever their age, so an "Address already
 * in use" left by an earlier scenario would decide a later one.
 */
async function baseline(): Promise<void> {
  await lab().sshOk([
    'systemctl stop firewalld.service',
    'ufw --force reset >/dev/null',
    'nft delete table inet pwlab 2>/dev/null; true',
    "systemctl stop 'pw-*.service' 2>/dev/null; systemctl reset-failed 2>/dev/null; true",
    'rm -f /etc/nginx/conf.d/broken.conf /etc/systemd/system/pw-crashloop.service',
    'systemctl daemon-reload',
    'systemctl restart nginx.service',
    'journalctl --rotate -q',
    'journalctl --vacuum-size=1 -q',
  ].join(' && '), 60_000);
}

/** A transient unit `pw-listen-PORT` with nc listening on 0.0.0.0:PORT (a healthy listener). */
async function listenOn(port: number): Promise<string> {
  const unit = `pw-listen-${port}`;
  await lab().sshOk(`systemd-run -q --unit=${unit} nc -lk 0.0.0.0 ${port}`);
  await waitForListeners(port, (ss) => ss.includes(`0.0.0.0:${port}`), `nc listening on 0.0.0.0:${port}`);
  return unit;
}

function waitForListeners(port: number, accept: (ss: string) => boolean, what: string): Promise<true> {
  return waitFor(what, async () => (accept(await lab().sshOk(`ss -Htln 'sport = :${port}'`)) ? true : undefined), 10_000, 100);
}

describe.sequential('diagnose --ssh against the nspawn server (Debian 12, systemd)', () => {
  it('nginx with a broken config, failed: service-not-running, citing the unit state', async () => {
    const s = lab();
    await baseline();
    const restart = await s.ssh("printf 'bogus_directive on;\\n' > /etc/nginx/conf.d/broken.conf && systemctl restart nginx.service");
    expect(restart.code, restart.stderr).toBe(1);
    const r = await diagnose(80, 'nginx');
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.outcome).toBe('refused');
    // The journal has only nginx's `[emerg] unknown directive` line: no catalog signature (port in
    // use, address unavailable, permission, OOM, start limit), so T15 decides on the unit state:
    // failed/failed with Result=exit-code and no restarts is B1, not a crash loop.
    expect(r.report!.diagnosis.cause, why(r)).toBe('service-not-running');
    expect(r.report!.path.map((p) => p.node), why(r)).toEqual(expect.arrayContaining(['T13', 'T14', 'T15']));
    expect(reasonOf(r)).toContain('nginx.service is failed/failed (Result=exit-code)');
    expect(reasonOf(r)).toContain('nothing listens on port 80');
    expect(r.code).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('nginx failed with "Address already in use", the squatter gone since: port-in-use-conflict, quoting the log', async () => {
    const s = lab();
    await baseline();
    // nc holds 0.0.0.0:80 (the very socket nginx wants), nginx fails to bind, then nc goes away: the
    // listener table is empty, so T13 -> T14 -> T15 reads the log. (A squatter that stays is named at
    // T13 from its cgroup: the next scenario.)
    await s.sshOk('systemctl stop nginx.service && systemd-run -q --unit=pw-squatter nc -lk 0.0.0.0 80');
    await waitForListeners(80, (ss) => ss.includes('0.0.0.0:80'), 'nc listening on 0.0.0.0:80');
    const start = await s.ssh('systemctl start nginx.service');
    expect(start.code, start.stderr).toBe(1);
    await s.sshOk('systemctl stop pw-squatter.service');
    await waitForListeners(80, (ss) => ss.trim() === '', 'nothing listening on :80');
    const r = await diagnose(80, 'nginx');
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.outcome).toBe('refused');
    expect(r.report!.diagnosis.cause, why(r)).toBe('port-in-use-conflict');
    expect(reasonOf(r)).toContain('nginx.service is failed/failed (Result=exit-code)');
    expect(reasonOf(r)).toContain('bind() to 0.0.0.0:80 failed (98: Address already in use)');
    expect(r.code).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('nginx failed because another unit still holds 127.0.0.1:80: port-in-use-conflict, naming the holder', async () => {
    const s = lab();
    await baseline();
    // The squatter stays, on loopback only: the listener table alone would say bind-loopback-only,
    // but its cgroup (ss -e) shows it is not nginx's, and nginx is down.
    await s.sshOk('systemctl stop nginx.service && systemd-run -q --unit=pw-squatter nc -lk 127.0.0.1 80');
    await waitForListeners(80, (ss) => ss.includes('127.0.0.1:80'), 'nc listening on 127.0.0.1:80');
    const start = await s.ssh('systemctl start nginx.service');
    expect(start.code, start.stderr).toBe(1);
    const r = await diagnose(80, 'nginx');
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.diagnosis.cause, why(r)).toBe('port-in-use-conflict');
    expect(reasonOf(r)).toContain('cgroup /system.slice/pw-squatter.service');
    expect(reasonOf(r)).toContain('Address already in use');
    expect(r.code).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('a unit that exits at once with Restart=always: service-crash-loop, citing the restarts', async () => {
    const s = lab();
    await baseline();
    // Meant to listen on 8090, it dies before binding. The default start limit (5 starts in 10 s)
    // ends the loop within the CLI's run, so the state read may be activating/auto-restart or
    // failed with 5 restarts and "Start request repeated too quickly": both are B2.
    await s.sshOk([
      "printf '[Unit]\\nDescription=Portwise lab crash loop (should listen on 8090)\\n[Service]\\nExecStart=/bin/sh -c \"echo pw-crashloop: cannot read /etc/pw-crashloop.conf >&2; exit 1\"\\nRestart=always\\nRestartSec=1\\n' > /etc/systemd/system/pw-crashloop.service",
      'systemctl daemon-reload', 'systemctl start pw-crashloop.service',
    ].join(' && '));
    await waitFor('pw-crashloop restarted once', async () => (/^NRestarts=[1-9]/m.test(await s.sshOk('systemctl show pw-crashloop -p NRestarts')) ? true : undefined), 15_000, 200);
    const r = await diagnose(8090, 'pw-crashloop');
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.outcome).toBe('refused');
    expect(r.report!.diagnosis.cause, why(r)).toBe('service-crash-loop');
    // The state is whatever the read caught (usually activating/auto-restart); the restart count decides.
    expect(reasonOf(r)).toMatch(/^pw-crashloop\.service is [a-z]+\/[a-z-]+( \(Result=[a-z-]+\))?, restarted [1-5] times: it keeps exiting and being restarted\.$/);
    expect(r.code).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('ufw reject on a port with a healthy listener: ufw-reject-or-limit, naming the ufw rule and its counter delta', async () => {
    const s = lab();
    await baseline();
    const unit = await listenOn(8082);
    await s.sshOk('ufw allow 22/tcp >/dev/null && ufw reject 8082/tcp >/dev/null && ufw --force enable >/dev/null');
    const r = await diagnose(8082, unit);
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.outcome).toBe('refused');
    expect(r.report!.diagnosis.cause, why(r)).toBe('ufw-reject-or-limit');
    expect(reasonOf(r)).toMatch(/chain ufw-user-input, rule \d+: `-A ufw-user-input -p tcp -m tcp --dport 8082 -j REJECT --reject-with tcp-reset`/);
    expect(reasonOf(r)).toContain('its packet counter rose by 3');
    expect(r.code).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('ufw deny (a DROP) on a port with a listener: a timeout, firewall-drop naming the rule', async () => {
    const s = lab();
    await baseline();
    const unit = await listenOn(8083);
    await s.sshOk('ufw allow 22/tcp >/dev/null && ufw deny 8083/tcp >/dev/null && ufw --force enable >/dev/null');
    const r = await diagnose(8083, unit, ['--timeout', '800']);
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.outcome).toBe('timeout');
    expect(r.report!.diagnosis.cause, why(r)).toBe('firewall-drop');
    expect(reasonOf(r)).toMatch(/chain ufw-user-input, rule \d+: `-A ufw-user-input -p tcp -m tcp --dport 8083 -j DROP`/);
    expect(reasonOf(r)).toContain('its packet counter rose by 3');
    expect(r.code).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('firewalld running, the port not in its zone: "no route to host", firewalld-reject citing the ICMP count', async () => {
    const s = lab();
    await baseline();
    const unit = await listenOn(8085);
    // The default zone (public) allows ssh and dhcpv6-client only: 8085 gets firewalld's final
    // `reject with icmpx admin-prohibited`, which the host's connect() reports as EHOSTUNREACH.
    await s.sshOk('systemctl start firewalld.service');
    await waitFor('firewall-cmd --state = running', async () => ((await s.ssh('firewall-cmd --state')).stdout.trim() === 'running' ? true : undefined), 30_000, 200);
    expect(await s.sshOk('firewall-cmd --get-default-zone; firewall-cmd --list-services; firewall-cmd --list-ports')).toBe('public\ndhcpv6-client ssh\n\n');
    const r = await diagnose(8085, unit, ['--timeout', '3000']);
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.outcome, why(r)).toBe('unreachable');
    expect(r.report!.diagnosis.cause, why(r)).toBe('firewalld-reject');
    // firewalld's nft rules carry no counters: the proof is the server's own IcmpOutDestUnreachs.
    const counted = /^firewalld is active and during (\d+) fresh probes the server itself sent \d+ TCP resets? and (\d+) ICMP unreachables? \(\/proc\/net\/snmp\)/.exec(reasonOf(r));
    expect(counted, `${reasonOf(r)}\n${why(r)}`).not.toBeNull();
    expect(Number(counted![2])).toBeGreaterThanOrEqual(Number(counted![1]));
    expect(reasonOf(r)).toContain('the rule: nft inet firewalld filter_INPUT: `reject with icmpx admin-prohibited`');
    expect(r.code).toBe(0);
    await s.sshOk('systemctl stop firewalld.service');
  }, SCENARIO_TIMEOUT_MS);

  it('a native nft table dropping the port: a timeout, firewall-drop naming the nft rule', async () => {
    const s = lab();
    await baseline();
    const unit = await listenOn(8084);
    await s.sshOk([
      'nft add table inet pwlab',
      "nft add chain inet pwlab input '{ type filter hook input priority 0; policy accept; }'",
      'nft add rule inet pwlab input tcp dport 8084 counter drop',
    ].join(' && '));
    const r = await diagnose(8084, unit, ['--timeout', '800']);
    expect(r.report, r.stderr).not.toBeNull();
    expect(r.report!.outcome).toBe('timeout');
    expect(r.report!.diagnosis.cause, why(r)).toBe('firewall-drop');
    expect(reasonOf(r)).toMatch(/nft inet pwlab input: `[^`]*tcp dport 8084[^`]*drop`/);
    expect(reasonOf(r)).toContain('its packet counter rose by 3');
    expect(r.code).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('leaves the server at its baseline', async () => {
    await baseline();
    const state = await lab().sshOk("systemctl is-enabled firewalld.service; systemctl is-active firewalld.service; nft list tables | grep -c firewalld; ufw status | head -1; nft list tables | grep -c pwlab; systemctl list-units --all --no-legend --plain 'pw-*' | wc -l; systemctl is-active nginx.service; ss -Htln 'sport = :80' | wc -l; journalctl -u nginx -q --no-pager | grep -c 'already in use'; true");
    expect(state).toBe('disabled\ninactive\n0\nStatus: inactive\n0\n0\nactive\n2\n0\n');
  }, SCENARIO_TIMEOUT_MS);
});
