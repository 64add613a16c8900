import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaste, type PasteContext } from '../../../shared/common/manual/paste';
import { RemoteFacts } from '../../../shared/common/schema/remote';
import type { ServiceFacts } from '../../../shared/common/tree/remote-facts';

// Real output of systemd 252 in the nspawn lab: test/fixtures/systemd/README.md (server clock in UTC).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/systemd/${name}`, import.meta.url), 'utf8');
const ctx = (service: string | null): PasteContext => ({ port: 80, failing: [{ address: '198.18.0.2', family: 4 }], service });

function service(text: string, unit: string | null = 'nginx') {
  const r = parsePaste('service', text, ctx(unit));
  if (!r.ok) throw new Error(`paste failed: ${r.error.message}`);
  if (r.value.patch.kind !== 'service') throw new Error('wrong patch kind');
  expect(RemoteFacts.shape.service.safeParse(r.value.patch.service).success).toBe(true);
  return { ...r.value, service: r.value.patch.service };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/**
 * `journalctl -u UNIT` (short format) rendered from the real `-o json` capture, the way journalctl
 * prints it on a server whose clock is UTC: `Nov 24 04:25:46 HOST IDENT[PID]: MESSAGE`.
 */
function asShortText(jsonl: string, precise = false): string {
  return jsonl
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const e = JSON.parse(l) as Record<string, string>;
      const us = Number(e.__REALTIME_TIMESTAMP);
      const d = new Date(Math.floor(us / 1000));
      const time = `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${precise ? `.${String(us % 1_000_000).padStart(6, '0')}` : ''}`;
      return `${time} ${e._HOSTNAME} ${e.SYSLOG_IDENTIFIER}[${e._PID}]: ${e.MESSAGE}`;
    })
    .join('\n');
}

const PORT_IN_USE = 'nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)';

describe('parsePaste service: systemctl show + journalctl', () => {
  it('port conflict: the state from show, five bind() failures from the JSON log', () => {
    const p = service(`${fixture('systemctl-show-nginx-port-conflict.txt')}\n${fixture('journalctl-nginx-port-conflict.jsonl')}`);
    const expected: ServiceFacts = {
      unit: 'nginx.service', loadState: 'loaded', activeState: 'failed', subState: 'failed', result: 'exit-code', unitFileState: 'enabled', nRestarts: 0,
      signatures: Array.from({ length: 5 }, () => ({ signature: 'port-in-use' as const, line: PORT_IN_USE })),
    };
    expect(p.service).toEqual(expected);
    expect(p.format).toBe('systemctl show + journalctl -o json');
    expect(p.summary).toBe('nginx.service: failed/failed (Result=exit-code); 26 log lines; signatures: port-in-use');
  });

  it('the same log as plain `journalctl -u nginx` lines (short and short-precise) gives the same facts', () => {
    const show = fixture('systemctl-show-nginx-port-conflict.txt');
    const json = service(`${show}\n${fixture('journalctl-nginx-port-conflict.jsonl')}`).service;
    const text = service(`${show}\n-- Journal begins at Tue 2026-11-24 04:20:00 UTC, ends at Tue 2026-11-24 04:25:49 UTC. --\n${asShortText(fixture('journalctl-nginx-port-conflict.jsonl'))}`);
    expect(text.service).toEqual(json);
    expect(text.format).toBe('systemctl show + journalctl');
    expect(service(`${show}\n${asShortText(fixture('journalctl-nginx-port-conflict.jsonl'), true)}`).service).toEqual(json);
  });

  it('crash loop and start limit, JSON and plain alike', () => {
    for (const [show, log, unit, result, signatures] of [
      ['systemctl-show-crashloop-failed.txt', 'journalctl-crashloop.jsonl', 'crashloop', 'exit-code', 1],
      ['systemctl-show-startlimit-failed.txt', 'journalctl-startlimit.jsonl', 'startlimit', 'start-limit-hit', 2],
    ] as const) {
      const json = service(`${fixture(show)}${fixture(log)}`, unit).service;
      expect(json).toMatchObject({ unit: `${unit}.service`, activeState: 'failed', result, nRestarts: 5 });
      expect(json.signatures.map((s) => s.signature)).toEqual(Array.from({ length: signatures }, () => 'start-limit'));
      expect(service(`${fixture(show)}${asShortText(fixture(log))}`, unit).service).toEqual(json);
    }
  });

  it('only lines since the unit last tried to start count, JSON (UTC) and plain (wall clock) alike', () => {
    // Hand-edited: the port-conflict state with a later start (04:25:51, after the five bind() lines at 04:25:46.68-48.68).
    const later = `${fixture('systemctl-show-nginx-port-conflict.txt')}InactiveExitTimestamp=Tue 2026-11-24 04:25:51 UTC\n`;
    expect(service(`${later}${fixture('journalctl-nginx-port-conflict.jsonl')}`).service.signatures).toEqual([]);
    expect(service(`${later}${asShortText(fixture('journalctl-nginx-port-conflict.jsonl'))}`).service.signatures).toEqual([]);
    // Two seconds of slack, as over SSH: a start at 04:25:50 keeps the retries at 04:25:48.18 and 48.68.
    const slack = `${fixture('systemctl-show-nginx-port-conflict.txt')}InactiveExitTimestamp=Tue 2026-11-24 04:25:50 UTC\n`;
    expect(service(`${slack}${fixture('journalctl-nginx-port-conflict.jsonl')}`).service.signatures).toHaveLength(2);
    expect(service(`${slack}${asShortText(fixture('journalctl-nginx-port-conflict.jsonl'))}`).service.signatures).toHaveLength(2);
    // A server in another zone: plain lines and systemctl share its wall clock, so the rule still applies.
    const cet = `${fixture('systemctl-show-nginx-port-conflict.txt')}InactiveExitTimestamp=Tue 2026-11-24 04:25:51 CET\n`;
    expect(service(`${cet}${asShortText(fixture('journalctl-nginx-port-conflict.jsonl'))}`).service.signatures).toEqual([]);
  });

  it('picks the unit asked about from several blocks; a missing unit is not-found', () => {
    const multi = fixture('systemctl-show-multi.txt');
    expect(service(multi, 'ssh').service.unit).toBe('ssh.service');
    expect(service(multi, 'nginx').service).toMatchObject({ unit: 'nginx.service', activeState: 'active', signatures: [] });
    expect(service(fixture('systemctl-show-not-found.txt'), 'nosuch').service).toMatchObject({ unit: 'nosuch.service', loadState: 'not-found', activeState: 'inactive', subState: 'dead' });
    expect(service(fixture('systemctl-show-nginx-healthy.txt'), null).service.unit).toBe('nginx.service');
  });

  it('reads the new Appendix B signatures in plain log lines', () => {
    // Hand-made lines in the wording of SELinux, AppArmor, nginx, HAProxy and MySQL.
    const log = [
      'Nov 24 04:30:01 db audit[812]: AVC avc:  denied  { name_bind } for  pid=812 comm="nginx" src=8081 scontext=system_u:system_r:httpd_t:s0 tclass=tcp_socket permissive=0',
      'Nov 24 04:30:02 db kernel: audit: type=1400 audit(1795494602.1:99): apparmor="DENIED" operation="bind" profile="/usr/sbin/mysqld" pid=990 comm="mysqld" family="inet" sock_type="stream"',
      'Nov 24 04:30:03 db nginx[700]: 2026/11/24 04:30:03 [error] 700#700: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 198.18.0.9',
      'Nov 24 04:30:04 db haproxy[701]: backend app has no server available!',
      'Nov 24 04:30:05 db mysqld[990]: 2026-11-24T04:30:05 0 [Note] Server socket not created: skip-networking is set',
    ].join('\n');
    const p = service(`${fixture('systemctl-show-nginx-healthy.txt')}${log}`);
    expect(p.service.signatures.map((s) => s.signature)).toEqual(['mac-denied', 'mac-denied', 'upstream-refused', 'upstream-refused', 'networking-disabled']);
    expect(p.service.signatures[2]!.line).toBe('2026/11/24 04:30:03 [error] 700#700: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 198.18.0.9');
  });
});

describe('parsePaste service: systemctl status', () => {
  // Hand-written in systemd 252's layout (the lab has no capture of `systemctl status`).
  const status = [
    '× nginx.service - A high performance web server and a reverse proxy server',
    '     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; preset: enabled)',
    '     Active: failed (Result: exit-code) since Tue 2026-11-24 04:25:49 UTC; 5s ago',
    '       Docs: man:nginx(8)',
    '    Process: 160 ExecStartPre=/usr/sbin/nginx -t -q -g daemon on; master_process on; (code=exited, status=0/SUCCESS)',
    '    Process: 166 ExecStart=/usr/sbin/nginx -g daemon on; master_process on; (code=exited, status=1/FAILURE)',
    '        CPU: 28ms',
    '',
    `Nov 24 04:25:47 pw-lab-server nginx[166]: ${PORT_IN_USE}`,
    'Nov 24 04:25:49 pw-lab-server systemd[1]: nginx.service: Failed with result \'exit-code\'.',
  ].join('\n');

  it('reads the unit, Loaded and Active lines, and the log lines under them', () => {
    const p = service(status);
    expect(p.service).toEqual({
      unit: 'nginx.service', loadState: 'loaded', activeState: 'failed', subState: 'failed', result: 'exit-code', unitFileState: 'enabled', nRestarts: null,
      signatures: [{ signature: 'port-in-use', line: PORT_IN_USE }],
    });
    expect(p.format).toBe('systemctl status + journalctl');
  });

  it('a crash loop between restarts, a running unit, a unit that does not exist', () => {
    const loop = service('● app.service - App\n     Loaded: loaded (/etc/systemd/system/app.service; static)\n     Active: activating (auto-restart) (Result: exit-code) since Tue 2026-11-24 04:25:53 UTC; 400ms ago\n', 'app').service;
    expect(loop).toMatchObject({ activeState: 'activating', subState: 'auto-restart', result: 'exit-code', unitFileState: 'static' });
    const running = service('● nginx.service - nginx\n     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; vendor preset: enabled)\n     Active: active (running) since Tue 2026-11-24 04:25:41 UTC; 1h ago\n').service;
    expect(running).toMatchObject({ activeState: 'active', subState: 'running', result: 'success' });
    expect(service(fixture('systemctl-status-not-found.stderr.txt'), 'nosuch').service).toMatchObject({ unit: 'nosuch.service', loadState: 'not-found' });
  });
});

describe('parsePaste service: what is not a service state', () => {
  it('log lines alone: the unit state is asked for', () => {
    const r = parsePaste('service', fixture('journalctl-nginx-port-conflict.jsonl'), ctx('nginx'));
    expect(!r.ok && r.error.message).toMatch(/^The paste holds log lines but not the unit's state: paste the output of `systemctl show nginx -p Id,LoadState/);
  });

  it('a host without systemd', () => {
    const r = parsePaste('service', fixture('host-no-systemd-systemctl-show.txt'), ctx('nginx'));
    expect(!r.ok && r.error.message).toBe(
      'systemd does not run on this server ("System has not been booted with systemd as init system (PID 1). Can\'t operate."), so systemctl and journalctl cannot answer: say how the service is started instead.',
    );
  });

  it('a listener table pasted where the service was asked', () => {
    const r = parsePaste('service', fixture('ss-port-conflict.txt'), ctx('nginx'));
    expect(!r.ok && r.error.message).toMatch(/^This looks like the output of `ss -tlnp` \(the listening sockets\), but this step asks for the service's state and log/);
  });
});
