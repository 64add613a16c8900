import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNftJson } from '../../../shared/common/parsers/nft-json';
import { FirewallSnapshot, type FirewallRule } from '../../../shared/common/schema/firewall';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/firewall/${name}`, import.meta.url), 'utf8');
const LAST = 'nft-json/sequence/08-1x-8098-ip-table-bare-reject';

function snapshot(text: string): FirewallSnapshot {
  const r = parseNftJson(text);
  if (!r.ok) throw new Error(`parse failed: ${r.error.code} ${r.error.message}`);
  expect(FirewallSnapshot.parse(r.value)).toEqual(r.value);
  return r.value;
}

const row = (r: FirewallRule) => [r.family, r.table, r.chain, r.index, r.handle, r.packets, r.action, r.target, r.rejectWith, r.protocol, r.dports, r.sources, r.destinations, r.inInterface, r.comment];

describe('parseNftJson on real nft -j list ruleset (nftables 1.0.6), native tables', () => {
  const snap = snapshot(fixture(`${LAST}/nft-j-list-ruleset.json`));

  it('decodes every rule: matches, counters, verdicts, reject types, jumps, DNAT, comments', () => {
    expect(snap.rules.map(row)).toEqual([
      ['inet', 'labfw', 'input', 1, 6, null, 'accept', null, null, null, null, null, null, 'lo', null],
      ['inet', 'labfw', 'input', 2, 7, null, 'accept', null, null, null, null, null, null, null, null],
      ['inet', 'labfw', 'input', 3, 8, 0, 'accept', null, null, 'tcp', [[8084, 8084]], null, null, null, 'control listener'],
      ['inet', 'labfw', 'input', 4, 9, 5, 'reject', null, 'tcp reset', 'tcp', [[8082, 8082]], null, null, null, null],
      ['inet', 'labfw', 'input', 5, 10, 0, 'reject', null, 'icmpx port-unreachable', 'tcp', [[8085, 8085]], null, null, null, null],
      ['inet', 'labfw', 'input', 6, 11, 2, 'reject', null, 'icmpx admin-prohibited', 'tcp', [[8086, 8086]], null, null, null, null],
      ['inet', 'labfw', 'input', 7, 12, 0, 'reject', null, 'icmp host-prohibited', 'tcp', [[8092, 8092]], null, null, null, null],
      ['inet', 'labfw', 'input', 8, 13, 0, 'reject', null, 'icmpv6 admin-prohibited', 'tcp', [[8092, 8092]], null, null, null, null],
      ['inet', 'labfw', 'input', 9, 14, 0, 'drop', null, null, 'tcp', [[8083, 8083]], null, null, null, null],
      ['inet', 'labfw', 'input', 10, 16, 0, 'reject', null, 'tcp reset', 'tcp', [[9000, 9010], [9100, 9100]], null, null, null, null],
      ['inet', 'labfw', 'input', 11, 17, 1, 'reject', null, 'tcp reset', 'tcp', [[7001, 7001], [7002, 7002]], null, null, null, 'blocked by set'],
      ['inet', 'labfw', 'input', 12, 18, 0, 'drop', null, null, null, null, ['203.0.113.0/24'], null, null, null],
      ['inet', 'labfw', 'input', 13, 19, 0, 'accept', null, null, 'tcp', [[8090, 8090]], ['198.18.11.0/24'], null, null, null],
      ['inet', 'labfw', 'input', 14, 20, 0, 'accept', null, null, 'tcp', [[8090, 8090]], ['2001:2:0:11::/64'], null, null, null],
      ['inet', 'labfw', 'input', 15, 21, 0, 'reject', null, 'tcp reset', 'tcp', [[8090, 8090]], null, ['198.18.11.2'], null, null],
      ['inet', 'labfw', 'input', 16, 22, 0, 'jump', 'lab_user', null, 'tcp', [[8091, 8091]], null, null, 'vs-pwfw-nft', null],
      ['inet', 'labfw', 'input', 17, 23, null, 'goto', 'lab_goto', null, 'tcp', [[8093, 8093]], null, null, null, null],
      ['inet', 'labfw', 'input', 18, 24, null, 'reject', null, 'tcp reset', 'tcp', [[8094, 8094]], null, null, null, null],
      ['inet', 'labfw', 'input', 19, 25, 0, 'reject', null, 'tcp reset', 'tcp', [[8097, 8097]], null, null, null, null],
      ['inet', 'labfw', 'input', 20, 26, 0, 'reject', null, 'tcp reset', 'tcp', [[2222, 2222]], null, null, null, null],
      ['inet', 'labfw', 'input', 21, 27, 0, 'accept', null, null, 'udp', [[8082, 8082]], null, null, null, null],
      ['inet', 'labfw', 'lab_user', 1, 28, 0, 'reject', null, 'icmpx port-unreachable', null, null, null, null, null, null],
      ['inet', 'labfw', 'lab_goto', 1, 29, 0, 'drop', null, null, null, null, null, null, null, null],
      ['inet', 'labfw2', 'input', 1, 2, 1, 'reject', null, 'tcp reset', 'tcp', [[8096, 8096]], null, null, null, null],
      ['ip', 'labip', 'input', 1, 2, 1, 'reject', null, 'icmp port-unreachable', 'tcp', [[8098, 8098]], null, null, null, null],
      ['ip', 'labip', 'input', 2, 3, 0, 'reject', null, 'icmp port-unreachable', 'tcp', [[8099, 8099]], null, null, null, null],
      ['ip', 'labnat', 'prerouting', 1, 2, 1, 'dnat', '198.18.11.2:8088', null, 'tcp', [[8087, 8087]], null, null, null, 'dead backend'],
      ['ip', 'labnat', 'prerouting', 2, 3, 0, 'dnat', '198.18.11.3', null, 'tcp', [[8095, 8095]], null, null, null, null],
    ]);
    expect(snap.warnings).toEqual([]);
    expect(new Set(snap.rules.map((r) => r.source))).toEqual(new Set(['nft']));
  });

  it('rebuilds each rule text exactly as `nft list ruleset` printed it at the same moment', () => {
    const listing = fixture(`${LAST}/nft-list-ruleset.txt`).split('\n').map((l) => l.trim());
    for (const r of snap.rules) expect(listing).toContain(r.text);
    expect(snap.rules.find((r) => r.handle === 9)?.text).toBe('tcp dport 8082 counter packets 5 bytes 340 reject with tcp reset');
  });

  it('reads base chains (type/hook/prio/policy) and regular chains; nft has no chain counters', () => {
    expect(snap.chains.map((c) => [c.family, c.table, c.chain, c.hook, c.priority, c.policy, c.packets])).toEqual([
      ['inet', 'labfw', 'input', 'input', 0, 'accept', null],
      ['inet', 'labfw', 'lab_user', null, null, null, null],
      ['inet', 'labfw', 'lab_goto', null, null, null, null],
      ['inet', 'labfw2', 'input', 'input', 10, 'accept', null],
      ['ip', 'labip', 'input', 'input', -5, 'accept', null],
      ['ip', 'labnat', 'prerouting', 'prerouting', -100, 'accept', null],
    ]);
  });

  it('keeps @name in the text and warns when the set is not in the listing', () => {
    const doc = JSON.parse(fixture(`${LAST}/nft-j-list-ruleset.json`)) as { nftables: Record<string, unknown>[] };
    doc.nftables = doc.nftables.filter((o) => !('set' in o));
    const s = snapshot(JSON.stringify(doc));
    const byName = s.rules.find((r) => r.handle === 17 && r.table === 'labfw');
    expect(byName).toMatchObject({ dports: null, text: 'tcp dport @blocked_ports counter packets 1 bytes 60 reject with tcp reset comment "blocked by set"' });
    expect(s.rules.find((r) => r.handle === 18 && r.table === 'labfw')?.sources).toBeNull();
    expect(s.warnings).toEqual([
      'inet labfw input rule 11: set @blocked_ports is not in this listing; the rule is treated as matching any value there.',
      'inet labfw input rule 12: set @banned4 is not in this listing; the rule is treated as matching any value there.',
    ]);
  });

  it('a reject without a type object (`"reject": null`) is the family default', () => {
    const text = JSON.stringify({ nftables: [
      { metainfo: { version: '1.0.9', json_schema_version: 1 } },
      { rule: { family: 'ip6', table: 't', chain: 'c', handle: 4, expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: { range: [8000, 8010] } } }, { reject: null }] } },
      { rule: { family: 'inet', table: 't', chain: 'c', handle: 5, expr: [{ match: { op: '!=', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } }, { reject: null }] } },
    ] });
    const s = snapshot(text);
    expect(s.rules.map((r) => [r.family, r.index, r.text, r.rejectWith, r.dports])).toEqual([
      ['ip6', 1, 'tcp dport 8000-8010 reject', 'icmpv6 port-unreachable', [[8000, 8010]]],
      ['inet', 1, 'tcp dport != 22 reject', 'icmpx port-unreachable', null],
    ]);
  });
});

describe('parseNftJson on iptables-nft tables (catalog §4.5: details lost in nft)', () => {
  const snap = snapshot(fixture('nft-json/iptables-nft-tables.json'));

  it('reads xt targets as actions but without REJECT type, comments, multiport ports or DNAT address', () => {
    const input = snap.rules.filter((r) => r.family === 'ip' && r.table === 'filter' && r.chain === 'INPUT');
    expect(input).toHaveLength(16);
    expect(input.find((r) => r.dports?.[0]?.[0] === 8082 && r.protocol === 'tcp')).toMatchObject({
      action: 'reject', rejectWith: null, packets: 6, text: 'tcp dport 8082 counter packets 6 bytes 360 xt target "REJECT"',
    });
    const web = input.find((r) => r.target === 'LAB-WEB');
    expect(web).toMatchObject({ dports: null, comment: null, text: 'meta l4proto tcp xt match "multiport" xt match "comment" counter packets 0 bytes 0 jump LAB-WEB' });
    const kube = snap.rules.find((r) => r.chain === 'KUBE-EXTERNAL-SERVICES');
    expect(kube).toMatchObject({ action: 'reject', comment: null, dports: [[30080, 30080]], packets: 2 });
    expect(snap.rules.find((r) => r.chain === 'LAB-DOCKER')).toMatchObject({ action: 'dnat', target: null, dports: [[8087, 8087]] });
    expect(snap.chains.find((c) => c.family === 'ip' && c.table === 'filter' && c.chain === 'INPUT')).toMatchObject({ hook: 'input', priority: 0, policy: 'drop' });
  });

  it('warns once per table that uses xt expressions', () => {
    expect(snap.warnings).toHaveLength(3);
    expect(snap.warnings[0]).toMatch(/^table ip filter uses iptables-nft \(xt\) expressions/);
  });
});

describe('parseNftJson on a firewalld 1.3.3 ruleset (table inet firewalld)', () => {
  it('parses the whole ruleset; firewalld rules carry no counters', () => {
    const snap = snapshot(fixture('firewalld/sequence/01-2x-8086-not-opened/nft-j-list-ruleset.json'));
    const fw = snap.rules.filter((r) => r.table === 'firewalld');
    expect(fw.length).toBeGreaterThan(100);
    expect(fw.every((r) => r.packets === null)).toBe(true);
    const finalReject = fw.filter((r) => r.chain === 'filter_INPUT' && r.action === 'reject');
    expect(finalReject.map((r) => [r.text, r.rejectWith])).toEqual([['reject with icmpx admin-prohibited', 'icmpx admin-prohibited']]);
    const rich = fw.find((r) => r.chain === 'filter_IN_public_deny' && r.dports?.[0]?.[0] === 8082);
    expect(rich).toMatchObject({ action: 'reject', rejectWith: 'tcp reset', text: 'tcp dport 8082 reject with tcp reset' });
    expect(snap.chains.find((c) => c.table === 'firewalld' && c.chain === 'filter_INPUT')).toMatchObject({ hook: 'input', priority: 10, policy: 'accept' });
  });
});

describe('parseNftJson: malformed input gives a typed error, never a throw', () => {
  const fail = (text: string) => {
    const r = parseNftJson(text);
    if (r.ok) throw new Error('expected an error');
    return r.error;
  };

  it('permission errors (catalog §2.1), text listings, broken JSON, wrong shapes', () => {
    expect(fail('Operation not permitted (you must be root)\nnetlink: Error: cache initialization failed: Operation not permitted\n').code).toBe('needs-privilege');
    expect(fail(fixture(`${LAST}/nft-list-ruleset.txt`)).code).toBe('not-nft-json');
    expect(fail('{"nftables": [{"metainfo": ').code).toBe('invalid-json');
    expect(fail('{"rules": []}').code).toBe('not-nft-json');
    expect(fail('{"nftables": [{"metainfo": {"json_schema_version": 2}}]}').code).toBe('unsupported-schema');
  });

  it('odd but valid JSON shapes are tolerated', () => {
    const s = snapshot(JSON.stringify({ nftables: [null, 3, 'x', { rule: { family: 'ip' } }, { rule: { family: 'ip', table: 't', chain: 'c', expr: [null, {}, { counter: 'named' }, { mangle: { key: 1, value: 2 } }, { accept: null }] } }] }));
    expect(s.rules.map((r) => [r.text, r.action, r.handle, r.packets])).toEqual([['counter name "named" mangle {"key":1,"value":2} accept', 'accept', null, null]]);
  });

  it('every truncation of a real fixture fails cleanly', () => {
    const text = fixture(`${LAST}/nft-j-list-ruleset.json`);
    for (let n = 0; n < text.length; n += 97) {
      const r = parseNftJson(text.slice(0, n));
      expect(r.ok).toBe(false);
    }
  });
});
