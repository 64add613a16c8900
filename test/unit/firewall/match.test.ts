import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cidrContains, isRejectLike, rejectKind, ruleFamilies, ruleMatchesProbe } from '../../../shared/common/firewall/match';
import { parseIptablesSave, type IptablesSource } from '../../../shared/common/parsers/iptables-save';
import { parseNftJson } from '../../../shared/common/parsers/nft-json';
import type { FirewallRule } from '../../../shared/common/schema/firewall';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/firewall/${name}`, import.meta.url), 'utf8');

function iptRules(name: string, source: IptablesSource = 'iptables-nft'): FirewallRule[] {
  const r = parseIptablesSave(fixture(name), source);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.rules;
}
function nftRules(name: string): FirewallRule[] {
  const r = parseNftJson(fixture(name));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.rules;
}

const V4 = iptRules('iptables-save/sequence/10-1x-8089-legacy-reject/iptables-nft-save-c.txt');
const V6 = iptRules('iptables-save/sequence/10-1x-8089-legacy-reject/ip6tables-nft-save-c.txt', 'ip6tables-nft');
const NFT = nftRules('nft-json/sequence/08-1x-8098-ip-table-bare-reject/nft-j-list-ruleset.json');
const probe = (port: number, family: 4 | 6 = 4, extra: { destination?: string; source?: string } = {}) => ({ port, protocol: 'tcp' as const, family, ...extra });
const matching = (rules: FirewallRule[], p: ReturnType<typeof probe>) => rules.filter((r) => ruleMatchesProbe(r, p)).map((r) => `${r.table}/${r.chain}#${r.index} ${r.action}`);

describe('ruleMatchesProbe on real rules', () => {
  it('iptables: port, protocol (udp 8082 does not match), rules without a port match everything', () => {
    expect(matching(V4, probe(8082))).toEqual([
      'filter/INPUT#1 accept', 'filter/INPUT#2 accept', 'filter/INPUT#3 jump', 'filter/INPUT#4 jump', 'filter/INPUT#7 reject',
      'filter/LAB-GOTO#1 reject', 'filter/LAB-WEB#1 accept', 'filter/LAB-WEB#2 reject', 'filter/f2b-sshd#1 reject', 'filter/f2b-sshd#2 return',
      'nat/PREROUTING#1 jump',
    ]);
  });

  it('multiport lists and ranges; destination and source narrow', () => {
    const web = V4.find((r) => r.target === 'LAB-WEB') as FirewallRule;
    expect([80, 443, 8000, 8005, 8010, 8011].map((port) => ruleMatchesProbe(web, probe(port)))).toEqual([true, true, true, true, true, false]);
    const kube = V4.find((r) => r.chain === 'KUBE-SERVICES') as FirewallRule;
    expect(ruleMatchesProbe(kube, probe(80))).toBe(true);
    expect(ruleMatchesProbe(kube, probe(80, 4, { destination: '198.18.10.50' }))).toBe(true);
    expect(ruleMatchesProbe(kube, probe(80, 4, { destination: '198.18.10.2' }))).toBe(false);
    const ban = V4.find((r) => r.chain === 'f2b-sshd' && r.action === 'reject') as FirewallRule;
    expect(ruleMatchesProbe(ban, probe(22, 4, { source: '198.18.10.1' }))).toBe(true);
    expect(ruleMatchesProbe(ban, probe(22, 4, { source: '198.18.10.9' }))).toBe(false);
  });

  it('family: ip / ip6 tables, and inet rules narrowed by nfproto, addresses or icmp reject types', () => {
    expect(V4.every((r) => !ruleMatchesProbe(r, probe(8082, 6)))).toBe(true);
    expect(matching(V6, probe(8085, 6))).toEqual(['filter/INPUT#3 reject']);
    expect(matching(V6, probe(8084, 6, { source: '2001:2:0:10::1' }))).toEqual(['filter/INPUT#2 accept', 'filter/INPUT#3 reject']);
    expect(matching(V6, probe(8084, 6, { source: '2001:db8::1' }))).toEqual(['filter/INPUT#3 reject']);
    const byHandle = (h: number) => NFT.find((r) => r.table === 'labfw' && r.handle === h) as FirewallRule;
    expect([...ruleFamilies(byHandle(12))]).toEqual([4]); // meta nfproto ipv4 ... reject with icmp host-prohibited
    expect([...ruleFamilies(byHandle(13))]).toEqual([6]); // meta nfproto ipv6 ... icmpv6
    expect([...ruleFamilies(byHandle(18))]).toEqual([4]); // ip saddr @banned4
    expect([...ruleFamilies(byHandle(20))]).toEqual([6]); // ip6 saddr 2001:2:0:11::/64
    expect([...ruleFamilies(byHandle(9))].sort()).toEqual([4, 6]);
    // Regular chains without conditions (lab_user, lab_goto) could see anything that jumps there.
    expect(matching(NFT, probe(8092, 6))).toEqual(['labfw/input#1 accept', 'labfw/input#2 accept', 'labfw/input#8 reject', 'labfw/lab_user#1 reject', 'labfw/lab_goto#1 drop']);
  });

  it('named sets resolved from the listing', () => {
    // input#12 is "ip saddr @banned4 drop": any port, IPv4 only.
    expect(matching(NFT, probe(7002)).filter((m) => m.includes('input#'))).toEqual(['labfw/input#1 accept', 'labfw/input#2 accept', 'labfw/input#11 reject', 'labfw/input#12 drop']);
    expect(matching(NFT, probe(7003)).filter((m) => m.includes('input#'))).toEqual(['labfw/input#1 accept', 'labfw/input#2 accept', 'labfw/input#12 drop']);
    expect(matching(NFT, probe(7002, 4, { source: '198.18.11.1' })).filter((m) => m.includes('input#'))).toEqual(['labfw/input#1 accept', 'labfw/input#2 accept', 'labfw/input#11 reject']);
  });
});

describe('isRejectLike and rejectKind', () => {
  it('only reject refuses; each spelling maps to what the client sees', () => {
    expect(V4.filter(isRejectLike).map((r) => `${r.chain}#${r.index} ${rejectKind(r)}`)).toEqual([
      'INPUT#7 tcp-reset', 'INPUT#8 port-unreachable', 'INPUT#9 prohibited', 'KUBE-EXTERNAL-SERVICES#1 port-unreachable',
      'KUBE-SERVICES#1 port-unreachable', 'LAB-GOTO#1 prohibited', 'LAB-WEB#2 tcp-reset', 'f2b-sshd#1 port-unreachable',
    ]);
    expect(V6.filter(isRejectLike).map(rejectKind)).toEqual(['tcp-reset', 'prohibited']);
    expect(NFT.filter(isRejectLike).map((r) => `${r.rejectWith} ${rejectKind(r)}`)).toContain('icmpx admin-prohibited prohibited');
    expect(NFT.filter(isRejectLike).map((r) => `${r.rejectWith} ${rejectKind(r)}`)).toContain('icmp port-unreachable port-unreachable');
    const xt = nftRules('nft-json/iptables-nft-tables.json').find((r) => r.action === 'reject') as FirewallRule;
    expect(rejectKind(xt)).toBe('unknown');
    expect(isRejectLike(V4.find((r) => r.action === 'drop') as FirewallRule)).toBe(false);
    expect(rejectKind(V4.find((r) => r.action === 'drop') as FirewallRule)).toBeNull();
  });
});

describe('cidrContains', () => {
  it('IPv4 and IPv6 prefixes, plain addresses, ranges, families never mix', () => {
    expect(cidrContains('198.18.10.0/24', '198.18.10.77')).toBe(true);
    expect(cidrContains('198.18.10.0/24', '198.18.11.1')).toBe(false);
    expect(cidrContains('198.18.10.1/32', '198.18.10.1')).toBe(true);
    expect(cidrContains('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(cidrContains('2001:2:0:10::/64', '2001:2:0:10::2')).toBe(true);
    expect(cidrContains('2001:2:0:10::/64', '2001:2:0:11::2')).toBe(false);
    expect(cidrContains('2001:2::/48', '198.18.0.1')).toBe(false);
    expect(cidrContains('198.18.0.10-198.18.0.20', '198.18.0.15')).toBe(true);
    expect(cidrContains('198.18.0.10-198.18.0.20', '198.18.0.21')).toBe(false);
    expect(cidrContains('::ffff:198.18.0.0/120', '::ffff:198.18.0.9')).toBe(true);
    expect(cidrContains('not-an-address', '198.18.0.1')).toBe(true);
  });
});
