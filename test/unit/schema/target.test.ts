import { describe, expect, it } from 'vitest';
import { formatAddressPort, formatTarget, parseTarget, Target, type TargetErrorCode } from '../../../shared/common/schema/target';

function parsed(input: string) {
  const r = parseTarget(input);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('parseTarget: accepted input', () => {
  it.each([
    ['db.example.com:5432', { host: 'db.example.com', port: 5432, hostKind: 'name' }],
    ['  DB.Example.COM:5432  ', { host: 'db.example.com', port: 5432, hostKind: 'name' }],
    ['db.example.com.:5432', { host: 'db.example.com', port: 5432, hostKind: 'name' }],
    ['localhost:3000', { host: 'localhost', port: 3000, hostKind: 'name' }],
    ['_ldap._tcp.corp:389', { host: '_ldap._tcp.corp', port: 389, hostKind: 'name' }],
    ['10.0.2.5:22', { host: '10.0.2.5', port: 22, hostKind: 'ipv4' }],
    ['127.0.0.1:1', { host: '127.0.0.1', port: 1, hostKind: 'ipv4' }],
    ['127.0.0.1:65535', { host: '127.0.0.1', port: 65535, hostKind: 'ipv4' }],
    ['127.0.0.1:080', { host: '127.0.0.1', port: 80, hostKind: 'ipv4' }],
    ['[::1]:8080', { host: '::1', port: 8080, hostKind: 'ipv6' }],
    ['[2001:0DB8:0000:0000:0000:0000:0000:0001]:443', { host: '2001:db8::1', port: 443, hostKind: 'ipv6' }],
    ['[::ffff:127.0.0.1]:6379', { host: '::ffff:127.0.0.1', port: 6379, hostKind: 'ipv6' }],
  ])('%s', (input, expected) => {
    const target = parsed(input);
    expect(target).toEqual(expected);
    expect(Target.parse(target)).toEqual(expected);
  });

  it.each([
    ['postgres://app:secret@db.example.com:6543/app?sslmode=require', 'db.example.com', 6543, 'name'],
    ['postgres://db.example.com/app', 'db.example.com', 5432, 'name'],
    ['HTTPS://Example.COM', 'example.com', 443, 'name'],
    ['http://example.com/path#frag', 'example.com', 80, 'name'],
    ['redis://:pw@cache.internal', 'cache.internal', 6379, 'name'],
    ['http://[::1]/', '::1', 80, 'ipv6'],
    ['http://[::1]:3000/health', '::1', 3000, 'ipv6'],
    ['mysql://10.1.1.1?x=y', '10.1.1.1', 3306, 'ipv4'],
    ['ssh://git@github.invalid', 'github.invalid', 22, 'name'],
  ])('URL %s', (input, host, port, hostKind) => {
    expect(parsed(input)).toEqual({ host, port, hostKind });
  });

  it('never keeps URL credentials anywhere in the target', () => {
    const target = parsed('postgres://app:s3cr3t@db.example.com:5432/app');
    expect(JSON.stringify(target)).not.toMatch(/s3cr3t|app:/);
  });
});

describe('parseTarget: rejected input', () => {
  const cases: [string, TargetErrorCode][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    [':80', 'empty'],
    ['db.example.com', 'missing-port'],
    ['db.example.com:', 'missing-port'],
    ['[::1]', 'missing-port'],
    ['[::1]:', 'missing-port'],
    ['foo://db.example.com', 'missing-port'],
    ['db.example.com:http', 'bad-port'],
    ['db.example.com:-1', 'bad-port'],
    ['db.example.com:80x', 'bad-port'],
    ['db.example.com: 80', 'bad-port'],
    ['[::1]80', 'bad-port'],
    ['db.example.com:0', 'port-out-of-range'],
    ['db.example.com:65536', 'port-out-of-range'],
    ['db.example.com:70000', 'port-out-of-range'],
    ['127.0.0.1:99999999999999999999999', 'port-out-of-range'],
    ['::1:80', 'unbracketed-ipv6'],
    ['fe80::1:22', 'unbracketed-ipv6'],
    ['::1', 'unbracketed-ipv6'],
    ['http://::1/', 'unbracketed-ipv6'],
    ['[::1:80', 'bad-ipv6'],
    ['[::g]:80', 'bad-ipv6'],
    ['[1:2:3:4:5:6:7:8:9]:80', 'bad-ipv6'],
    ['[1::2::3]:80', 'bad-ipv6'],
    ['[fe80::1%eth0]:22', 'bad-ipv6'],
    ['[127.0.0.1]:80', 'bad-ipv6'],
    ['999.1.1.1:80', 'bad-ipv4'],
    ['1.2.3:80', 'bad-ipv4'],
    ['01.2.3.4:80', 'bad-ipv4'],
    ['1.2.3.4.5:80', 'bad-ipv4'],
    ['my host:80', 'bad-hostname'],
    ['db;rm -rf /:80', 'bad-hostname'],
    ['$(id):80', 'bad-hostname'],
    ['`id`:80', 'bad-hostname'],
    ['a|b:80', 'bad-hostname'],
    ['-leading.example.com:80', 'bad-hostname'],
    ['trailing-.example.com:80', 'bad-hostname'],
    ['a..b:80', 'bad-hostname'],
    [`${'a'.repeat(64)}.example.com:80`, 'bad-hostname'],
    [`${Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.')}:80`, 'bad-hostname'],
    ['exämple.com:80', 'bad-hostname'],
    ['http://', 'bad-url'],
    ['http://user:pw@/path', 'bad-url'],
    [`${'a'.repeat(2049)}:80`, 'too-long'],
  ];
  it.each(cases)('%j -> %s', (input, code) => {
    const r = parseTarget(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message.length).toBeGreaterThan(10);
    expect(r.error.message).not.toContain('\n');
  });

  it('accepts a label of exactly 63 characters and a name of 253', () => {
    expect(parsed(`${'a'.repeat(63)}.example.com:80`).host).toHaveLength(63 + 12);
    const name253 = [...Array.from({ length: 3 }, () => 'a'.repeat(63)), 'b'.repeat(61)].join('.');
    expect(name253).toHaveLength(253);
    expect(parsed(`${name253}:80`).host).toBe(name253);
    expect(parseTarget(`${name253}c:80`).ok).toBe(false);
  });

  it('hints at the bracketed form for an unbracketed IPv6 address with a port', () => {
    const r = parseTarget('fe80::1:22');
    expect(!r.ok && r.error.message).toContain('[fe80::1]:22');
    const r2 = parseTarget('::1:80');
    expect(!r2.ok && r2.error.message).toContain('[::1]:80');
  });
});

describe('formatTarget / formatAddressPort', () => {
  it.each(['db.example.com:5432', '10.0.2.5:22', '[::1]:8080', '[2001:db8::1]:443'])('round-trips %s', (input) => {
    expect(formatTarget(parsed(input))).toBe(input);
  });
  it('brackets IPv6 addresses only', () => {
    expect(formatAddressPort('::1', 80)).toBe('[::1]:80');
    expect(formatAddressPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
  });
});
