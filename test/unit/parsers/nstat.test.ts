import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffCounters, parseNstat, parseNstatJson, parseProcNetstat, type Counters } from '../../../shared/common/parsers/nstat';

// Fixtures: test/fixtures/nstat/README.md (iproute2 6.1 nstat, Linux 6.18, fresh netns pwparse).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/nstat/${name}`, import.meta.url), 'utf8');

function value(r: { ok: true; value: Counters } | { ok: false; error: { message: string } }): Counters {
  if (!r.ok) throw new Error(`parse failed: ${r.error.message}`);
  return r.value;
}

const nonZero = (c: Counters) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== 0));

// A fresh namespace: only the IPv6 neighbour discovery / MLD of bringing the lab links up.
const LINK_SETUP = {
  Ip6InReceives: 13, Ip6OutRequests: 13, Ip6InMcastPkts: 13, Ip6OutMcastPkts: 13, Ip6InOctets: 1240, Ip6OutOctets: 1240,
  Ip6InMcastOctets: 1240, Ip6OutMcastOctets: 1240, Ip6InNoECTPkts: 13, Ip6OutTransmits: 13, Icmp6OutMsgs: 13,
  Icmp6OutRouterSolicits: 2, Icmp6OutNeighborSolicits: 2, Icmp6OutMLDv2Reports: 9, Icmp6OutType133: 2, Icmp6OutType135: 2, Icmp6OutType143: 9,
};
// Every counter the overflow run moved.
const MOVED = {
  IpInReceives: 9, IpInDelivers: 9, IpOutRequests: 9, IpOutTransmits: 9,
  TcpActiveOpens: 4, TcpPassiveOpens: 1, TcpInSegs: 9, TcpOutSegs: 6, TcpRetransSegs: 3,
  TcpExtListenOverflows: 6, TcpExtListenDrops: 6, TcpExtTCPPureAcks: 1, TcpExtTCPTimeouts: 3,
  TcpExtTCPSynRetrans: 3, TcpExtTCPDelivered: 1, TcpExtTcpTimeoutRehash: 3,
  IpExtInOctets: 532, IpExtOutOctets: 532, IpExtInNoECTPkts: 9,
};

describe('parseNstat on real nstat -az', () => {
  it('reads all 393 counters of a fresh namespace; only the link setup moved any', () => {
    const before = value(parseNstat(fixture('nstat-az-before.txt')));
    expect(Object.keys(before)).toHaveLength(393);
    expect(nonZero(before)).toEqual(LINK_SETUP);
    expect(before['TcpExtListenOverflows']).toBe(0);
  });

  it('after the accept-queue overflow', () => {
    const after = value(parseNstat(fixture('nstat-az-after-overflow.txt')));
    expect(nonZero(after)).toEqual({ ...LINK_SETUP, ...MOVED });
  });

  it('nstat -az NAME... lists only the asked counters', () => {
    expect(value(parseNstat(fixture('nstat-az-listen-counters.txt')))).toEqual({ TcpExtListenOverflows: 6, TcpExtListenDrops: 6, TcpExtTCPReqQFullDrop: 0 });
  });

  it('nstat -azj holds the same counters as the text form', () => {
    expect(value(parseNstatJson(fixture('nstat-azj.json')))).toEqual(value(parseNstat(fixture('nstat-az-after-overflow.txt'))));
  });
});

describe('diffCounters', () => {
  it('before/after deltas of the real captures', () => {
    const before = value(parseNstat(fixture('nstat-az-before.txt')));
    const after = value(parseNstat(fixture('nstat-az-after-overflow.txt')));
    const delta = diffCounters(before, after);
    expect(Object.keys(delta)).toHaveLength(393);
    expect(nonZero(delta)).toEqual(MOVED);
  });

  it('a counter missing before counts from 0; a reset gives a negative delta; keys only in before are dropped', () => {
    expect(diffCounters({ A: 5, Gone: 1 }, { A: 3, New: 2 })).toEqual({ A: -2, New: 2 });
  });

  it('prototype names are plain keys', () => {
    const delta = diffCounters({ constructor: 1 }, { constructor: 4, __proto__: 2, toString: 1 } as unknown as Counters);
    expect(delta['constructor']).toBe(3);
    expect(delta['toString']).toBe(1);
  });
});

describe('parseProcNetstat on real /proc/net/netstat and /proc/net/snmp', () => {
  it('/proc/net/netstat gives nstat names and the same values as nstat -az', () => {
    const proc = value(parseProcNetstat(fixture('proc-net-netstat.txt')));
    const nstat = value(parseNstat(fixture('nstat-az-after-overflow.txt')));
    expect(proc['TcpExtListenOverflows']).toBe(6);
    expect(proc['TcpExtListenDrops']).toBe(6);
    expect(proc['IpExtInOctets']).toBe(532);
    expect(proc['MPTcpExtMPCapableSYNRX']).toBe(0);
    for (const [name, v] of Object.entries(proc)) expect([name, nstat[name]]).toEqual([name, v]);
  });

  it('/proc/net/snmp: signed fields (TcpMaxConn -1) and fields nstat does not print', () => {
    const snmp = value(parseProcNetstat(fixture('proc-net-snmp.txt')));
    expect(snmp).toMatchObject({ TcpMaxConn: -1, TcpRtoMin: 200, IpForwarding: 2, IpDefaultTTL: 64, TcpActiveOpens: 4, TcpPassiveOpens: 1, UdpInDatagrams: 0 });
    expect(value(parseNstat(fixture('nstat-az-after-overflow.txt')))['TcpMaxConn']).toBeUndefined();
  });

  it('/proc/net/snmp6 NAME VALUE lines (hand-made)', () => {
    expect(value(parseProcNetstat('Ip6InReceives                   \t12\nIp6InHdrErrors                  \t0\n'))).toEqual({ Ip6InReceives: 12, Ip6InHdrErrors: 0 });
  });
});

describe('malformed counters input (typed errors)', () => {
  it('nstat text', () => {
    expect(parseNstat('#kernel\nTcpExtListenDrops x 0.0')).toMatchObject({ ok: false, error: { code: 'bad-line', line: 2 } });
    expect(parseNstat('RTNETLINK answers: Operation not permitted')).toMatchObject({ ok: false, error: { code: 'bad-line', line: 1 } });
    expect(parseNstat('')).toEqual({ ok: true, value: {} });
  });

  it('nstat JSON', () => {
    expect(parseNstatJson('{')).toMatchObject({ ok: false, error: { code: 'bad-json' } });
    expect(parseNstatJson('{"kernel":[1]}')).toMatchObject({ ok: false, error: { code: 'bad-json' } });
    expect(parseNstatJson('{"kernel":{"A":"1"}}')).toMatchObject({ ok: false, error: { code: 'bad-json' } });
  });

  it('/proc/net/netstat: a header without its values line, or a count mismatch', () => {
    expect(parseProcNetstat('TcpExt: A B\nIpExt: 1 2')).toMatchObject({ ok: false, error: { code: 'mismatched-lines', line: 1 } });
    expect(parseProcNetstat('TcpExt: A B\nTcpExt: 1')).toMatchObject({ ok: false, error: { code: 'mismatched-lines', line: 2 } });
    expect(parseProcNetstat('TcpExt: A B\nTcpExt: 1 x')).toMatchObject({ ok: false, error: { code: 'bad-line', line: 2 } });
  });

  it('a 100k-character header line parses without catastrophic backtracking', () => {
    const names = Array.from({ length: 12_000 }, (_, i) => `Counter${i}`);
    const texts = [`TcpExt: ${names.join(' ')}\nTcpExt: ${names.map(() => '1').join(' ')}`, `TcpExt: ${' '.repeat(100_000)}x`, `${'A'.repeat(100_000)} 1`];
    for (const text of texts) {
      expect(text.length).toBeGreaterThanOrEqual(100_000);
      const start = performance.now();
      expect(() => parseProcNetstat(text)).not.toThrow();
      expect(() => parseNstat(text)).not.toThrow();
      expect(performance.now() - start).toBeLessThan(1000);
    }
    expect(Object.keys(value(parseProcNetstat(texts[0]!)))).toHaveLength(12_000);
  });
});
