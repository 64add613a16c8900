import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIpRouteGet, parseIpRouteGetJson, type IpRoute } from '../../../shared/common/parsers/ip-route';

// Fixtures: test/fixtures/ip/README.md (iproute2 6.1 and BusyBox 1.35 in netns pwparse, Linux 6.18).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip/${name}`, import.meta.url), 'utf8');

const route = (type: IpRoute['type'], destination: string, dev: string, src: string, via: string | null = null): IpRoute => ({
  type, rawType: type, destination, family: destination.includes(':') ? 6 : 4, dev, src, via,
});

// Successful queries: both the text and the -j capture must decode to this.
const OK_CASES: [name: string, expected: IpRoute][] = [
  ['v4-local-198.18.0.2', route('local', '198.18.0.2', 'lo', '198.18.0.2')],
  ['v4-local-secondary-198.18.0.3', route('local', '198.18.0.3', 'lo', '198.18.0.2')],
  ['v4-local-on-down-link-198.18.1.1', route('local', '198.18.1.1', 'lo', '198.18.1.1')],
  ['v4-local-loopback-127.0.0.1', route('local', '127.0.0.1', 'lo', '127.0.0.1')],
  ['v4-unicast-via-gateway-198.19.1.1', route('unicast', '198.19.1.1', 'pw0', '198.18.0.2', '198.18.0.1')],
  ['v4-unicast-on-link-198.18.0.9', route('unicast', '198.18.0.9', 'pw0', '198.18.0.2')],
  ['v6-local-2001_2__2', route('local', '2001:2::2', 'lo', '2001:2::2')],
  ['v6-local-link-local-fe80__1', route('local', 'fe80::1', 'lo', 'fe80::1')],
  ['v6-unicast-via-gateway-2001_2_0_2__9', route('unicast', '2001:2:0:2::9', 'pw0', '2001:2::abcd:ef01:2345:6789', '2001:2::1')],
  ['v6-unicast-on-link-2001_2__9', route('unicast', '2001:2::9', 'pw0', '2001:2::abcd:ef01:2345:6789')],
];

const ERROR_CASES: [name: string, code: string, message: string][] = [
  ['v4-network-unreachable-no-default-198.19.1.1', 'network-unreachable', 'RTNETLINK answers: Network is unreachable'],
  ['v6-network-unreachable-2001_2_0_9__1', 'network-unreachable', 'RTNETLINK answers: Network is unreachable'],
  ['v4-unreachable-route-198.18.5.1', 'no-route-to-host', 'RTNETLINK answers: No route to host'],
  ['v6-unreachable-route-2001_2_0_5__1', 'no-route-to-host', 'RTNETLINK answers: No route to host'],
  ['v4-prohibit-route-198.18.6.1', 'permission-denied', 'RTNETLINK answers: Permission denied'],
  ['v6-prohibit-route-2001_2_0_6__1', 'permission-denied', 'RTNETLINK answers: Permission denied'],
  ['v4-blackhole-route-198.18.7.1', 'invalid-argument', 'RTNETLINK answers: Invalid argument'],
  ['v6-blackhole-route-2001_2_0_7__1', 'invalid-argument', 'RTNETLINK answers: Invalid argument'],
  ['bad-target-300.1.1.1', 'ip-error', 'Error: any valid prefix is expected rather than "300.1.1.1".'],
];

describe('parseIpRouteGet / parseIpRouteGetJson on real ip route get output', () => {
  it.each(OK_CASES)('route-get-%s (text and -j)', (name, expected) => {
    expect(parseIpRouteGet(fixture(`route-get-${name}.txt`))).toEqual({ ok: true, value: expected });
    expect(parseIpRouteGetJson(fixture(`route-get-${name}.json`))).toEqual({ ok: true, value: expected });
  });

  it.each(ERROR_CASES)('route-get-%s is a typed error (%s), for both parsers', (name, code, message) => {
    const text = fixture(`route-get-${name}.txt`);
    expect(parseIpRouteGet(text)).toEqual({ ok: false, error: { code, message, line: 1 } });
    // `ip -j route get` fails with the very same stderr.
    expect(parseIpRouteGetJson(text)).toEqual({ ok: false, error: { code, message, line: 1 } });
  });

  it('the exit statuses recorded with the capture match: 0 for routes, 2 for RTNETLINK errors', () => {
    const status = fixture('exit-status.txt');
    expect(status).toContain('route-get-v4-local-198.18.0.2.txt exit 0');
    expect(status).toContain('route-get-v6-network-unreachable-2001_2_0_9__1.txt exit 2');
    expect(status).toContain('route-get-bad-target-300.1.1.1.txt exit 1');
  });
});

describe('parseIpRouteGet on real BusyBox ip route get output', () => {
  it('double spaces, no uid/cache, and the "ip: " prefix on errors', () => {
    expect(parseIpRouteGet(fixture('busybox-route-get-v4-local-198.18.0.2.txt'))).toEqual({ ok: true, value: route('local', '198.18.0.2', 'lo', '198.18.0.2') });
    expect(parseIpRouteGet(fixture('busybox-route-get-v4-unicast-via-gateway-198.19.1.1.txt'))).toEqual({
      ok: true, value: route('unicast', '198.19.1.1', 'pw0', '198.18.0.2', '198.18.0.1'),
    });
    expect(parseIpRouteGet(fixture('busybox-route-get-v6-local-2001_2__2.txt'))).toEqual({ ok: true, value: route('local', '2001:2::2', 'lo', '2001:2::2') });
    expect(parseIpRouteGet(fixture('busybox-route-get-v4-unreachable-route-198.18.5.1.txt'))).toEqual({
      ok: false, error: { code: 'no-route-to-host', message: 'ip: RTNETLINK answers: No route to host', line: 1 },
    });
  });
});

// Hand-made: forms this kernel no longer prints.
describe('parseIpRouteGet: hand-made lines', () => {
  it('old kernels answered an IPv6 query with the unreachable route itself (error -101)', () => {
    const text = 'unreachable 2001:2:0:9::1 from :: dev lo table unspec proto kernel src 2001:2::2 metric 4294967295 error -101 pref medium\n';
    expect(parseIpRouteGet(text)).toEqual({ ok: true, value: { type: 'unreachable', rawType: 'unreachable', destination: '2001:2:0:9::1', family: 6, dev: 'lo', src: '2001:2::2', via: null } });
  });

  it('other types are "other" with the raw word; `via inet6` next hops; unknown flags tolerated', () => {
    expect(parseIpRouteGet('broadcast 198.18.0.255 dev pw0 table local src 198.18.0.2 uid 0\n    cache <local,brd>')).toMatchObject({
      ok: true, value: { type: 'other', rawType: 'broadcast', dev: 'pw0' },
    });
    expect(parseIpRouteGet('198.19.1.1 via inet6 FE80::1 dev pw0 src 198.18.0.2 onlink uid 0')).toMatchObject({ ok: true, value: { via: 'fe80::1', dev: 'pw0' } });
  });

  it('-j: the RFC 5549 via object, an unknown RTNETLINK errno, empty and non-JSON output', () => {
    expect(parseIpRouteGetJson('[{"dst":"198.19.1.1","via":{"family":"inet6","host":"fe80::1"},"dev":"pw0","flags":["onlink"]}]')).toMatchObject({
      ok: true, value: { type: 'unicast', via: 'fe80::1', src: null },
    });
    expect(parseIpRouteGetJson('RTNETLINK answers: Operation not supported')).toMatchObject({ ok: false, error: { code: 'rtnetlink-error' } });
    expect(parseIpRouteGetJson('[]')).toMatchObject({ ok: false, error: { code: 'empty' } });
    expect(parseIpRouteGetJson('')).toMatchObject({ ok: false, error: { code: 'empty' } });
    expect(parseIpRouteGetJson('[{"dst":')).toMatchObject({ ok: false, error: { code: 'bad-json' } });
    expect(parseIpRouteGetJson('[{"type":"local"}]')).toMatchObject({ ok: false, error: { code: 'bad-json' } });
  });

  it('text: empty output, a destination that is not an address', () => {
    expect(parseIpRouteGet('')).toMatchObject({ ok: false, error: { code: 'empty' } });
    expect(parseIpRouteGet('default via 198.18.0.1 dev pw0')).toMatchObject({ ok: false, error: { code: 'bad-output', line: 1 } });
  });

  it('a 100k-character line parses without catastrophic backtracking', () => {
    const texts = [`local 198.18.0.2 dev lo${' onlink'.repeat(15_000)} src 198.18.0.2`, `${'a'.repeat(100_000)}`, `RTNETLINK answers: ${'x'.repeat(100_000)}`];
    for (const text of texts) {
      const start = performance.now();
      expect(() => parseIpRouteGet(text)).not.toThrow();
      expect(() => parseIpRouteGetJson(text)).not.toThrow();
      expect(performance.now() - start).toBeLessThan(1000);
    }
    expect(parseIpRouteGet(texts[0]!)).toMatchObject({ ok: true, value: { src: '198.18.0.2' } });
  });
});
