// The nspawn lab tier: a real Debian 12 server with systemd as PID 1 (test/lab/harness/nspawn.ts),
// driven over SSH the way Portwise collects evidence (catalog §2.1), with the parsers under test
// reading the live output. With PORTWISE_CAPTURE_FIXTURES=1 every output is also written to
// test/fixtures/systemd/ (see the README there); the unit tests pin exact values on those files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findUnit, parseSystemctlShow, type SystemctlUnit } from '../../../shared/common/parsers/systemctl-show';
import { matchSignatures, parseJournalJson, type JournalParse } from '../../../shared/common/parsers/journalctl-json';
import { tcpConnectOutcome, useNspawnServer } from '../harness/nspawn';
import { run, waitFor } from '../harness/netns';

const server = useNspawnServer();

const PROPS = 'Id,LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts,MainPID,ExecMainStatus,ExecMainCode,ExecMainStartTimestamp,ActiveEnterTimestamp,InactiveEnterTimestamp,FragmentPath';
const showCommand = (units: string) => `systemctl show ${units} -p ${PROPS} --no-pager`;
const journalCommand = (unit: string) => `journalctl -u ${unit} -o json --no-pager -q -n 50`;

const FIXTURES = new URL('../../fixtures/systemd/', import.meta.url);
const capturing = process.env.PORTWISE_CAPTURE_FIXTURES === '1';
function capture(name: string, text: string): void {
  if (!capturing) return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(new URL(name, FIXTURES), text);
}

async function show(units: string, fixture?: string): Promise<SystemctlUnit[]> {
  const text = await server().sshOk(showCommand(units));
  if (fixture) capture(fixture, text);
  const parsed = parseSystemctlShow(text);
  if (!parsed.ok) throw new Error(`parseSystemctlShow: ${parsed.error.code}: ${parsed.error.message}`);
  return parsed.value.units;
}

async function showOne(unit: string, fixture?: string): Promise<SystemctlUnit> {
  const [first] = await show(unit, fixture);
  if (!first) throw new Error(`no block for ${unit}`);
  return first;
}

async function journal(unit: string, fixture?: string): Promise<JournalParse> {
  const text = await server().sshOk(journalCommand(unit));
  if (fixture) capture(fixture, text);
  return parseJournalJson(text);
}

/** Polls `systemctl show` until `accept` holds (deadline; no fixed sleeps). */
function waitUnit(unit: string, what: string, accept: (u: SystemctlUnit) => boolean, deadlineMs = 20_000): Promise<{ unit: SystemctlUnit; text: string }> {
  return waitFor(`${unit}: ${what}`, async () => {
    const text = await server().sshOk(showCommand(unit));
    const parsed = parseSystemctlShow(text);
    const u = parsed.ok ? parsed.value.units[0] : undefined;
    return u && accept(u) ? { unit: u, text } : undefined;
  }, deadlineMs, 150);
}

/** nginx back to its boot state: stock config, nothing squatting on 80, running. */
async function nginxBaseline(): Promise<void> {
  await server().sshOk('rm -f /etc/nginx/conf.d/broken.conf; systemctl stop squatter.service 2>/dev/null; systemctl reset-failed nginx.service squatter.service 2>/dev/null; systemctl start nginx.service');
}

const messages = (j: JournalParse) => j.entries.map((e) => e.message ?? '');

describe.sequential('nspawn lab: a real systemd server (Debian 12)', () => {
  it('boots to a running systemd with sshd, networkd and nginx, and records its timings', async () => {
    const s = server();
    console.error(`nspawn timings: ${JSON.stringify(s.timings)}`);
    expect(s.timings.bootToSshMs).toBeLessThan(60_000);
    const out = await s.sshOk('systemctl is-system-running --wait; systemctl --version | head -1; hostname; ip -4 -o addr show dev host0');
    expect(out).toMatch(/^running\nsystemd 252 /);
    expect(out).toContain('pw-lab-server');
    expect(out).toContain('inet 198.18.1.2/24');
    capture('systemctl-version.txt', await s.sshOk('systemctl --version'));
  });

  it('healthy nginx: active/running, listening on 0.0.0.0:80, the host gets HTTP 200', async () => {
    const s = server();
    const nginx = await showOne('nginx', 'systemctl-show-nginx-healthy.txt');
    expect(nginx).toMatchObject({ id: 'nginx.service', loadState: 'loaded', activeState: 'active', subState: 'running', result: 'success', unitFileState: 'enabled', nRestarts: 0, execMainCode: 0, fragmentPath: '/lib/systemd/system/nginx.service', notFound: false });
    expect(nginx.mainPid).toBeGreaterThan(1);
    expect(nginx.timestamps.activeEnter).toMatch(/^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(nginx.timestamps.inactiveEnter).toBeNull();
    const ss = await s.sshOk("ss -Htlnp 'sport = :80'");
    capture('ss-nginx-healthy.txt', ss);
    expect(ss).toMatch(/LISTEN .* 0\.0\.0\.0:80 .*users:\(\("nginx",pid=/);
    const response = await fetch(`http://${s.address}/`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    const j = await journal('nginx', 'journalctl-nginx-healthy.jsonl');
    expect(j.malformed).toBe(0);
    expect(messages(j)).toContain('Started nginx.service - A high performance web server and a reverse proxy server.');
    expect(matchSignatures(j.entries)).toEqual([]);
  });

  it('nginx with an unknown directive: failed, Result=exit-code, the emerg line in the journal, the host is refused', async () => {
    const s = server();
    await nginxBaseline();
    const restart = await s.ssh("printf 'bogus_directive on;\\n' > /etc/nginx/conf.d/broken.conf && systemctl restart nginx.service");
    expect(restart.code).toBe(1);
    expect(restart.stderr).toContain('Job for nginx.service failed because the control process exited with error code.');
    const nginx = await showOne('nginx', 'systemctl-show-nginx-bad-config.txt');
    // ExecStartPre (nginx -t) failed, so the main process never ran: ExecMain* stay 0/empty.
    expect(nginx).toMatchObject({ activeState: 'failed', subState: 'failed', result: 'exit-code', mainPid: 0, execMainStatus: 0, execMainCode: 0 });
    expect(nginx.timestamps.execMainStart).toBeNull();
    expect(nginx.timestamps.inactiveEnter).not.toBeNull();
    const j = await journal('nginx', 'journalctl-nginx-bad-config.jsonl');
    const emerg = j.entries.find((e) => /\[emerg\] \d+#\d+: unknown directive "bogus_directive" in \/etc\/nginx\/conf\.d\/broken\.conf:1/.test(e.message ?? ''));
    expect(emerg).toMatchObject({ unit: 'nginx.service', identifier: 'nginx', transport: 'stdout' });
    expect(j.entries.find((e) => e.message === "nginx.service: Failed with result 'exit-code'.")).toMatchObject({ unit: 'init.scope', subjectUnit: 'nginx.service', pid: 1, priority: 4 });
    expect(await tcpConnectOutcome(s.address, 80, 3000)).toBe('ECONNREFUSED');
  });

  it('port conflict: nc holds 127.0.0.1:80, nginx fails with "Address already in use", the host is refused', async () => {
    const s = server();
    await nginxBaseline();
    await s.sshOk('systemctl stop nginx.service && systemd-run -q --unit=squatter nc -lk 127.0.0.1 80');
    await waitFor('nc listening on 127.0.0.1:80', async () => ((await s.sshOk("ss -Htln 'sport = :80'")).includes('127.0.0.1:80') ? true : undefined), 5000, 100);
    const start = await s.ssh('systemctl start nginx.service');
    expect(start.code).toBe(1);
    capture('ss-port-conflict.txt', await s.sshOk("ss -Htlnp 'sport = :80'"));
    const nginx = await showOne('nginx', 'systemctl-show-nginx-port-conflict.txt');
    expect(nginx).toMatchObject({ activeState: 'failed', subState: 'failed', result: 'exit-code' });
    const j = await journal('nginx', 'journalctl-nginx-port-conflict.jsonl');
    expect(messages(j)).toContain('nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)');
    expect(messages(j)).toContain('nginx: [emerg] still could not bind()');
    const hits = matchSignatures(j.entries);
    expect(new Set(hits.map((h) => h.signature))).toEqual(new Set(['port-in-use']));
    expect(hits.length).toBeGreaterThanOrEqual(1);
    // B8, refused variant: the squatter listens on loopback only, so from outside nothing answers.
    expect(await tcpConnectOutcome(s.address, 80, 3000)).toBe('ECONNREFUSED');
    await nginxBaseline();
    expect((await showOne('nginx')).activeState).toBe('active');
  });

  it('crash loop: auto-restart with NRestarts growing across two reads, then "Start request repeated too quickly"', async () => {
    const s = server();
    // crashloop fails every run; startlimit succeeds every run. Both restart after 1 s and meet the
    // default start limit (5 starts in 10 s). Only the second one ends with Result=start-limit-hit:
    // systemd keeps the first failure's result (here exit-code) when the limit is hit later.
    await s.sshOk([
      "printf '[Unit]\\nDescription=Portwise lab crash loop\\n[Service]\\nExecStart=/bin/false\\nRestart=always\\nRestartSec=1\\n' > /etc/systemd/system/crashloop.service",
      "printf '[Unit]\\nDescription=Portwise lab start limit\\n[Service]\\nExecStart=/bin/true\\nRestart=always\\nRestartSec=1\\n' > /etc/systemd/system/startlimit.service",
      'systemctl daemon-reload', 'systemctl start crashloop.service startlimit.service',
    ].join(' && '));
    const first = await waitUnit('crashloop', 'auto-restart', (u) => u.subState === 'auto-restart');
    const second = await waitUnit('crashloop', 'auto-restart with more restarts', (u) => u.subState === 'auto-restart' && (u.nRestarts ?? -1) > (first.unit.nRestarts ?? 0));
    capture('systemctl-show-crashloop-read1.txt', first.text);
    capture('systemctl-show-crashloop-read2.txt', second.text);
    expect(first.unit).toMatchObject({ activeState: 'activating', subState: 'auto-restart', result: 'exit-code', execMainStatus: 1, execMainCode: 1, execMainCodeName: 'exited' });
    expect(second.unit.nRestarts!).toBeGreaterThan(first.unit.nRestarts!);

    const failed = await waitUnit('crashloop', 'failed', (u) => u.activeState === 'failed');
    capture('systemctl-show-crashloop-failed.txt', failed.text);
    expect(failed.unit).toMatchObject({ activeState: 'failed', subState: 'failed', result: 'exit-code', nRestarts: 5 });
    const j = await journal('crashloop', 'journalctl-crashloop.jsonl');
    expect(messages(j)).toContain('crashloop.service: Scheduled restart job, restart counter is at 5.');
    expect(messages(j)).toContain('crashloop.service: Start request repeated too quickly.');
    expect(matchSignatures(j.entries).map((h) => [h.signature, h.entry.message])).toEqual([['start-limit', 'crashloop.service: Start request repeated too quickly.']]);

    const limited = await waitUnit('startlimit', 'failed', (u) => u.activeState === 'failed');
    capture('systemctl-show-startlimit-failed.txt', limited.text);
    expect(limited.unit).toMatchObject({ activeState: 'failed', subState: 'failed', result: 'start-limit-hit', nRestarts: 5, execMainStatus: 0 });
    const jl = await journal('startlimit', 'journalctl-startlimit.jsonl');
    expect(matchSignatures(jl.entries).map((h) => h.entry.message)).toEqual([
      'startlimit.service: Start request repeated too quickly.',
      "startlimit.service: Failed with result 'start-limit-hit'.",
    ]);
  });

  it('an unknown unit: show prints LoadState=not-found (exit 0); status says "could not be found" (exit 4)', async () => {
    const s = server();
    const nosuch = await showOne('nosuch', 'systemctl-show-not-found.txt');
    expect(nosuch).toMatchObject({ id: 'nosuch.service', loadState: 'not-found', activeState: 'inactive', subState: 'dead', notFound: true, fragmentPath: null, unitFileState: null });
    const status = await s.ssh('systemctl status nosuch.service --no-pager');
    expect(status.code).toBe(4);
    capture('systemctl-status-not-found.stderr.txt', status.stderr);
    const parsed = parseSystemctlShow(status.stdout + status.stderr);
    expect(parsed.ok && parsed.value.missingUnits).toEqual(['nosuch.service']);
  });

  it('several units in one `systemctl show`: blank-line separated blocks', async () => {
    const text = await server().sshOk(showCommand('nginx ssh nosuch'));
    capture('systemctl-show-multi.txt', text);
    const parsed = parseSystemctlShow(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const units = parsed.value.units;
    expect(findUnit(parsed.value, 'ssh')?.subState).toBe('running');
    expect(units.map((u) => [u.id, u.activeState, u.loadState])).toEqual([
      ['nginx.service', 'active', 'loaded'],
      ['ssh.service', 'active', 'loaded'],
      ['nosuch.service', 'inactive', 'not-found'],
    ]);
  });

  it('journal read by a user outside adm/systemd-journal: silently partial with -o json; the hint appears without it', async () => {
    const s = server();
    // Debian keeps a persistent journal with per-user files, so the user can read only its own lines.
    await s.sshOk('id pwuser >/dev/null 2>&1 || useradd -m pwuser; runuser -u pwuser -- logger -t pwuser-app "hello from pwuser"; journalctl --sync');
    // -o json implies -q in journalctl: no hint, exit 0, and `-u nginx` is simply empty.
    const json = await s.ssh('runuser -u pwuser -- journalctl -o json --no-pager -n 5 2>&1');
    capture('journalctl-nonroot-json.txt', json.stdout);
    expect(json.code).toBe(0);
    const j = parseJournalJson(json.stdout);
    expect(j).toMatchObject({ partial: false, malformed: 0, noJournal: false });
    expect(j.entries.map((e) => e.message)).toContain('hello from pwuser');
    expect(j.entries.every((e) => e.fields._UID === '1000')).toBe(true);
    const nginx = await s.ssh('runuser -u pwuser -- journalctl -u nginx -o json --no-pager -n 5 2>&1');
    expect([nginx.code, nginx.stdout]).toEqual([0, '']);
    // The same reader in the default output mode, with no lines asked for: only the hint (stderr).
    const probe = await s.ssh('runuser -u pwuser -- journalctl -n 0 --no-pager 2>&1');
    capture('journalctl-nonroot-n0-hint.txt', probe.stdout);
    expect(probe.stdout).toContain('Hint: You are currently not seeing messages from other users and the system.');
    expect(parseJournalJson(probe.stdout)).toEqual({ entries: [], malformed: 0, partial: true, noJournal: false });
    expect(parseJournalJson(json.stdout + probe.stdout).partial).toBe(true);
  });

  it('journal JSON: a MESSAGE with escape and invalid bytes is a byte array; a repeated field is an array', async () => {
    const s = server();
    await s.sshOk("printf 'MESSAGE=colour \\033[31mred\\033[0m and bad \\377 byte\\nPORTWISE_TAG=one\\nPORTWISE_TAG=two\\nSYSLOG_IDENTIFIER=pwtest\\nPRIORITY=3\\n' | logger --journald && journalctl --sync");
    const text = await s.sshOk('journalctl -t pwtest -o json --no-pager -q');
    capture('journalctl-binary-and-repeated.jsonl', text);
    expect(text).toContain('"MESSAGE":[99,111,108,111,117,114,32,27,91,51,49,109');
    const [entry] = parseJournalJson(text).entries;
    expect(entry?.message).toBe('colour \u001b[31mred\u001b[0m and bad \ufffd byte');
    expect(entry?.fields.PORTWISE_TAG).toEqual(['one', 'two']);
    expect(entry).toMatchObject({ identifier: 'pwtest', priority: 3, transport: 'journal' });
  });

  it('ufw inside the container: reject -> refused, deny -> timeout from the host; captures ufw status and iptables-save', async () => {
    const s = server();
    await s.sshOk([
      'systemd-run -q --unit=l8082 nc -lk 0.0.0.0 8082', 'systemd-run -q --unit=l8083 nc -lk 0.0.0.0 8083',
      'ufw allow 22/tcp', 'ufw reject 8082/tcp', 'ufw deny 8083/tcp', 'ufw --force enable',
    ].join(' && '));
    expect(await tcpConnectOutcome(s.address, 8082, 3000)).toBe('ECONNREFUSED');
    expect(await tcpConnectOutcome(s.address, 8083, 1500)).toBe('timeout');
    expect(await tcpConnectOutcome(s.address, 80, 1500)).toBe('timeout'); // default deny (incoming)
    const status = await s.sshOk('ufw status verbose');
    const save = await s.sshOk('iptables-save -c');
    capture('ufw-status-verbose.txt', status);
    capture('ufw-iptables-save-c.txt', save);
    capture('ufw-ip6tables-save-c.txt', await s.sshOk('ip6tables-save -c'));
    capture('ufw-nft-list-ruleset.txt', await s.sshOk('nft list ruleset'));
    expect(status).toContain('Status: active');
    expect(status).toMatch(/^8082\/tcp\s+REJECT IN\s+Anywhere\s*$/m);
    expect(status).toMatch(/^8083\/tcp\s+DENY IN\s+Anywhere\s*$/m);
    const reject = /^\[(\d+):\d+\] -A ufw-user-input -p tcp -m tcp --dport 8082 -j REJECT --reject-with tcp-reset$/m.exec(save);
    const deny = /^\[(\d+):\d+\] -A ufw-user-input -p tcp -m tcp --dport 8083 -j DROP$/m.exec(save);
    expect(Number(reject?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(deny?.[1])).toBeGreaterThanOrEqual(1);
    // SSH still works (22 allowed), so shutdown can power the container off.
    expect(await s.sshOk('echo ok')).toBe('ok\n');
  });

  it('on the host, whose PID 1 is not systemd, systemctl output parses as the no-systemd error', async () => {
    const pid1 = (await readFile('/proc/1/comm', 'utf8')).trim();
    const r = await run('systemctl', ['show', 'nginx', '-p', PROPS, '--no-pager'], { env: { ...process.env, LC_ALL: 'C', SYSTEMD_COLORS: '0' } });
    const parsed = parseSystemctlShow(r.stdout + r.stderr);
    if (pid1 === 'systemd') {
      expect(parsed.ok).toBe(true);
    } else {
      capture('host-no-systemd-systemctl-show.txt', r.stdout + r.stderr);
      expect(r.code).toBe(1);
      expect(parsed).toEqual({ ok: false, error: { code: 'no-systemd', message: "System has not been booted with systemd as init system (PID 1). Can't operate." } });
    }
  });
});
