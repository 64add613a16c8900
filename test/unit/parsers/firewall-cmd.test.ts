import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FIREWALLD_NOT_RUNNING_EXIT, parseFirewallCmdListAll, parseFirewallCmdState, parseRichRule, type FirewalldZone,
} from '../../../shared/common/parsers/firewall-cmd';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/firewall/firewalld/${name}`, import.meta.url), 'utf8');
const exitOf = (name: string) => Number(/exit=(\d+)/.exec(fixture(name))?.[1]);

function zones(text: string): FirewalldZone[] {
  const r = parseFirewallCmdListAll(text);
  if (!r.ok) throw new Error(`parse failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

describe('parseFirewallCmdListAll on real firewalld 1.3.3 output', () => {
  it('--list-all (default zone public)', () => {
    const [pub, ...rest] = zones(fixture('list-all.txt'));
    expect(rest).toEqual([]);
    expect(pub).toEqual({
      name: 'public', active: true, isDefault: false, target: 'default', icmpBlockInversion: false,
      interfaces: ['vs-pwfw-fwd'], sources: [], services: ['dhcpv6-client', 'ssh'],
      ports: [
        { ports: [8084, 8084], protocol: 'tcp', text: '8084/tcp' },
        { ports: [9000, 9010], protocol: 'tcp', text: '9000-9010/tcp' },
        { ports: [8095, 8095], protocol: 'udp', text: '8095/udp' },
      ],
      protocols: [], forward: true, masquerade: false,
      forwardPorts: [{ port: [8087, 8087], proto: 'tcp', toport: [8088, 8088], toaddr: '198.18.13.2', text: 'port=8087:proto=tcp:toport=8088:toaddr=198.18.13.2' }],
      sourcePorts: [], icmpBlocks: ['echo-request'],
      richRules: [
        {
          text: 'rule family="ipv4" port port="8082" protocol="tcp" reject type="tcp-reset"', family: 'ipv4',
          sourceAddress: null, sourceInverted: false, destinationAddress: null, service: null, port: [8082, 8082], protocol: 'tcp', action: 'reject', rejectType: 'tcp-reset',
        },
        {
          text: 'rule family="ipv4" source address="203.0.113.7" reject', family: 'ipv4',
          sourceAddress: '203.0.113.7', sourceInverted: false, destinationAddress: null, service: null, port: null, protocol: null, action: 'reject', rejectType: null,
        },
        {
          text: 'rule family="ipv4" source address="198.18.13.0/24" port port="8090" protocol="tcp" accept', family: 'ipv4',
          sourceAddress: '198.18.13.0/24', sourceInverted: false, destinationAddress: null, service: null, port: [8090, 8090], protocol: 'tcp', action: 'accept', rejectType: null,
        },
      ],
    });
  });

  it('--zone=lab --list-all: target DROP, sources, icmp-block-inversion', () => {
    expect(zones(fixture('list-all-zone-lab.txt'))).toMatchObject([{
      name: 'lab', active: true, target: 'DROP', icmpBlockInversion: true, interfaces: [],
      sources: ['198.18.13.200/32', '2001:2:0:13::200/128'], services: ['http'], forward: false, icmpBlocks: ['echo-reply'], richRules: [],
    }]);
  });

  it('--list-all-zones: every zone; block rejects (%%REJECT%%), drop drops; offline tool prints the same zones', () => {
    const all = zones(fixture('list-all-zones.txt'));
    expect(all.map((z) => [z.name, z.target, z.active])).toEqual([
      ['block', '%%REJECT%%', false], ['dmz', 'default', false], ['drop', 'DROP', false], ['external', 'default', false],
      ['home', 'default', false], ['internal', 'default', false], ['lab', 'DROP', true],
      ['public', 'default', true], ['trusted', 'ACCEPT', false], ['work', 'default', false],
    ]);
    expect(all.find((z) => z.name === 'external')?.masquerade).toBe(true);
    const offline = zones(fixture('offline-list-all-zones.txt'));
    const sortRules = (zs: FirewalldZone[]) => zs.map((z) => ({ ...z, richRules: [...z.richRules].sort((a, b) => a.text.localeCompare(b.text)) }));
    expect(sortRules(offline)).toEqual(sortRules(all));
  });
});

describe('parseFirewallCmdState', () => {
  it('running / not running (exit 252) / no D-Bus', () => {
    expect(parseFirewallCmdState(fixture('state-running.txt'), exitOf('state-running.exit'))).toEqual({ ok: true, value: { running: true } });
    expect(exitOf('state-not-running.exit')).toBe(FIREWALLD_NOT_RUNNING_EXIT);
    expect(parseFirewallCmdState(fixture('state-not-running.txt'), 252)).toEqual({ ok: true, value: { running: false } });
    expect(parseFirewallCmdState('', 252)).toEqual({ ok: true, value: { running: false } });
    const noBus = parseFirewallCmdState(fixture('state-no-dbus.txt'), exitOf('state-no-dbus.exit'));
    expect(noBus.ok ? null : noBus.error.code).toBe('no-dbus');
    const odd = parseFirewallCmdState('bash: firewall-cmd: command not found', 127);
    expect(odd.ok ? null : odd.error.code).toBe('not-firewall-cmd');
  });
});

describe('parseFirewallCmdListAll errors', () => {
  const code = (t: string) => {
    const r = parseFirewallCmdListAll(t);
    return r.ok ? 'ok' : r.error.code;
  };
  it('daemon down, polkit refusal, no bus, other text, broken lines', () => {
    expect(exitOf('list-all-not-running.exit')).toBe(252);
    expect(code(fixture('list-all-not-running.txt'))).toBe('not-running');
    expect(code('Authorization failed.\n    Make sure polkit agent is running or run the application as superuser.')).toBe('needs-privilege');
    expect(code(fixture('state-no-dbus.txt'))).toBe('no-dbus');
    expect(code('')).toBe('not-firewall-cmd');
    expect(code('  target: default\n')).toBe('not-firewall-cmd');
    expect(code('public (active)\n  target default\n')).toBe('bad-line');
    expect(code('public (active)\n\trule family="ipv4" accept\n')).toBe('bad-line');
    const lines = fixture('list-all-zones.txt').split('\n');
    for (let n = 0; n <= lines.length; n++) {
      expect(() => parseFirewallCmdListAll(lines.slice(0, n).join('\n'))).not.toThrow();
      expect(() => parseFirewallCmdListAll(lines.map((l, i) => (i === n ? l.slice(0, 9) : l)).join('\n'))).not.toThrow();
    }
  });
});

describe('parseRichRule', () => {
  it('source-port and forward-port are not the destination port; NOT; services; quoted words are not actions', () => {
    expect(parseRichRule('rule family="ipv6" source NOT address="2001:db8::/32" service name="ssh" drop')).toMatchObject({
      family: 'ipv6', sourceAddress: '2001:db8::/32', sourceInverted: true, service: 'ssh', action: 'drop',
    });
    expect(parseRichRule('rule family="ipv4" source-port port="5000" protocol="tcp" accept')).toMatchObject({ port: null, action: 'accept' });
    expect(parseRichRule('rule family="ipv4" forward-port port="80" protocol="tcp" to-port="8080"')).toMatchObject({ port: null, action: null });
    expect(parseRichRule('rule service name="http" log prefix="drop " level="info" accept')).toMatchObject({ action: 'accept', service: 'http' });
    expect(parseRichRule('rule family="ipv6" port port="5432-5433" protocol="tcp" reject type="icmp6-adm-prohibited"')).toMatchObject({
      port: [5432, 5433], protocol: 'tcp', action: 'reject', rejectType: 'icmp6-adm-prohibited',
    });
  });
});
