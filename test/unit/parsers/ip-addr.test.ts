import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIpAddrJson, parseIpAddrOneline, type IpAddress, type IpInterface } from '../../../shared/common/parsers/ip-addr';

// Fixtures: test/fixtures/ip/README.md (iproute2 6.1, BusyBox 1.35, netns pwparse).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip/${name}`, import.meta.url), 'utf8');

function value<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(`parse failed: ${r.error.message}`);
  return r.value;
}

const a = (address: string, prefixlen: number, scope: string, more: Partial<IpAddress> = {}): IpAddress => ({
  address,
  prefixlen,
  family: address.includes(':') ? 6 : 4,
  scope,
  secondary: false,
  tentative: false,
  dadfailed: false,
  deprecated: false,
  label: null,
  peer: null,
  ...more,
});

const UP = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];
const DOWN = ['BROADCAST', 'MULTICAST', 'M-DOWN'];
const EXPECTED: IpInterface[] = [
  {
    ifname: 'lo', ifindex: 1, state: 'UNKNOWN', flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
    addresses: [a('127.0.0.1', 8, 'host', { label: 'lo' }), a('::1', 128, 'host')],
  },
  { ifname: 'pw0p', ifindex: 2, state: 'UP', flags: UP, addresses: [a('fe80::ff:fe00:12', 64, 'link')] },
  {
    ifname: 'pw0', ifindex: 3, state: 'UP', flags: UP,
    addresses: [
      a('198.18.0.2', 24, 'global', { label: 'pw0' }),
      a('198.18.0.3', 24, 'global', { label: 'pw0', secondary: true }),
      a('198.18.0.4', 24, 'global', { label: 'pw0:web', secondary: true }),
      a('2001:2::abcd:ef01:2345:6789', 64, 'global'),
      a('2001:2::7', 64, 'global'),
      a('2001:2::5', 64, 'global', { deprecated: true }),
      a('2001:2::2', 64, 'global'),
      a('fe80::1', 64, 'link'),
      a('fe80::ff:fe00:2', 64, 'link'),
    ],
  },
  { ifname: 'pw1p', ifindex: 4, state: 'DOWN', flags: DOWN, addresses: [] },
  {
    ifname: 'pw1', ifindex: 5, state: 'DOWN', flags: DOWN,
    addresses: [
      a('198.18.1.1', 24, 'global', { label: 'pw1' }),
      a('198.18.9.1', 32, 'global', { label: 'pw1', peer: '198.18.9.2' }),
      a('2001:2:0:1::1', 64, 'global', { tentative: true }),
    ],
  },
];

describe('parseIpAddrJson on real ip -j addr show', () => {
  it('decodes interfaces, states and every address flag the lab set', () => {
    expect(value(parseIpAddrJson(fixture('ip-j-addr-show.json')))).toEqual(EXPECTED);
  });

  it('skips the empty {} objects some iproute2 releases print for filtered-out links', () => {
    const withEmpty = `[{},${fixture('ip-j-addr-show.json').trim().slice(1, -1)},{}]`;
    expect(value(parseIpAddrJson(withEmpty))).toEqual(EXPECTED);
  });

  it('typed errors: not JSON, not an array, a link without ifname, a bad address', () => {
    expect(parseIpAddrJson('Device "nosuch" does not exist.')).toMatchObject({ ok: false, error: { code: 'bad-json' } });
    expect(parseIpAddrJson('{"ifindex":1}')).toMatchObject({ ok: false, error: { code: 'bad-shape' } });
    expect(parseIpAddrJson('[{"ifindex":1}]')).toMatchObject({ ok: false, error: { code: 'bad-shape' } });
    expect(parseIpAddrJson('[{"ifindex":1,"ifname":"x","addr_info":[{"family":"inet","local":"1.2.3","prefixlen":8}]}]')).toMatchObject({
      ok: false, error: { code: 'bad-address' },
    });
  });

  it('tolerates unknown fields and other address families', () => {
    const text = '[{"ifindex":7,"ifname":"m0","new_field":1,"addr_info":[{"family":"mpls","prefixlen":0},{"family":"inet6","local":"2001:2:0:0:0:0:0:9","prefixlen":64,"scope":"global","extra":true}]}]';
    expect(value(parseIpAddrJson(text))).toEqual([{ ifname: 'm0', ifindex: 7, state: null, flags: null, addresses: [a('2001:2::9', 64, 'global')] }]);
  });
});

describe('parseIpAddrOneline on real ip -o output', () => {
  it('ip -o link show + ip -o addr show together give the same result as the JSON', () => {
    expect(value(parseIpAddrOneline(fixture('ip-o-link-show.txt') + fixture('ip-o-addr-show.txt')))).toEqual(EXPECTED);
  });

  it('ip -o addr show alone: no link state, and the address-less pw1p is absent', () => {
    const noLink = EXPECTED.filter((i) => i.addresses.length > 0).map((i) => ({ ...i, state: null, flags: null }));
    expect(value(parseIpAddrOneline(fixture('ip-o-addr-show.txt')))).toEqual(noLink);
  });

  it('BusyBox ip -o addr show ("flags 02" instead of nodad) decodes the same addresses', () => {
    const text = fixture('busybox-ip-o-addr-show.txt');
    expect(text).toContain('scope global flags 02');
    const noLink = EXPECTED.filter((i) => i.addresses.length > 0).map((i) => ({ ...i, state: null, flags: null }));
    expect(value(parseIpAddrOneline(text))).toEqual(noLink);
  });

  it('BusyBox hex flags carry tentative (0x40), dadfailed (0x08) and deprecated (0x20)', () => {
    const text = '9: eth9    inet6 2001:2::9/64 scope global flags 48 \\       valid_lft forever preferred_lft forever';
    expect(value(parseIpAddrOneline(text))[0]?.addresses).toEqual([a('2001:2::9', 64, 'global', { tentative: true, dadfailed: true })]);
  });

  it('typed errors with line numbers; blank lines ignored', () => {
    expect(parseIpAddrOneline('\nnot an ip line')).toMatchObject({ ok: false, error: { code: 'bad-line', line: 2 } });
    expect(parseIpAddrOneline('1: lo    inet 127.0.0.256/8 scope host lo\\')).toMatchObject({ ok: false, error: { code: 'bad-address', line: 1 } });
    expect(parseIpAddrOneline('1: lo    inet6 ::1/129 scope host \\')).toMatchObject({ ok: false, error: { code: 'bad-address' } });
    expect(parseIpAddrOneline('')).toEqual({ ok: true, value: [] });
  });

  it('a 100k-character line parses without catastrophic backtracking', () => {
    const texts = [
      `3: pw0    inet 198.18.0.2/24 ${'secondary '.repeat(10_000)}pw0\\`,
      `3: pw0    inet6 ${'1'.repeat(100_000)}/64 scope global\\`,
      `${'9'.repeat(100_000)}: x`,
    ];
    for (const text of texts) {
      const start = performance.now();
      expect(() => parseIpAddrOneline(text)).not.toThrow();
      expect(performance.now() - start).toBeLessThan(1000);
    }
    expect(value(parseIpAddrOneline(texts[0]!))[0]?.addresses[0]).toMatchObject({ secondary: true, label: 'pw0' });
  });
});
