import { describe, expect, it } from 'vitest';
import { ProxySettings } from '../../../shared/common/schema/proxy';
import type { Target } from '../../../shared/common/schema/target';
import { noProxyMatch, proxySettingsFor, stripCredentials } from '../../../shared/node/probes/proxy';

describe('stripCredentials', () => {
  it.each([
    ['http://user:pass@proxy.corp:3128', 'http://proxy.corp:3128'],
    ['http://user@proxy.corp:3128/', 'http://proxy.corp:3128/'],
    ['socks5h://u:p@127.0.0.1:1080', 'socks5h://127.0.0.1:1080'],
    ['HTTP://User:Pass@Proxy:8080', 'HTTP://Proxy:8080'],
    ['http://proxy.corp:3128', 'http://proxy.corp:3128'],
    ['http://proxy.corp:3128/path@x', 'http://proxy.corp:3128/path@x'],
    ['proxy.corp:3128', 'proxy.corp:3128'],
  ])('%s -> %s', (input, expected) => {
    expect(stripCredentials(input)).toBe(expected);
  });

  it('removes the whole password when it contains a raw "@" (URL parsers split at the last "@")', () => {
    const input = 'http://alice:p@ss@proxy.corp:3128';
    expect(new URL(input).hostname).toBe('proxy.corp');
    expect(stripCredentials(input)).toBe('http://proxy.corp:3128');
  });

  it('removes credentials from a proxy value without a scheme (curl reads it as http://)', () => {
    expect(stripCredentials('alice:s3cret@proxy.corp:3128')).toBe('proxy.corp:3128');
  });
});

describe('noProxyMatch', () => {
  it.each([
    ['*', 'anything.example', '*'],
    ['localhost,127.0.0.1', 'localhost', 'localhost'],
    ['localhost, 127.0.0.1', '127.0.0.1', '127.0.0.1'],
    ['example.com', 'example.com', 'example.com'],
    ['example.com', 'db.example.com', 'example.com'],
    ['.example.com', 'db.example.com', '.example.com'],
    ['*.example.com', 'a.b.example.com', '*.example.com'],
    ['EXAMPLE.com', 'Db.Example.COM', 'EXAMPLE.com'],
    ['example.com:5432', 'db.example.com', 'example.com:5432'],
    ['10.0.0.0/8', '10.20.30.40', '10.0.0.0/8'],
    ['192.168.1.0/24', '192.168.1.255', '192.168.1.0/24'],
    ['0.0.0.0/0', '203.0.113.9', '0.0.0.0/0'],
    ['192.0.2.7/32', '192.0.2.7', '192.0.2.7/32'],
    ['foo.invalid  10.0.0.0/8,,example.com', 'example.com', 'example.com'],
  ])('NO_PROXY=%j matches %s', (noProxy, host, entry) => {
    expect(noProxyMatch(noProxy, host)).toBe(entry);
  });

  it.each([
    ['example.com', 'notexample.com'],
    ['.example.com', 'example.org'],
    ['db.example.com', 'example.com'],
    ['10.0.0.0/8', '11.0.0.1'],
    ['192.168.1.0/24', '192.168.2.1'],
    ['10.0.0.0/8', 'ten.example.com'],
    ['10.0.0.0/33', '10.0.0.1'],
    ['', 'example.com'],
    [' , ', 'example.com'],
  ])('NO_PROXY=%j does not match %s', (noProxy, host) => {
    expect(noProxyMatch(noProxy, host)).toBeNull();
  });

  it('matches an IPv6 literal entry such as the common NO_PROXY=localhost,127.0.0.1,::1', () => {
    expect(noProxyMatch('localhost,127.0.0.1,::1', '::1')).toBe('::1');
  });
});

describe('proxySettingsFor (pure over the env object given)', () => {
  const t = (host: string, port: number): Target => ({ host, port, hostKind: 'name' });

  it('finds nothing in an empty environment', () => {
    expect(proxySettingsFor(t('db.example.com', 5432), {})).toEqual({ variables: [], proxyForTarget: null, noProxyMatch: null });
  });

  it('picks HTTPS_PROXY for 443, HTTP_PROXY for 80, ALL_PROXY otherwise', () => {
    const env = { HTTPS_PROXY: 'http://s:3128', HTTP_PROXY: 'http://h:3128', ALL_PROXY: 'socks5://a:1080' };
    expect(proxySettingsFor(t('x.example', 443), env).proxyForTarget).toBe('http://s:3128');
    expect(proxySettingsFor(t('x.example', 80), env).proxyForTarget).toBe('http://h:3128');
    expect(proxySettingsFor(t('x.example', 5432), env).proxyForTarget).toBe('socks5://a:1080');
    expect(proxySettingsFor(t('x.example', 443), { ALL_PROXY: 'socks5://a:1080' }).proxyForTarget).toBe('socks5://a:1080');
    expect(proxySettingsFor(t('x.example', 5432), { HTTP_PROXY: 'http://h:3128' }).proxyForTarget).toBeNull();
  });

  it('prefers the lower-case variable, ignores blank values, trims, and strips credentials', () => {
    const s = proxySettingsFor(t('x.example', 443), { https_proxy: ' http://u:pw@low:1 ', HTTPS_PROXY: 'http://up:2', ALL_PROXY: '   ' });
    expect(s.variables).toEqual([{ name: 'HTTPS_PROXY', value: 'http://low:1' }]);
    expect(s.proxyForTarget).toBe('http://low:1');
    expect(JSON.stringify(s)).not.toContain('pw');
    expect(ProxySettings.parse(s)).toEqual(s);
  });

  it('a NO_PROXY match removes the proxy and names the entry', () => {
    const s = proxySettingsFor(t('db.internal.example', 443), { HTTPS_PROXY: 'http://p:3128', no_proxy: 'localhost,.internal.example' });
    expect(s).toMatchObject({ proxyForTarget: null, noProxyMatch: '.internal.example' });
    expect(s.variables.map((v) => v.name)).toEqual(['HTTPS_PROXY', 'NO_PROXY']);
    expect(proxySettingsFor(t('db.other.example', 443), { HTTPS_PROXY: 'http://p:3128', NO_PROXY: '.internal.example' }).proxyForTarget).toBe('http://p:3128');
  });
});
