import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave, parsePortList, type IptablesSource } from '../../../shared/common/parsers/iptables-save';
import { FirewallSnapshot, type FirewallRule } from '../../../shared/common/schema/firewall';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/firewall/${name}`, import.meta.url), 'utf8');
const SEQ = 'iptables-save/sequence';

function snapshot(text: string, source: IptablesSource = 'iptables-nft'): FirewallSnapshot {
  const r = parseIptablesSave(text, source);
  if (!r.ok) throw new Error(`parse failed: ${r.error.code} ${r.error.message}`);
  expect(FirewallSnapshot.parse(r.value)).toEqual(r.value);
  return r.value;
}

const row = (r: FirewallRule) => [r.table, r.chain, r.index, r.packets, r.action, r.target, r.rejectWith, r.protocol, r.dports, r.sources, r.destinations, r.inInterface, r.comment];

describe('parseIptablesSave on real iptables-nft-save -c (iptables 1.8.9, nf_tables)', () => {
  const snap = snapshot(fixture(`${SEQ}/10-1x-8089-legacy-reject/iptables-nft-save-c.txt`));

  it('decodes every rule of filter and nat, in listing order', () => {
    expect(snap.rules.map(row)).toEqual([
      ['filter', 'INPUT', 1, 0, 'accept', null, null, null, null, null, null, 'lo', null],
      ['filter', 'INPUT', 2, 3, 'accept', null, null, null, null, null, null, null, null],
      ['filter', 'INPUT', 3, 10, 'jump', 'KUBE-SERVICES', null, null, null, null, null, null, 'kubernetes service portals'],
      ['filter', 'INPUT', 4, 10, 'jump', 'KUBE-EXTERNAL-SERVICES', null, null, null, null, null, null, 'kubernetes externally-visible service portals'],
      ['filter', 'INPUT', 5, 1, 'jump', 'f2b-sshd', null, 'tcp', [[22, 22]], null, null, null, null],
      ['filter', 'INPUT', 6, 1, 'accept', null, null, 'tcp', [[8084, 8084]], null, null, null, 'lab control listener'],
      ['filter', 'INPUT', 7, 3, 'reject', null, 'tcp-reset', 'tcp', [[8082, 8082]], null, null, null, null],
      ['filter', 'INPUT', 8, 0, 'reject', null, 'icmp-port-unreachable', 'tcp', [[8085, 8085]], null, null, null, null],
      ['filter', 'INPUT', 9, 0, 'reject', null, 'icmp-host-prohibited', 'tcp', [[8086, 8086]], null, null, null, null],
      ['filter', 'INPUT', 10, 0, 'drop', null, null, 'tcp', [[8083, 8083]], null, null, null, null],
      ['filter', 'INPUT', 11, 0, 'jump', 'LAB-WEB', null, 'tcp', [[80, 80], [443, 443], [8000, 8010]], null, null, null, 'web "front" ports'],
      ['filter', 'INPUT', 12, 0, 'goto', 'LAB-GOTO', null, 'tcp', [[9000, 9010]], ['198.18.10.0/24'], ['198.18.10.2/32'], 'vs-pwfw-ipt', null],
      ['filter', 'INPUT', 13, 1, 'accept', null, null, 'tcp', [[8088, 8088]], null, null, null, 'dnat backend port, nothing listens'],
      ['filter', 'INPUT', 14, 0, 'accept', null, null, 'tcp', [[8089, 8089]], null, null, null, null],
      ['filter', 'INPUT', 15, 0, 'accept', null, null, 'udp', [[8082, 8082]], null, null, null, null],
      ['filter', 'KUBE-EXTERNAL-SERVICES', 1, 2, 'reject', null, 'icmp-port-unreachable', 'tcp', [[30080, 30080]], null, null, null, 'default/web:http has no endpoints'],
      ['filter', 'KUBE-SERVICES', 1, 0, 'reject', null, 'icmp-port-unreachable', 'tcp', [[80, 80]], null, ['198.18.10.50/32'], null, 'default/web:http has no endpoints'],
      ['filter', 'LAB-GOTO', 1, 0, 'reject', null, 'icmp-admin-prohibited', 'tcp', null, null, null, null, null],
      ['filter', 'LAB-WEB', 1, 0, 'accept', null, null, null, null, ['203.0.113.0/24'], null, null, null],
      ['filter', 'LAB-WEB', 2, 0, 'reject', null, 'tcp-reset', 'tcp', null, null, null, null, null],
      ['filter', 'f2b-sshd', 1, 1, 'reject', null, 'icmp-port-unreachable', null, null, ['198.18.10.1/32'], null, null, null],
      ['filter', 'f2b-sshd', 2, 0, 'return', null, null, null, null, null, null, null, null],
      ['nat', 'PREROUTING', 1, 11, 'jump', 'LAB-DOCKER', null, null, null, null, null, null, null],
      ['nat', 'LAB-DOCKER', 1, 1, 'dnat', '198.18.10.2:8088', null, 'tcp', [[8087, 8087]], null, null, null, 'lab/dead-backend'],
    ]);
  });

  it('keeps the rule text without the counter prefix, and byte counters', () => {
    const reject = snap.rules.find((r) => r.chain === 'INPUT' && r.index === 7);
    expect(reject).toMatchObject({ text: '-A INPUT -p tcp -m tcp --dport 8082 -j REJECT --reject-with tcp-reset', packets: 3, bytes: 180, handle: null, family: 'ip', source: 'iptables-nft' });
    const web = snap.rules.find((r) => r.target === 'LAB-WEB');
    expect(web?.text).toBe('-A INPUT -p tcp -m multiport --dports 80,443,8000:8010 -m comment --comment "web \\"front\\" ports" -j LAB-WEB');
  });

  it('reads chains: built-ins with hook, priority, policy and policy counters; user chains without', () => {
    expect(snap.chains.filter((c) => c.table === 'filter').map((c) => [c.chain, c.hook, c.priority, c.policy, c.packets, c.bytes])).toEqual([
      ['INPUT', 'input', 0, 'DROP', 2, 120],
      ['FORWARD', 'forward', 0, 'ACCEPT', 0, 0],
      ['OUTPUT', 'output', 0, 'ACCEPT', 0, 0],
      ['KUBE-EXTERNAL-SERVICES', null, null, null, null, null],
      ['KUBE-SERVICES', null, null, null, null, null],
      ['LAB-GOTO', null, null, null, null, null],
      ['LAB-WEB', null, null, null, null, null],
      ['f2b-sshd', null, null, null, null, null],
    ]);
    expect(snap.chains.filter((c) => c.table === 'nat').map((c) => [c.chain, c.priority])).toEqual([
      ['PREROUTING', -100], ['INPUT', 100], ['OUTPUT', -100], ['POSTROUTING', 100], ['LAB-DOCKER', null],
    ]);
  });

  it('reports the mixed-backend warning that iptables-nft-save prints first', () => {
    expect(snap.warnings).toEqual(['# Warning: iptables-legacy tables present, use iptables-legacy-save to see them']);
    expect(snapshot(fixture('iptables-save/filter-nat-nft-no-legacy.txt')).warnings).toEqual([]);
  });
});

describe('parseIptablesSave on the other backends and forms', () => {
  it('iptables-legacy-save -c: the REJECT only legacy knows about', () => {
    const legacy = snapshot(fixture(`${SEQ}/10-1x-8089-legacy-reject/iptables-legacy-save-c.txt`), 'iptables-legacy');
    expect(legacy.rules.map(row)).toEqual([['filter', 'INPUT', 1, 1, 'reject', null, 'tcp-reset', 'tcp', [[8089, 8089]], null, null, null, null]]);
    expect(legacy.rules[0]?.source).toBe('iptables-legacy');
    expect(legacy.warnings).toEqual([]);
  });

  it('empty output (no legacy tables loaded) is an empty rule set, not an error', () => {
    expect(fixture(`${SEQ}/00-initial/iptables-legacy-save-c.txt`)).toBe('');
    expect(snapshot('', 'iptables-legacy')).toEqual({ source: 'iptables-legacy', chains: [], rules: [], warnings: [] });
  });

  it('ip6tables-nft-save -c: family ip6, icmp6-adm-prohibited over a port range', () => {
    const v6 = snapshot(fixture(`${SEQ}/10-1x-8089-legacy-reject/ip6tables-nft-save-c.txt`), 'ip6tables-nft');
    expect(v6.rules.map(row)).toEqual([
      ['filter', 'INPUT', 1, 0, 'reject', null, 'tcp-reset', 'tcp', [[8082, 8082]], null, null, null, null],
      ['filter', 'INPUT', 2, 0, 'accept', null, null, 'tcp', [[8084, 8084]], ['2001:2:0:10::/64'], null, null, null],
      ['filter', 'INPUT', 3, 4, 'reject', null, 'icmp6-adm-prohibited', 'tcp', [[8000, 9999]], null, null, null, null],
    ]);
    expect(new Set(v6.rules.map((r) => `${r.source}/${r.family}`))).toEqual(new Set(['ip6tables-nft/ip6']));
  });

  it('iptables-save without -c: rules have no counters, chain policies still do', () => {
    const plain = snapshot(fixture('iptables-save/filter-nat-nft-no-counters.txt'));
    expect(plain.rules).toHaveLength(25);
    expect(plain.rules.every((r) => r.packets === null && r.bytes === null)).toBe(true);
    expect(plain.rules[0]).toMatchObject({ chain: 'INPUT', index: 1, dports: [[7000, 7000]], action: 'accept' });
    expect(plain.chains.find((c) => c.chain === 'INPUT')).toMatchObject({ policy: 'DROP', packets: 2, bytes: 120 });
    expect(plain.warnings).toHaveLength(1);
  });

  it('a ufw-managed rule set: ufw-user-input, the LIMIT chain, recent matches, app comments', () => {
    const ufw = snapshot(fixture('ufw/sequence/03-8x-22-ufw-limit/iptables-save-c.txt'));
    expect(ufw.rules).toHaveLength(90);
    const user = ufw.rules.filter((r) => r.chain === 'ufw-user-input');
    expect(user.map((r) => [r.index, r.packets, r.action, r.target, r.rejectWith, r.protocol, r.dports, r.sources, r.comment])).toEqual([
      [1, 0, 'accept', null, null, 'tcp', [[2222, 2222]], null, null],
      [2, 0, 'accept', null, null, 'tcp', [[8084, 8084]], null, null],
      [3, 3, 'reject', null, 'tcp-reset', 'tcp', [[8082, 8082]], null, null],
      [4, 0, 'drop', null, null, 'tcp', [[8083, 8083]], null, null],
      [5, 8, 'none', null, null, 'tcp', [[22, 22]], null, null],
      [6, 3, 'jump', 'ufw-user-limit', null, 'tcp', [[22, 22]], null, null],
      [7, 5, 'jump', 'ufw-user-limit-accept', null, 'tcp', [[22, 22]], null, null],
      [8, 0, 'accept', null, null, 'tcp', [[9000, 9010]], null, null],
      [9, 0, 'accept', null, null, 'tcp', [[80, 80], [443, 443]], null, null],
      [10, 0, 'accept', null, null, 'tcp', [[53, 53]], null, null],
      [11, 0, 'accept', null, null, 'udp', [[53, 53]], null, null],
      [12, 0, 'accept', null, null, 'tcp', [[8090, 8090]], ['198.18.12.0/24'], null],
      [13, 0, 'reject', null, 'icmp-port-unreachable', null, null, ['203.0.113.7/32'], null],
      [14, 0, 'accept', null, null, 'tcp', [[8091, 8091]], null, null],
      [15, 0, 'reject', null, 'tcp-reset', 'tcp', [[8086, 8086]], null, null],
      [16, 0, 'reject', null, 'icmp-port-unreachable', 'udp', [[8086, 8086]], null, null],
      [17, 0, 'accept', null, null, 'tcp', [[22, 22]], null, "'dapp_OpenSSH'"],
      [18, 0, 'accept', null, null, 'udp', [[8095, 8095]], null, null],
      [19, 0, 'drop', null, null, 'tcp', [[8084, 8084]], ['198.18.12.99/32'], null],
    ]);
    expect(ufw.rules.filter((r) => r.chain === 'ufw-user-limit').map((r) => [r.action, r.packets, r.rejectWith])).toEqual([
      ['log', 3, null],
      ['reject', 3, 'icmp-port-unreachable'],
    ]);
    expect(ufw.chains.find((c) => c.chain === 'INPUT')?.policy).toBe('DROP');
  });
});

describe('parseIptablesSave: malformed input gives a typed error, never a throw', () => {
  const fail = (text: string) => {
    const r = parseIptablesSave(text, 'iptables-nft');
    if (r.ok) throw new Error('expected an error');
    return r.error;
  };

  it('permission errors from both backends (catalog §2.1)', () => {
    expect(fail('iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n').code).toBe('needs-privilege');
    expect(fail('Fatal: can\'t open lock file /run/xtables.lock: Permission denied\n').code).toBe('needs-privilege');
  });

  it('"Table does not exist" means no rules in this backend', () => {
    const r = parseIptablesSave("iptables-legacy-save: can't initialize iptables table `filter': Table does not exist (do you need to insmod?)\n", 'iptables-legacy');
    expect(r.ok && r.value.rules.length === 0 && r.value.warnings.length === 1).toBe(true);
  });

  it('not iptables-save, cut short, broken lines', () => {
    expect(fail('Chain INPUT (policy ACCEPT)\ntarget prot opt source destination\n')).toMatchObject({ code: 'not-iptables-save', line: 1 });
    expect(fail('*filter\n:INPUT ACCEPT [0:0]\n[1:60] -A INPUT -j DROP\n')).toMatchObject({ code: 'truncated', line: 1 });
    expect(fail('*filter\n:INPUT ACCEPT [0:0]\n-A NOPE -j DROP\nCOMMIT\n')).toMatchObject({ code: 'bad-line', line: 3 });
    expect(fail('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "open -j DROP\nCOMMIT\n')).toMatchObject({ code: 'bad-line', line: 3 });
    expect(fail('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p\nCOMMIT\n')).toMatchObject({ code: 'bad-line', line: 3 });
    expect(fail('*filter\n:INPUT\tACCEPT [x:0]\nCOMMIT\n')).toMatchObject({ code: 'bad-line', line: 2 });
    expect(fail('*filter\n*nat\nCOMMIT\n')).toMatchObject({ code: 'bad-line', line: 2 });
  });

  it('every prefix and every damaged line of a real fixture parses or fails cleanly', () => {
    const text = fixture(`${SEQ}/10-1x-8089-legacy-reject/iptables-nft-save-c.txt`);
    const lines = text.split('\n');
    for (let n = 0; n <= lines.length; n++) {
      const r = parseIptablesSave(lines.slice(0, n).join('\n'), 'iptables-nft');
      if (!r.ok) expect(r.error.message.length).toBeGreaterThan(0);
      for (const cut of [1, 7, 19]) {
        const damaged = lines.map((l, i) => (i === n ? l.slice(0, cut) : l)).join('\n');
        expect(() => parseIptablesSave(damaged, 'iptables-nft')).not.toThrow();
      }
    }
  });
});

describe('parsePortList', () => {
  it('single ports, ranges, lists, open ranges; names are unknown', () => {
    expect(parsePortList('80')).toEqual([[80, 80]]);
    expect(parsePortList('8000:8010')).toEqual([[8000, 8010]]);
    expect(parsePortList('80,443,8000:8010')).toEqual([[80, 80], [443, 443], [8000, 8010]]);
    expect(parsePortList('1024:')).toEqual([[1024, 65535]]);
    expect(parsePortList(':1023')).toEqual([[0, 1023]]);
    expect(parsePortList('ssh')).toBeNull();
    expect(parsePortList('70000')).toBeNull();
  });
});
