import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSsListeners, parseSsListenersOnPort, parseUsers, type SsListener, type SsOptions } from '../../../shared/common/parsers/ss';
import { Listener } from '../../../shared/common/schema/listener';

// Fixtures: test/fixtures/ss/README.md (iproute2-6.1.0, Linux 6.18, netns pwparse).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ss/${name}`, import.meta.url), 'utf8');

function listeners(text: string, options?: SsOptions): SsListener[] {
  const r = parseSsListeners(text, options);
  if (!r.ok) throw new Error(`parse failed: ${r.error.message}`);
  return r.value;
}

const LAB = 20844; // pw-lab's PID in this capture
type Row = [address: string, port: number, family: 4 | 6, v6only: boolean | null, device: string | null, uid: number, inode: number, processes: [string, number][], cgroup: string, recvQ: number, sendQ: number];
const row = ([address, port, family, v6only, device, uid, inode, processes, cgroup, recvQ, sendQ]: Row): SsListener => ({
  address, port, family, v6only, device, uid, inode, processes: processes.map(([name, pid]) => ({ name, pid })), cgroup, recvQ, sendQ,
});

// `ss -Htlnpe`, in the order ss printed it.
const EXPECTED_V4: Row[] = [
  ['198.18.0.2', 47113, 4, null, null, 0, 162240, [['pw-lab', LAB]], '/', 2, 1],
  ['127.0.0.1', 47118, 4, null, null, 0, 163522, [['pw-cgroup', 20863]], '/portwise.slice/pw-fixture.service', 0, 128],
  ['127.0.0.1', 47104, 4, null, null, 0, 162231, [['pw-lab', LAB]], '/', 0, 128],
  ['127.0.0.53', 47109, 4, null, 'lo', 0, 162236, [['pw-lab', LAB]], '/', 0, 128],
  ['0.0.0.0', 47101, 4, null, null, 0, 162228, [['pw-lab', LAB]], '/', 0, 128],
  ['0.0.0.0', 47116, 4, null, null, 65534, 163520, [['pw-nobody', 20859]], '/', 0, 128],
  ['0.0.0.0', 47115, 4, null, null, 0, 163513, [['pw srv,"a"(b', 20857]], '/', 0, 128],
  ['0.0.0.0', 47114, 4, null, null, 0, 163508, [['pw-prefork', 20864], ['pw-prefork', 20853]], '/', 0, 128],
  ['0.0.0.0', 47107, 4, null, 'lo', 0, 162234, [['pw-lab', LAB]], '/', 0, 128],
  ['198.18.0.3', 47120, 4, null, null, 0, 163517, [['a",pid=9,fd=9', 20858]], '/', 0, 128],
];
const EXPECTED_V6: Row[] = [
  ['::ffff:127.0.0.1', 47106, 6, false, null, 0, 162233, [['pw-lab', LAB]], '/', 0, 128],
  ['2001:2::2', 47112, 6, true, null, 0, 162239, [['pw-lab', LAB]], '/', 0, 128],
  ['::', 47103, 6, false, null, 0, 162230, [['pw-lab', LAB]], '/', 0, 128],
  ['::', 47102, 6, true, null, 0, 162229, [['pw-lab', LAB]], '/', 0, 128],
  ['::', 47117, 6, false, null, 65534, 163521, [['pw-nobody', 20859]], '/', 0, 128],
  ['::', 47111, 6, true, 'lo', 0, 162238, [['pw-lab', LAB]], '/', 0, 128],
  ['::', 47108, 6, false, 'lo', 0, 162235, [['pw-lab', LAB]], '/', 0, 128],
  ['2001:2::abcd:ef01:2345:6789', 47121, 6, true, null, 0, 162241, [['pw-lab', LAB]], '/', 0, 128],
  ['fe80::1', 47110, 6, true, 'pw0', 0, 162237, [['pw-lab', LAB]], '/', 0, 128],
  ['::1', 47105, 6, true, null, 0, 162232, [['pw-lab', LAB]], '/', 0, 128],
];
const EXPECTED = [...EXPECTED_V4, ...EXPECTED_V6].map(row);

describe('parseSsListeners on real ss -Htlnpe (iproute2 6.1)', () => {
  it('decodes every listener form exactly', () => {
    expect(listeners(fixture('ss-Htlnpe.txt'))).toEqual(EXPECTED);
  });

  it('returns records that are valid Listener values', () => {
    for (const l of listeners(fixture('ss-Htlnpe.txt'))) expect(Listener.safeParse(l).success).toBe(true);
  });

  it('reads [::] as v6-only and * as dual-stack, agreeing with v6only:', () => {
    const text = fixture('ss-Htlnpe.txt');
    const byPort = new Map(listeners(text).map((l) => [l.port, l]));
    expect(text).toMatch(/ \[::\]:47102 .* v6only:1 /);
    expect(text).toMatch(/ \*:47103 .* v6only:0 /);
    expect(byPort.get(47102)).toMatchObject({ address: '::', v6only: true });
    expect(byPort.get(47103)).toMatchObject({ address: '::', v6only: false });
  });

  it('reads accept queue and backlog from Recv-Q/Send-Q', () => {
    expect(listeners(fixture('ss-Htlnpe.txt'))[0]).toMatchObject({ port: 47113, recvQ: 2, sendQ: 1 });
  });
});

describe('parseSsListeners on the other captured forms', () => {
  it('drops the header of ss -tlnpe (no -H) and reads the same listeners', () => {
    const text = fixture('ss-tlnpe-with-header.txt');
    expect(text.split('\n')[0]).toMatch(/^State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:PortProcess\s*$/);
    expect(listeners(text)).toEqual(EXPECTED);
  });

  it('ss -Htlnpe4 / -Htlnpe6 with the matching family hint', () => {
    expect(listeners(fixture('ss-Htlnpe4.txt'), { family: 4 })).toEqual(EXPECTED_V4.map(row));
    expect(listeners(fixture('ss-Htlnpe6.txt'), { family: 6 })).toEqual(EXPECTED_V6.map(row));
  });

  it('an unmatched filter prints nothing: no listeners, not an error', () => {
    expect(fixture('ss-Htlnpe-sport-47199-no-match.txt')).toBe('');
    expect(listeners(fixture('ss-Htlnpe-sport-47199-no-match.txt'))).toEqual([]);
  });

  it('a socket shared by a pre-fork parent and worker lists both processes', () => {
    expect(listeners(fixture('ss-Htlnpe-sport-47114-prefork.txt'))).toEqual([
      row(['0.0.0.0', 47114, 4, null, null, 0, 163508, [['pw-prefork', 20864], ['pw-prefork', 20853]], '/', 0, 128]),
    ]);
  });

  it('skips the udp line of the Netid form and keeps tcp listeners', () => {
    const text = fixture('ss-Htulnpe-netid-column.txt');
    expect(text.split('\n')[0]).toMatch(/^udp\s+UNCONN /);
    expect(listeners(text)).toEqual(EXPECTED);
  });

  it('skips ESTAB lines of ss -Htanpe', () => {
    const text = fixture('ss-Htanpe-all-states.txt');
    expect(text).toMatch(/^ESTAB /m);
    expect(listeners(text)).toEqual(EXPECTED);
  });

  it('as nobody: no users:(...) at all, uid:65534 only on nobody-owned sockets (absent uid: = root)', () => {
    const expected = EXPECTED.map((l) => ({ ...l, processes: [] }));
    expect(listeners(fixture('ss-Htlnpe-as-nobody.txt'))).toEqual(expected);
  });
});

// Hand-made lines (not captured): formats of other iproute2 versions, per catalog §4.1.
describe('parseSsListeners: hand-made lines', () => {
  const one = (line: string, options?: SsOptions) => {
    const all = listeners(line, options);
    expect(all).toHaveLength(1);
    return all[0]!;
  };

  it('old labelless users:(("sshd",3965,3)) format (catalog §4.1 [src])', () => {
    expect(one('LISTEN     0      128                       *:22                       *:*      users:(("sshd",3965,3))')).toMatchObject({
      processes: [{ name: 'sshd', pid: 3965 }],
    });
  });

  it('without -e: no uid, inode, cgroup; [::] still v6-only and * dual-stack from the notation', () => {
    expect(one('LISTEN 0      4096      [::]:22   [::]:*')).toEqual({
      address: '::', port: 22, family: 6, v6only: true, device: null, uid: null, inode: null, processes: [], cgroup: null, recvQ: 0, sendQ: 4096,
    });
    expect(one('LISTEN 0      4096      *:22   *:*')).toMatchObject({ address: '::', family: 6, v6only: false });
    expect(one('LISTEN 0      4096      [::1]:22   [::]:*')).toMatchObject({ address: '::1', v6only: null });
  });

  it('old iproute2: `*:22` for IPv4 any (caller ran ss -4) and unbracketed `:::22` (v6only unknown)', () => {
    expect(one('LISTEN     0      128      *:22      *:*', { family: 4 })).toMatchObject({ address: '0.0.0.0', family: 4, v6only: null });
    expect(one('LISTEN     0      128      :::22     :::*')).toMatchObject({ address: '::', family: 6, v6only: null });
  });

  it('an explicit v6only: wins over the notation', () => {
    expect(one('LISTEN 0 128 [::]:22 [::]:* ino:1 v6only:0')).toMatchObject({ v6only: false });
  });

  it('zone inside the brackets ([fe80::1%eth0]:22) and IPv6 canonicalisation', () => {
    expect(one('LISTEN 0 128 [FE80:0::1%eth0]:22 [::]:*')).toMatchObject({ address: 'fe80::1', device: 'eth0', family: 6 });
  });

  it('names with a `)` that other builds could print are still split right', () => {
    expect(one('LISTEN 0 128 0.0.0.0:80 0.0.0.0:* users:(("a",pid=1,fd=2)",pid=77,fd=3),("b c",pid=78,fd=3)) ino:5')).toMatchObject({
      processes: [{ name: 'a",pid=1,fd=2)', pid: 77 }, { name: 'b c', pid: 78 }],
      inode: 5,
    });
  });

  it('tolerates unknown extended fields, CRLF and the users field after the -e bag', () => {
    expect(one('LISTEN 0 128 0.0.0.0:80 0.0.0.0:* ino:9 fwmark:0x1 timer:(keepalive,1min,0) users:(("nginx",pid=5,fd=6,proc_ctx=unconfined)) <->\r')).toMatchObject({
      inode: 9, uid: 0, processes: [{ name: 'nginx', pid: 5 }],
    });
  });
});

describe('parseSsListeners: malformed input (typed errors, never throws)', () => {
  it('a line that is not "[Netid] State Recv-Q Send-Q Local Peer" fails with its line number', () => {
    const r = parseSsListeners('LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nss: invalid option -- \'H\'\n');
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-line', line: 2 } });
  });

  it('service names instead of ports (ss without -n) and non-addresses are bad-address', () => {
    expect(parseSsListeners('LISTEN 0 128 0.0.0.0:ssh 0.0.0.0:*')).toMatchObject({ ok: false, error: { code: 'bad-address', line: 1 } });
    expect(parseSsListeners('LISTEN 0 128 localhost:22 0.0.0.0:*')).toMatchObject({ ok: false, error: { code: 'bad-address' } });
    expect(parseSsListeners('LISTEN 0 128 [::1:22 [::]:*')).toMatchObject({ ok: false, error: { code: 'bad-address' } });
    expect(parseSsListeners('LISTEN 0 128 0.0.0.0:70000 0.0.0.0:*')).toMatchObject({ ok: false, error: { code: 'bad-address' } });
  });

  it('a users field that does not close is bad-users', () => {
    expect(parseSsListeners('LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3)')).toMatchObject({ ok: false, error: { code: 'bad-users' } });
  });

  it('only whitespace is no listeners', () => {
    expect(parseSsListeners('\n  \n')).toEqual({ ok: true, value: [] });
  });
});

describe('parseSsListenersOnPort: one port\'s listeners, every line still read', () => {
  it('keeps the listeners parseSsListeners has on the port, in order, and counts the others', () => {
    for (const [name, options] of [['ss-Htlnpe.txt', {}], ['ss-Htlnpe4.txt', { family: 4 }], ['ss-Htlnpe6.txt', { family: 6 }], ['ss-Htulnpe-netid-column.txt', {}]] as const) {
      const all = listeners(fixture(name), options);
      for (const port of [...new Set(all.map((l) => l.port))]) {
        const mine = all.filter((l) => l.port === port);
        expect(parseSsListenersOnPort(fixture(name), port, options), `${name} port ${port}`).toEqual({ ok: true, value: { listeners: mine, others: all.length - mine.length } });
      }
      expect(parseSsListenersOnPort(fixture(name), 1, options)).toEqual({ ok: true, value: { listeners: [], others: all.length } });
    }
  });

  it('a listener of two processes on the wanted port keeps both', () => {
    const r = parseSsListenersOnPort(fixture('ss-Htlnpe4.txt'), 47114, { family: 4 });
    expect(r.ok && r.value.listeners.map((l) => l.processes)).toEqual([[{ name: 'pw-prefork', pid: 20864 }, { name: 'pw-prefork', pid: 20853 }]]);
  });

  const good = 'LISTEN 0 128 0.0.0.0:5432 0.0.0.0:* users:(("postgres",pid=7,fd=5))';

  it('a line it cannot read as a listener fails the parse on any port, with the same error as parseSsListeners', () => {
    for (const bad of ['LISTEN 0 128 999.0.0.1:80 0.0.0.0:*', 'LISTEN 0 128 0.0.0.0:http 0.0.0.0:*', 'LISTEN x 128 0.0.0.0:80 0.0.0.0:*', 'LISTEN 0 128 0.0.0.0:80', 'nothing like ss']) {
      const text = `${good}\n${bad}\n`;
      const whole = parseSsListeners(text);
      expect(whole.ok, bad).toBe(false);
      expect(parseSsListenersOnPort(text, 5432)).toEqual(whole);
    }
  });

  it('reads the processes of a listener on the port, and not those of one on another port', () => {
    const badUsers = (port: number) => `LISTEN 0 128 0.0.0.0:${port} 0.0.0.0:* users:(("nginx,pid=1,fd=6))`;
    expect(parseSsListenersOnPort(`${good}\n${badUsers(80)}\n`, 5432)).toMatchObject({ ok: true, value: { listeners: [{ port: 5432, processes: [{ name: 'postgres', pid: 7 }] }], others: 1 } });
    const onPort = `${good}\n${badUsers(5432)}\n`;
    expect(parseSsListenersOnPort(onPort, 5432)).toEqual(parseSsListeners(onPort));
    expect(parseSsListenersOnPort(onPort, 5432)).toMatchObject({ ok: false, error: { code: 'bad-users', line: 2 } });
  });
});

describe('parseSsListeners: adversarial sizes (linear time)', () => {
  const timed = (f: () => unknown) => {
    const start = performance.now();
    expect(f).not.toThrow();
    return performance.now() - start;
  };

  it('100k characters of quotes, near-miss tuples and many tuples stay well under a second', () => {
    const quotes = `LISTEN 0 128 0.0.0.0:1 0.0.0.0:* users:(("${'"'.repeat(100_000)}`;
    const nearMiss = `LISTEN 0 128 0.0.0.0:1 0.0.0.0:* users:(${'("a",pid=1,fd=1),'.repeat(6_000)}("x",pid=1,fd=1`;
    const many = `LISTEN 0 128 0.0.0.0:1 0.0.0.0:* users:(${Array.from({ length: 6_000 }, (_, i) => `("w",pid=${i},fd=3)`).join(',')}) ino:1`;
    const spaces = `LISTEN 0 128 0.0.0.0:1 0.0.0.0:*${' x:'.repeat(34_000)}`;
    for (const line of [quotes, nearMiss, many, spaces]) {
      expect(line.length).toBeGreaterThanOrEqual(100_000);
      expect(timed(() => parseSsListeners(line))).toBeLessThan(1000);
    }
    expect(parseSsListeners(quotes)).toMatchObject({ ok: false, error: { code: 'bad-users' } });
    expect(parseSsListeners(nearMiss)).toMatchObject({ ok: false, error: { code: 'bad-users' } });
    const r = parseSsListeners(many);
    expect(r.ok && r.value[0]?.processes.length).toBe(6_000);
  });

  it('parseUsers stays linear on names that look like tuple ends', () => {
    // Every name has a near-miss end (a quote followed by ",pid=1,fd=1") and the field never closes.
    const text = `users:(${'("a",pid=1,fd=1"b",pid=1,fd=1),'.repeat(3_000)}`;
    expect(timed(() => parseUsers(text, 'users:('.length))).toBeLessThan(1000);
    expect(parseUsers(text, 'users:('.length)).toBeNull();
  });
});
