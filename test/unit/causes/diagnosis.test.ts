import { describe, expect, it } from 'vitest';
import { causeIndex, causeSummary, isCauseId, type CauseId } from '../../../shared/common/causes/catalog';
import { causeDefinitions, fillPlaceholders, PLACEHOLDERS } from '../../../shared/common/causes/definitions';
import { buildDiagnosis, type DiagnosisContext } from '../../../shared/common/causes/diagnosis';
import { isServiceId, type ServiceId } from '../../../shared/common/causes/services';
import { Diagnosis, Platform } from '../../../shared/common/schema/report';
import type { Verdict } from '../../../shared/common/tree/evaluate';
import { target } from '../tree/factories';

const allIds: CauseId[] = causeIndex.map((c) => c.id);

/** Every text of a definition, with where it sits, for the checks that apply to all of them. */
function textsOf(id: CauseId): { where: string; text: string }[] {
  const d = causeDefinitions[id];
  const steps = [...d.remediation.map((s, i) => ({ s, where: `remediation[${i}]` }))];
  for (const [service, list] of Object.entries(d.services ?? {})) list.forEach((s, i) => steps.push({ s, where: `services.${service}[${i}]` }));
  return [
    { where: 'explanation', text: d.explanation },
    { where: 'proof', text: d.proof },
    { where: 'verify', text: d.verify.text },
    ...d.verify.commands.map((c, i) => ({ where: `verify.commands[${i}]`, text: c.command })),
    ...steps.flatMap(({ s, where }) => [{ where, text: s.text }, ...s.commands.map((c, j) => ({ where: `${where}.commands[${j}]`, text: c.command }))]),
  ];
}

function verdict(cause: CauseId): Verdict {
  return {
    cause,
    confidence: cause === 'inconclusive' ? 'low' : 'high',
    reason: 'Because the test says so.',
    missing: cause === 'inconclusive' ? ['the server listener table'] : [],
    candidates: cause === 'inconclusive' ? ['service-not-running', 'iptables-reject'] : [],
  };
}

const commandsOf = (d: Diagnosis) => d.remediation.flatMap((s) => s.commands);
const textOf = (d: Diagnosis) => d.remediation.map((s) => s.text).join('\n');

describe('cause catalog', () => {
  it('has the 40 catalog entries with refs A1..D6, unique ids, and the extra leaves', () => {
    const ids = causeIndex.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(causeIndex.filter((c) => c.ref !== null)).toHaveLength(40);
    for (const extra of ['not-reproduced', 'timeout-filtered', 'firewall-drop', 'host-firewall-suspected', 'dns-failure', 'inconclusive']) expect(isCauseId(extra)).toBe(true);
    expect(isCauseId('no-such-cause')).toBe(false);
    expect(() => causeSummary('no-such-cause' as never)).toThrow();
  });
});

describe('cause definitions', () => {
  it('there is exactly one definition per cause id, keyed by its own id', () => {
    expect(Object.keys(causeDefinitions).sort()).toEqual([...allIds].sort());
    for (const id of allIds) expect(causeDefinitions[id].id, id).toBe(id);
  });

  it.each(allIds)('%s: explanation, proof, remediation and verify are complete', (id) => {
    const d = causeDefinitions[id];
    expect(d.explanation.trim(), 'explanation').not.toBe('');
    expect(d.proof.trim(), 'proof').not.toBe('');
    expect(d.remediation.length, 'remediation').toBeGreaterThan(0);
    expect(d.verify.text.trim(), 'verify text').not.toBe('');
    expect(d.verify.commands.length, 'verify commands').toBeGreaterThan(0);
    const steps = [...d.remediation, ...Object.values(d.services ?? {}).flat()];
    for (const step of steps) {
      expect(step.text.trim(), 'step text').not.toBe('');
      for (const c of [...step.commands, ...d.verify.commands]) {
        expect(Platform.options, c.command).toContain(c.platform);
        expect(c.command.trim()).not.toBe('');
        expect(c.command, 'commands are single lines').not.toContain('\n');
      }
    }
    for (const [service, list] of Object.entries(d.services ?? {})) {
      expect(isServiceId(service), service).toBe(true);
      expect(list.length, service).toBeGreaterThan(0);
    }
  });

  it.each(allIds)('%s: uses only the placeholders fillPlaceholders knows', (id) => {
    for (const { where, text } of textsOf(id)) {
      const unknown = (text.match(/\{[A-Za-z_]+\}/g) ?? []).filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
      expect(unknown, `${id} ${where}`).toEqual([]);
    }
  });

  it('has service-specific steps where the brief asks for them', () => {
    const want: Partial<Record<CauseId, readonly string[]>> = {
      'bind-loopback-only': ['postgresql', 'mysql', 'mariadb', 'redis', 'nginx', 'docker', 'mongodb', 'memcached'],
      'bind-wrong-interface-ip': ['postgresql', 'mysql', 'redis', 'nginx', 'iis'],
      'port-mismatch': ['postgresql', 'openssh', 'sqlserver', 'docker'],
      'aaaa-without-ipv6-listener': ['nginx', 'apache', 'postgresql', 'mysql', 'redis', 'nodejs'],
      'v6only-listener-ipv4-refused': ['nginx', 'nodejs'],
      'tcp-disabled-unix-socket-only': ['mysql', 'mariadb', 'sqlserver', 'docker-api', 'postgresql', 'redis'],
      'docker-publish-problem': ['docker', 'flask', 'vite'],
      'container-app-binds-loopback': ['flask', 'django', 'vite', 'rails', 'jupyter', 'nodejs'],
      'service-not-running': ['postgresql', 'mysql', 'redis', 'docker', 'sqlserver'],
      'privileged-port-denied': ['nodejs', 'docker', 'nginx'],
      'mac-policy-bind-denied': ['postgresql', 'mysql', 'nginx', 'apache', 'redis'],
    };
    for (const [cause, services] of Object.entries(want) as [CauseId, string[]][]) {
      for (const service of services) expect(causeDefinitions[cause].services?.[service as ServiceId], `${cause} / ${service}`).toBeDefined();
    }
  });
});

describe('buildDiagnosis', () => {
  const t = target('db.example.com:6543');
  const contexts: [string, DiagnosisContext | undefined][] = [
    ['no context', undefined],
    ['postgresql hint', { serviceHint: 'postgresql', processNames: [] }],
    ['docker-proxy listener', { serviceHint: null, processNames: ['docker-proxy'] }],
    ['unknown unit hint', { serviceHint: 'my-app.service', processNames: [] }],
  ];

  it.each(allIds)('%s: passes the Diagnosis schema and leaves no placeholder, in every context', (cause) => {
    for (const [name, context] of contexts) {
      const v = verdict(cause);
      const d = buildDiagnosis(v, t, context);
      expect(Diagnosis.parse(d), name).toEqual(d);
      const json = JSON.stringify(d);
      for (const p of PLACEHOLDERS) expect(json, `${name}: ${p}`).not.toContain(p);
      expect(d).toMatchObject({ cause, confidence: v.confidence, reason: v.reason, title: causeSummary(cause).title, missing: v.missing });
      expect(d.summary).toBe(`${causeSummary(cause).title}. Because the test says so.`);
      expect(d.remediation.length).toBeGreaterThan(0);
      expect(d.verify.commands.length).toBeGreaterThan(0);
      expect(d.candidates).toEqual(v.candidates.map((id) => ({ id, title: causeSummary(id).title })));
    }
  });

  it('puts the real host and port into the text, the commands and the verify step', () => {
    const notRunning = buildDiagnosis(verdict('service-not-running'), t);
    expect(notRunning.explanation).toContain('port 6543');
    expect(commandsOf(notRunning).map((c) => c.command)).toContain("ss -Htlnp 'sport = :6543'");
    expect(notRunning.verify.text).toContain('portwise diagnose db.example.com:6543');
    expect(notRunning.verify.commands).toContainEqual({ platform: 'any', command: 'portwise diagnose db.example.com:6543' });
    const dns = buildDiagnosis(verdict('dns-failure'), t);
    expect(dns.explanation).toContain('"db.example.com"');
    expect(dns.remediation[0]?.commands.map((c) => c.command)).toContain('Resolve-DnsName db.example.com');
  });

  it('writes an IPv6 target in brackets where host and port go together', () => {
    const d = buildDiagnosis(verdict('service-not-running'), target('[2001:db8::5]:5432'));
    expect(d.verify.commands).toContainEqual({ platform: 'any', command: 'portwise diagnose [2001:db8::5]:5432' });
  });

  it('without a known service: no service, the generic steps only, SERVICE as the unit', () => {
    const d = buildDiagnosis(verdict('service-not-running'), t, { serviceHint: null, processNames: ['java'] });
    expect(d.service).toBeNull();
    expect(d.remediation).toHaveLength(causeDefinitions['service-not-running'].remediation.length);
    expect(commandsOf(d).map((c) => c.command)).toContain('sudo systemctl enable --now SERVICE');
  });

  describe('bind-loopback-only for PostgreSQL', () => {
    const d = buildDiagnosis(verdict('bind-loopback-only'), t, { serviceHint: 'postgresql', processNames: [] });

    it('names the service and puts its steps before the generic ones', () => {
      expect(d.service).toEqual({ id: 'postgresql', name: 'PostgreSQL' });
      expect(d.remediation[0]?.text).toContain('`listen_addresses`');
      expect(d.remediation[0]?.text).toContain('postgresql.conf');
      const generic = causeDefinitions['bind-loopback-only'].remediation[0]?.text ?? '';
      const genericAt = d.remediation.findIndex((s) => s.text === generic);
      expect(genericAt).toBeGreaterThan(0);
      expect(d.remediation.slice(0, genericAt).every((s) => !s.text.startsWith("Change the service's listen address"))).toBe(true);
    });

    it('gives the Debian and RHEL paths, a restart (not a reload), and the pg_hba.conf host line', () => {
      const commands = commandsOf(d);
      expect(commands).toContainEqual({ platform: 'debian', command: 'sudo grep -n listen_addresses /etc/postgresql/*/*/postgresql.conf' });
      expect(commands).toContainEqual({ platform: 'rhel', command: 'sudo grep -n listen_addresses /var/lib/pgsql/data/postgresql.conf' });
      expect(textOf(d)).toContain('/etc/postgresql/VER/CLUSTER/postgresql.conf');
      expect(textOf(d)).toMatch(/Restart PostgreSQL.*reload is not enough/);
      expect(commands).toContainEqual({ platform: 'linux', command: 'sudo systemctl restart postgresql' });
      expect(textOf(d)).toMatch(/`host` line .*`pg_hba\.conf`/);
    });

    it('fills the unit from the hint when it is a unit name', () => {
      const cluster = buildDiagnosis(verdict('bind-loopback-only'), t, { serviceHint: 'postgresql@15-main.service', processNames: [] });
      expect(cluster.service?.id).toBe('postgresql');
      expect(commandsOf(cluster).map((c) => c.command)).toContain('sudo systemctl restart postgresql@15-main');
    });

    it('quotes a systemd-escaped unit in commands (its backslash) and shows it plainly in prose', () => {
      const escaped = buildDiagnosis(verdict('service-not-running'), t, { serviceHint: 'app\\x2dv2', processNames: [] });
      expect(commandsOf(escaped).map((c) => c.command)).toContain("sudo systemctl enable --now 'app\\x2dv2'");
    });

    it('never puts a hint that is no unit name into a command', () => {
      const odd = buildDiagnosis(verdict('service-not-running'), t, { serviceHint: 'x; rm -rf /', processNames: [] });
      expect(odd.service).toBeNull();
      expect(JSON.stringify(odd)).not.toContain('rm -rf');
      expect(commandsOf(odd).map((c) => c.command)).toContain('sudo systemctl enable --now SERVICE');
    });
  });

  it.each([
    ['bind-loopback-only', 'redis', ['`bind`', '`protected-mode'], 'sudo systemctl restart redis'],
    ['bind-loopback-only', 'mysql', ['`bind-address`', "'app'@'%'"], 'sudo systemctl restart mysql'],
    ['bind-loopback-only', 'mariadb', ['`bind-address`', '/etc/mysql/mariadb.conf.d/50-server.cnf'], 'sudo systemctl restart mariadb'],
    ['bind-loopback-only', 'nginx', ['`listen [::]:6543;`'], 'sudo nginx -t && sudo systemctl reload nginx'],
    ['bind-loopback-only', 'docker', ['`-p 6543:CONTAINERPORT`'], 'docker compose up -d'],
    ['tcp-disabled-unix-socket-only', 'mysql', ['`skip-networking`'], 'sudo systemctl restart mysql'],
    ['tcp-disabled-unix-socket-only', 'sqlserver', ['TCP/IP disabled'], 'Restart-Service -Name MSSQLSERVER -Force'],
    ['tcp-disabled-unix-socket-only', 'docker-api', ['Unix socket `/var/run/docker.sock`'], 'sudo systemctl restart docker'],
    ['container-app-binds-loopback', 'flask', ['`flask run --host 0.0.0.0`'], 'flask run --host 0.0.0.0 --port 6543'],
    ['container-app-binds-loopback', 'vite', ['`vite --host`'], 'npx vite --host 0.0.0.0 --port 6543'],
    ['mac-policy-bind-denied', 'postgresql', ['`postgresql_port_t`'], 'sudo semanage port -a -t postgresql_port_t -p tcp 6543'],
    ['mac-policy-bind-denied', 'nginx', ['`http_port_t`'], 'sudo semanage port -a -t http_port_t -p tcp 6543'],
    ['privileged-port-denied', 'docker', ['rootlessport'], 'sudo sysctl -w net.ipv4.ip_unprivileged_port_start=6543'],
  ] as const)('%s for %s: names the setting and the exact command', (cause, hint, words, command) => {
    const d = buildDiagnosis(verdict(cause), t, { serviceHint: hint, processNames: [] });
    expect(d.service?.id).toBe(hint);
    for (const w of words) expect(textOf(d)).toContain(w);
    expect(commandsOf(d).map((c) => c.command)).toContain(command);
  });

  it('splits a unit command per family when Debian and RHEL name the unit differently and nobody said which', () => {
    const byPort = buildDiagnosis(verdict('bind-loopback-only'), target('db.example.com:3306'));
    expect(byPort.service?.id).toBe('mysql');
    const restarts = commandsOf(byPort).filter((c) => c.command.startsWith('sudo systemctl restart'));
    expect(restarts).toEqual([
      { platform: 'debian', command: 'sudo systemctl restart mysql' },
      { platform: 'rhel', command: 'sudo systemctl restart mysqld' },
    ]);
    const named = buildDiagnosis(verdict('bind-loopback-only'), target('db.example.com:3306'), { serviceHint: 'mysqld', processNames: [] });
    expect(commandsOf(named).filter((c) => c.command.startsWith('sudo systemctl restart'))).toEqual([{ platform: 'linux', command: 'sudo systemctl restart mysqld' }]);
  });

  it('a listener process decides the service when nobody named one', () => {
    const d = buildDiagnosis(verdict('bind-loopback-only'), target('db.example.com:7000'), { serviceHint: null, processNames: ['redis-server'] });
    expect(d.service).toEqual({ id: 'redis', name: 'Redis' });
    expect(commandsOf(d).map((c) => c.command)).toContain('redis-cli -p 7000 CONFIG GET bind');
  });
});

describe('fillPlaceholders', () => {
  it('replaces every occurrence of every placeholder', () => {
    expect(fillPlaceholders('{host}:{port} {host}/{port} {target} {unit}', { host: 'h', port: 1, unit: 'u' })).toBe('h:1 h/1 h:1 u');
  });

  it('brackets an IPv6 host in {target} and says SERVICE for an unknown unit', () => {
    expect(fillPlaceholders('{target} {unit}', { host: '::1', port: 22 })).toBe('[::1]:22 SERVICE');
  });
});
