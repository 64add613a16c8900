import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetstatListeners, type NetstatOptions } from '../../../shared/common/parsers/netstat';
import { Listener } from '../../../shared/common/schema/listener';

// Fixtures: test/fixtures/netstat/README.md (same listeners as the ss fixtures).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/netstat/${name}`, import.meta.url), 'utf8');

function listeners(text: string, options?: NetstatOptions): Listener[] {
  const r = parseNetstatListeners(text, options);
  if (!r.ok) throw new Error(`parse failed: ${r.error.message}`);
  return r.value;
}

type Row = [address: string, port: number, family: 4 | 6, v6only: boolean | null, pid: number];
// In netstat's order. net-tools hides the device (47107, 47109, 47110) and cannot tell v6-only
// from dual-stack (`:::47102` vs `:::47103`); only the v4-mapped 47106 is known (not v6-only).
const ROWS: Row[] = [
  ['198.18.0.2', 47113, 4, null, 20844],
  ['127.0.0.1', 47118, 4, null, 20863],
  ['127.0.0.1', 47104, 4, null, 20844],
  ['127.0.0.53', 47109, 4, null, 20844],
  ['0.0.0.0', 47101, 4, null, 20844],
  ['0.0.0.0', 47116, 4, null, 20859],
  ['0.0.0.0', 47115, 4, null, 20857],
  ['0.0.0.0', 47114, 4, null, 20853],
  ['0.0.0.0', 47107, 4, null, 20844],
  ['198.18.0.3', 47120, 4, null, 20858],
  ['::ffff:127.0.0.1', 47106, 6, false, 20844],
  ['2001:2::2', 47112, 6, null, 20844],
  ['::', 47103, 6, null, 20844],
  ['::', 47102, 6, null, 20844],
  ['::', 47117, 6, null, 20859],
  ['::', 47111, 6, null, 20844],
  ['::', 47108, 6, null, 20844],
  ['2001:2::abcd:ef01:2345:6789', 47121, 6, null, 20844],
  ['fe80::1', 47110, 6, null, 20844],
  ['::1', 47105, 6, null, 20844],
];
// net-tools shows argv[0] ("pw lab: main (x)") cut to 19 characters with the PID.
const expected = (withProcess: boolean, ext?: { uid: number; inode: number }[]): Listener[] =>
  ROWS.map(([address, port, family, v6only, pid], i) => ({
    address, port, family, v6only, device: null,
    uid: ext?.[i]?.uid ?? null,
    inode: ext?.[i]?.inode ?? null,
    processes: withProcess ? [{ pid, name: 'pw lab: main' }] : [],
  }));

describe('parseNetstatListeners on real net-tools 2.10 output', () => {
  it('netstat -tlnpW: every listener, with PID/Program name', () => {
    const all = listeners(fixture('net-tools-netstat-tlnpW.txt'));
    expect(all).toEqual(expected(true));
    for (const l of all) expect(Listener.parse(l)).toEqual(l);
  });

  it('netstat -tlnpeW adds the User and Inode columns', () => {
    const inodes = [162240, 163522, 162231, 162236, 162228, 163520, 163513, 163508, 162234, 163517, 162233, 162239, 162230, 162229, 163521, 162238, 162235, 162241, 162237, 162232];
    const uids = ROWS.map(([, port]) => (port === 47116 || port === 47117 ? 65534 : 0));
    expect(listeners(fixture('net-tools-netstat-tlnpeW.txt'))).toEqual(expected(true, inodes.map((inode, i) => ({ inode, uid: uids[i]! }))));
  });

  it('as nobody, PID/Program name is "-" for every socket: no processes', () => {
    expect(listeners(fixture('net-tools-netstat-tlnpW-as-nobody.txt'))).toEqual(expected(false));
  });

  it('netstat -tlnp (not wide) cuts the long IPv6 address: truncated-address when the caller says so', () => {
    const text = fixture('net-tools-netstat-tlnp-not-wide.txt');
    expect(text).toContain('2001:2::abcd:ef01:47121 ');
    expect(parseNetstatListeners(text, { wide: false })).toMatchObject({ ok: false, error: { code: 'truncated-address', line: 20 } });
    // Read as if wide, the cut address looks valid, which is why -W matters (catalog §4.3).
    const asWide = listeners(text);
    expect(asWide.find((l) => l.port === 47121)?.address).toBe('2001:2::abcd:ef01');
    expect(asWide.filter((l) => l.port !== 47121)).toEqual(expected(true).filter((l) => l.port !== 47121));
  });

  it('wide: false accepts the wide capture when no address reaches the column width', () => {
    const narrow = fixture('net-tools-netstat-tlnpW.txt').split('\n').filter((l) => !l.includes('47121')).join('\n');
    expect(listeners(narrow, { wide: false })).toHaveLength(19);
  });
});

describe('parseNetstatListeners on real BusyBox 1.35 output', () => {
  it('netstat -tln: proto tcp for both families, v4-mapped printed as ::ffff:, no process column', () => {
    const all = listeners(fixture('busybox-netstat-tln.txt'));
    expect(all).toEqual(expected(false));
  });

  it('a BusyBox built without -p answers with usage text: not-netstat, never "no listeners"', () => {
    expect(parseNetstatListeners(fixture('busybox-netstat-tlnp-unsupported.txt'))).toMatchObject({ ok: false, error: { code: 'not-netstat' } });
  });
});

describe('parseNetstatListeners on HAND-WRITTEN macOS/FreeBSD lines (catalog §4.3)', () => {
  it('splits ADDR.PORT on the last dot; tcp46 is dual-stack, tcp6 v6-only; zone kept as device', () => {
    expect(listeners(fixture('bsd-netstat-an-p-tcp-HAND-WRITTEN.txt'))).toEqual([
      { address: '127.0.0.1', port: 5432, family: 4, v6only: null, device: null, uid: null, inode: null, processes: [] },
      { address: '::1', port: 5432, family: 6, v6only: true, device: null, uid: null, inode: null, processes: [] },
      { address: 'fe80::1', port: 5432, family: 6, v6only: true, device: 'lo0', uid: null, inode: null, processes: [] },
      { address: '::', port: 22, family: 6, v6only: false, device: null, uid: null, inode: null, processes: [] },
      { address: '0.0.0.0', port: 80, family: 4, v6only: null, device: null, uid: null, inode: null, processes: [] },
      { address: '::', port: 443, family: 6, v6only: true, device: null, uid: null, inode: null, processes: [] },
    ]);
  });
});

describe('parseNetstatListeners: hand-made and malformed lines', () => {
  const HEADER = 'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name';

  it('a program name with spaces, a user name instead of a uid, CRLF line ends', () => {
    const text = `${HEADER}\r\ntcp        0      0 0.0.0.0:5432            0.0.0.0:*               LISTEN      postgres   31337      812/postgres: 15/ma\r\n`;
    expect(listeners(text)).toEqual([
      { address: '0.0.0.0', port: 5432, family: 4, v6only: null, device: null, uid: null, inode: 31337, processes: [{ pid: 812, name: 'postgres: 15/ma' }] },
    ]);
  });

  it('an empty table (header only) is no listeners', () => {
    expect(parseNetstatListeners(`Active Internet connections (only servers)\n${HEADER}\n`)).toEqual({ ok: true, value: [] });
  });

  it('typed errors with line numbers', () => {
    expect(parseNetstatListeners(`${HEADER}\ntcp 0 0 0.0.0.0:ssh 0.0.0.0:* LISTEN -`)).toMatchObject({ ok: false, error: { code: 'bad-address', line: 2 } });
    expect(parseNetstatListeners(`${HEADER}\ntcp x 0 0.0.0.0:22 0.0.0.0:* LISTEN -`)).toMatchObject({ ok: false, error: { code: 'bad-line', line: 2 } });
    expect(parseNetstatListeners(`${HEADER}\ntcp6 0 0 fe80::zz:22 :::* LISTEN -`)).toMatchObject({ ok: false, error: { code: 'bad-address' } });
  });

  it('a 100k-character line parses without catastrophic backtracking', () => {
    const lines = [
      `${HEADER}\ntcp 0 0 0.0.0.0:22 0.0.0.0:* LISTEN 1/${'a '.repeat(50_000)}`,
      `${HEADER}\ntcp 0 0 0.0.0.0:22 0.0.0.0:* LISTEN ${'x'.repeat(100_000)}`,
      `${HEADER}\ntcp 0 0 ${':'.repeat(100_000)}:22 :::* LISTEN -`,
      `${HEADER}\n${'tcp '.repeat(25_000)}`,
    ];
    for (const text of lines) {
      const start = performance.now();
      expect(() => parseNetstatListeners(text)).not.toThrow();
      expect(performance.now() - start).toBeLessThan(1000);
    }
    const r = parseNetstatListeners(lines[0]!);
    expect(r.ok && r.value[0]?.processes[0]?.name.length).toBe(99_999);
  });
});
