import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUfwStatus, type UfwRule, type UfwStatus } from '../../../shared/common/parsers/ufw-status';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/firewall/ufw/${name}`, import.meta.url), 'utf8');

function status(text: string): UfwStatus {
  const r = parseUfwStatus(text);
  if (!r.ok) throw new Error(`parse failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

const row = (r: UfwRule) => [r.to, r.action, r.direction, r.from, r.v6, r.ports, r.proto, r.toInterface, r.fromInterface];

describe('parseUfwStatus on real ufw 0.36.2 output', () => {
  it('status verbose: header, defaults, logging and every rule', () => {
    const s = status(fixture('status-verbose-active.txt'));
    expect(s.active).toBe(true);
    expect(s.defaults).toEqual({ incoming: 'deny', outgoing: 'allow', routed: 'disabled' });
    expect(s.logging).toEqual({ on: true, level: 'medium' });
    expect(s.rules.map(row)).toEqual([
      ['2222/tcp', 'ALLOW', 'IN', 'Anywhere', false, [[2222, 2222]], 'tcp', null, null],
      ['8084/tcp', 'ALLOW', 'IN', 'Anywhere', false, [[8084, 8084]], 'tcp', null, null],
      ['8082/tcp', 'REJECT', 'IN', 'Anywhere', false, [[8082, 8082]], 'tcp', null, null],
      ['8083/tcp', 'DENY', 'IN', 'Anywhere', false, [[8083, 8083]], 'tcp', null, null],
      ['22/tcp', 'LIMIT', 'IN', 'Anywhere', false, [[22, 22]], 'tcp', null, null],
      ['9000:9010/tcp', 'ALLOW', 'IN', 'Anywhere', false, [[9000, 9010]], 'tcp', null, null],
      ['80,443/tcp', 'ALLOW', 'IN', 'Anywhere', false, [[80, 80], [443, 443]], 'tcp', null, null],
      ['53', 'ALLOW', 'IN', 'Anywhere', false, [[53, 53]], null, null, null],
      ['8090/tcp', 'ALLOW', 'IN', '198.18.12.0/24', false, [[8090, 8090]], 'tcp', null, null],
      ['Anywhere', 'REJECT', 'IN', '203.0.113.7', false, null, null, null, null],
      ['8091/tcp', 'ALLOW', 'IN', 'Anywhere', false, [[8091, 8091]], 'tcp', 'vs-pwfw-ufw', null],
      ['8086', 'REJECT', 'IN', 'Anywhere', false, [[8086, 8086]], null, null, null],
      ['22/tcp (OpenSSH)', 'ALLOW', 'IN', 'Anywhere', false, [[22, 22]], 'tcp', null, null],
      ['8095/udp', 'ALLOW', 'IN', 'Anywhere', false, [[8095, 8095]], 'udp', null, null],
      ['198.18.12.2 8084/tcp', 'DENY', 'IN', '198.18.12.99', false, [[8084, 8084]], 'tcp', null, null],
      ['2222/tcp', 'ALLOW', 'IN', 'Anywhere', true, [[2222, 2222]], 'tcp', null, null],
      ['8084/tcp', 'ALLOW', 'IN', 'Anywhere', true, [[8084, 8084]], 'tcp', null, null],
      ['8082/tcp', 'REJECT', 'IN', 'Anywhere', true, [[8082, 8082]], 'tcp', null, null],
      ['8083/tcp', 'DENY', 'IN', 'Anywhere', true, [[8083, 8083]], 'tcp', null, null],
      ['22/tcp', 'LIMIT', 'IN', 'Anywhere', true, [[22, 22]], 'tcp', null, null],
      ['9000:9010/tcp', 'ALLOW', 'IN', 'Anywhere', true, [[9000, 9010]], 'tcp', null, null],
      ['80,443/tcp', 'ALLOW', 'IN', 'Anywhere', true, [[80, 80], [443, 443]], 'tcp', null, null],
      ['53', 'ALLOW', 'IN', 'Anywhere', true, [[53, 53]], null, null, null],
      ['8093/tcp', 'ALLOW', 'IN', '2001:2:0:12::/64', true, [[8093, 8093]], 'tcp', null, null],
      ['8091/tcp', 'ALLOW', 'IN', 'Anywhere', true, [[8091, 8091]], 'tcp', 'vs-pwfw-ufw', null],
      ['8086', 'REJECT', 'IN', 'Anywhere', true, [[8086, 8086]], null, null, null],
      ['22/tcp (OpenSSH)', 'ALLOW', 'IN', 'Anywhere', true, [[22, 22]], 'tcp', null, null],
      ['8095/udp', 'ALLOW', 'IN', 'Anywhere', true, [[8095, 8095]], 'udp', null, null],
      ['25/tcp', 'DENY', 'OUT', 'Anywhere', false, [[25, 25]], 'tcp', null, null],
      ['25/tcp', 'DENY', 'OUT', 'Anywhere', true, [[25, 25]], 'tcp', null, null],
      ['8092/tcp', 'ALLOW', 'FWD', 'Anywhere', false, [[8092, 8092]], 'tcp', 'lo', 'vs-pwfw-ufw'],
      ['8092/tcp', 'ALLOW', 'FWD', 'Anywhere', true, [[8092, 8092]], 'tcp', 'lo', 'vs-pwfw-ufw'],
    ]);
    expect(s.rules.every((r) => r.number === null)).toBe(true);
  });

  it('plain status: no defaults or logging, IN omitted (direction null), OUT and FWD kept, app profiles by name', () => {
    const s = status(fixture('status-active.txt'));
    expect(s).toMatchObject({ active: true, defaults: { incoming: null, outgoing: null, routed: null }, logging: null });
    expect(s.rules).toHaveLength(32);
    expect(s.rules.filter((r) => r.direction === null)).toHaveLength(28);
    expect(row(s.rules[2] as UfwRule)).toEqual(['8082/tcp', 'REJECT', null, 'Anywhere', false, [[8082, 8082]], 'tcp', null, null]);
    expect(s.rules.find((r) => r.to === 'OpenSSH')).toMatchObject({ ports: null, proto: null, v6: false });
    expect(s.rules.filter((r) => r.direction === 'OUT').map((r) => r.v6)).toEqual([false, true]);
  });

  it('status numbered: rule numbers, and the "(out)" marker read as direction', () => {
    const s = status(fixture('status-numbered-active.txt'));
    expect(s.rules.map((r) => r.number)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(s.rules[10]).toMatchObject({ number: 11, to: '25/tcp', action: 'DENY', direction: 'OUT', from: 'Anywhere', v6: false });
    expect(s.rules[25]).toMatchObject({ number: 26, to: '8093/tcp', from: '2001:2:0:12::/64', v6: true });
    expect(s.rules[12]).toMatchObject({ number: 13, direction: 'FWD', toInterface: 'lo', fromInterface: 'vs-pwfw-ufw' });
    expect(s.rules[30]).toMatchObject({ number: 31, to: 'OpenSSH', v6: true, ports: null });
  });

  it('Status: inactive', () => {
    expect(status(fixture('status-verbose-inactive.txt'))).toEqual({
      active: false, defaults: { incoming: null, outgoing: null, routed: null }, logging: null, rules: [],
    });
  });
});

describe('parseUfwStatus errors', () => {
  it('the real not-root message is needs-privilege', () => {
    const text = fixture('status-verbose-not-root.txt');
    expect(text.trim()).toBe('ERROR: You need to be root to run this script');
    const r = parseUfwStatus(text);
    expect(r).toEqual({ ok: false, error: { code: 'needs-privilege', message: 'ufw status needs root: "ERROR: You need to be root to run this script"', line: 1 } });
  });

  it('other text, stray lines and broken rule lines', () => {
    const code = (t: string) => {
      const r = parseUfwStatus(t);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code('')).toBe('not-ufw-status');
    expect(code('sudo: ufw: command not found')).toBe('not-ufw-status');
    expect(code('Status: active\nsomething else\n')).toBe('bad-line');
    expect(code('Status: active\n\nTo Action From\n-- ------ ----\n8080/tcp ALLOWED Anywhere\n')).toBe('bad-line');
    const lines = fixture('status-verbose-active.txt').split('\n');
    for (let n = 0; n <= lines.length; n++) {
      expect(() => parseUfwStatus(lines.slice(0, n).join('\n'))).not.toThrow();
      expect(() => parseUfwStatus(lines.map((l, i) => (i === n ? l.slice(0, 30) : l)).join('\n'))).not.toThrow();
    }
  });
});
